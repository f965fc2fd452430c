"""Tests of the guide's registers, designs.toml and scaffold.toml: what each entry must hold,
and that a mistake in a file stops the import with a message naming the entry and the key."""

from __future__ import annotations

import re
from dataclasses import fields
from importlib import resources

import pytest

from evaluation.guide import _read_register, scaffold
from evaluation.guide.designs import DESIGNS, Design, _design_fields
from evaluation.guide.scaffold import TEMPLATES, Template


def text_of(file: str) -> str:
    return resources.files("evaluation.guide").joinpath(file).read_text(encoding="utf-8")


def read_designs(text: str) -> dict[str, Design]:
    return _read_register("designs.toml", Design, _design_fields, text=text)


@pytest.mark.parametrize(
    ("file", "register"), [("designs.toml", DESIGNS), ("scaffold.toml", TEMPLATES)]
)
def test_one_table_per_key(file: str, register: dict[str, object]) -> None:
    """Every entry's key is unique: the file's table headers, in order, are the register's keys."""
    headers = re.findall(r"^\[(\w+)\]$", text_of(file), re.M)
    assert headers == list(register)
    assert len(set(headers)) == len(headers)


def test_a_repeated_key_is_refused() -> None:
    text = text_of("designs.toml")
    rdd = text[text.index("[rdd]") : text.index("[synth]")]
    with pytest.raises(ValueError, match=r"designs\.toml: .*rdd"):
        read_designs(text + "\n" + rdd)


def test_designs_hold_what_the_class_promises() -> None:
    """Texts are filled and non-empty, levels on the Maryland scale, lists are tuples of texts."""
    for design in DESIGNS.values():
        for name in ("name", "when", "data", "assumption", "level_note"):
            value = getattr(design, name)
            assert isinstance(value, str) and value.strip(), (design.key, name)
            assert "{" not in value and "}" not in value, (design.key, name)
        assert type(design.level) is int and 1 <= design.level <= 5, design.key
        for name in ("diagnostics", "library", "chapters"):
            value = getattr(design, name)
            assert type(value) is tuple and value, (design.key, name)
            assert all(isinstance(item, str) and item for item in value), (design.key, name)
        assert design.cli is None or design.cli == design.key


def test_library_entries_are_public() -> None:
    """Each ``library`` entry is a public name; test_designs imports and calls each."""
    for design in DESIGNS.values():
        for name in design.library:
            assert not any(part.startswith("_") for part in name.split(".")), name


def test_every_template_names_a_design_with_its_cli() -> None:
    with_cli = {d.cli for d in DESIGNS.values()} - {None}
    assert set(TEMPLATES) == with_cli
    for spec in TEMPLATES.values():
        assert isinstance(spec, Template)
        assert spec.guide.cli == spec.key
        assert set(spec.vfm) == {
            "years",
            "cost_per_year",
            "value_per_unit_per_year",
            "direction",
            "unit",
        }, spec.key


# ------------------------------------------------------------------------ mistakes in a file
def test_an_unknown_key_is_named() -> None:
    text = text_of("designs.toml").replace("assumption =", "asumption =", 1)
    with pytest.raises(ValueError, match=r"designs\.toml: \[rct\] has unknown key 'asumption'"):
        read_designs(text)


def test_a_missing_field_is_named() -> None:
    text = re.sub(r"^level = 5\n", "", text_of("designs.toml"), count=1, flags=re.M)
    with pytest.raises(ValueError, match=r"designs\.toml: \[rct\]: .*'level'"):
        read_designs(text)


def test_an_unknown_minimum_is_named() -> None:
    text = text_of("designs.toml").replace("{synth_min_donors}", "{synth_donors}")
    with pytest.raises(ValueError, match=r"\[synth\]: no minimum 'synth_donors'"):
        read_designs(text)


def test_malformed_toml_names_the_file() -> None:
    with pytest.raises(ValueError, match=r"designs\.toml: "):
        read_designs(text_of("designs.toml") + "\nlevel = \n")
    with pytest.raises(ValueError, match=r"designs\.toml: 'level' must be a table"):
        read_designs("level = 3\n")


def test_a_typo_in_the_scaffold_register_is_named() -> None:
    text = text_of("scaffold.toml").replace("vfm_effect =", "vfm_efect =", 1)
    with pytest.raises(ValueError, match=r"scaffold\.toml: \[performance\] has unknown key"):
        _read_register("scaffold.toml", Template, text=text)
    own = ", ".join(f.name for f in fields(Template) if f.name != "key")
    with pytest.raises(ValueError, match=re.escape(f"a Template has {own}.")):
        _read_register("scaffold.toml", Template, text=text)
    assert scaffold.TEMPLATES is TEMPLATES
