"""Shared fixtures: the real data folder, an isolated cache, a fixture registry."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evaluation.data import registry
from tests.site_support import serve

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real data named by EVALUATION_DATA_DIR (CI: ../shared/data)."""
    configured = os.environ.get(registry.DATA_DIR_ENV)
    if not configured:
        pytest.skip(f"{registry.DATA_DIR_ENV} is not set: the real-data checks need it")
    folder = Path(configured)
    assert folder.is_dir(), f"{registry.DATA_DIR_ENV}={configured} is not a folder"
    return folder


@pytest.fixture(autouse=True)
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own empty download cache, so no test sees another's downloads."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv(registry.CACHE_DIR_ENV, str(cache))
    return cache


@pytest.fixture()
def http_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving the files put in the returned folder."""
    root = tmp_path / "served"
    root.mkdir()
    with serve(root) as base:
        yield base, root


def write_registry(path: Path, entries: list[dict[str, str]]) -> Path:
    """Write a registry CSV with the library's columns; missing fields are filled in."""
    defaults = {
        "sector": "care",
        "format": "csv",
        "encoding": "utf-8",
        "origin": "repository file",
        "downloadable": "true",
        "publisher": "Test publisher",
        "title": "Test file",
        "licence": "OGL v3.0",
        "year_first": "2010",
        "year_last": "2012",
        "description": "A test file.",
        "can_answer": "",
        "cannot_answer": "",
        "caveats": "",
    }
    columns = list(registry.REGISTRY_COLUMNS)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for entry in entries:
            writer.writerow({**defaults, **entry})
    return path


@pytest.fixture()
def fixture_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Swap the library's registry for one the test writes; restore it afterwards."""

    def use(entries: list[dict[str, str]]) -> Path:
        written = write_registry(tmp_path / "registry.csv", entries)
        monkeypatch.setattr(registry, "_registry_path", lambda: written)
        registry._registry.cache_clear()
        return written

    yield use
    registry._registry.cache_clear()


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session on two cores for the whole run (Java from Debian: ``make java``).

    Every test of records in Spark shares it: starting a session takes seconds.
    """
    if shutil.which("java") is None:
        pytest.fail("Spark needs Java: run `make java` (Debian's default-jre-headless).")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("evaluation-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def prop99() -> Any:
    """Abadie, Diamond and Hainmueller's (2010) panel as shipped by the scspill package.

    Shared by every test of the synthetic control methods; no test may change it in place.
    """
    pytest.importorskip("scspill")
    from benchmarks import cases

    return cases.prop99()


@pytest.fixture()
def real(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``registry.load`` reading the real data folder (skips where EVALUATION_DATA_DIR is unset).

    Tests of the real files take it as ``real("name")``, or mark themselves with
    ``@pytest.mark.usefixtures("real")`` and call the library's loaders.
    """
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    return registry.load
