"""CITATION.cff: valid Citation File Format 1.2.0, with the library's version."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

import evaluation

ROOT = Path(__file__).resolve().parents[1]


def _citation() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_citation_has_the_required_fields() -> None:
    cff = _citation()
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):  # required by the CFF 1.2.0 schema
        assert cff.get(key), f"CITATION.cff has no {key}"
    assert cff["title"] == "Evaluating public service markets: an open handbook"
    assert cff["type"] == "software"
    assert cff["authors"] == [{"name": "The Evaluating Public Service Markets team"}]
    assert cff["license"] == "MIT"
    assert str(cff["date-released"]) == "2026-12-06"
    assert len(cff["abstract"].split()) > 30


def test_citation_version_is_the_library_version() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    version = str(_citation()["version"])
    assert version == pyproject["project"]["version"]
    assert version == evaluation.__version__


def test_readme_points_at_the_citation_file() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How to cite", 1)[1].split("\n## ", 1)[0]
    assert "CITATION.cff" in section
