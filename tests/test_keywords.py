"""One name per concept: every public signature uses only the keywords of the glossary.

The glossary is :data:`evaluation.keywords.KEYWORDS`. The walk is
:func:`evaluation.keywords.usage`: every function named in the ``__all__`` of a
public module of the methods, data, services, guide, report and results layers
(``self``, ``*args`` and ``**kwargs`` aside). The generators of
:mod:`evaluation.simulate` are left out on purpose: their knobs (effect sizes,
trends, noise, the number of units) are specific to each simulation and name no
shared concept. :mod:`evaluation.cli` is left out too: it takes command-line
options, not keyword arguments.
"""

from __future__ import annotations

import pytest

from evaluation import keywords

USED = keywords.usage()


def test_the_walk_finds_the_public_functions() -> None:
    functions = {f for names in USED.values() for f in names}
    assert {"did.two_by_two", "data.registry.load", "report.tables.table"} <= functions
    assert not any(f.startswith(("simulate.", "cli.")) for f in functions)
    assert len(functions) > 150


def test_every_keyword_in_a_public_signature_is_in_the_glossary() -> None:
    unknown = {k: f for k, f in USED.items() if k not in keywords.KEYWORDS}
    lines = [f"{k}: {', '.join(f)}" for k, f in unknown.items()]
    assert not unknown, "keywords missing from evaluation.keywords.KEYWORDS:\n" + "\n".join(lines)


def test_every_glossary_entry_is_used() -> None:
    dead = sorted(set(keywords.KEYWORDS) - set(USED))
    assert not dead, f"keywords no public function uses (remove them): {dead}"


@pytest.mark.parametrize("keyword", sorted(keywords.KEYWORDS))
def test_each_meaning_is_one_sentence(keyword: str) -> None:
    meaning = keywords.KEYWORDS[keyword]
    assert meaning[:1].isupper(), f"{keyword}: the meaning starts with a capital letter"
    assert meaning.endswith("."), f"{keyword}: the meaning ends in a full stop"
    assert "\n" not in meaning


def test_each_keyword_has_one_known_kind() -> None:
    assert set(keywords.KIND) == set(keywords.KEYWORDS)
    assert set(keywords.KIND.values()) <= set(keywords.KINDS)
    assert all(m.endswith(".") for m in keywords.KINDS.values())


def test_the_glossary_table() -> None:
    table = keywords.glossary()
    assert list(table.columns) == ["keyword", "kind", "meaning", "used_by"]
    assert table["keyword"].is_unique and len(table) == len(keywords.KEYWORDS)
    assert table["kind"].drop_duplicates().tolist() == list(keywords.KINDS)
    assert "did.two_by_two" in table.set_index("keyword").loc["treated", "used_by"]
