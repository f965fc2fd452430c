"""evaluation.data.registry: finding, verifying, downloading and reading registered files."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from evaluation.data import registry
from tests.conftest import REPO, sha256_bytes

GOOD = b"year,value\n2010,1\n2011,2\n2012,3\n"


# --- the registry ----------------------------------------------------------------------


def test_registry_is_well_formed() -> None:
    cat = registry.catalog()
    assert cat["name"].is_unique
    assert cat["name"].str.fullmatch(r"[a-z0-9_]{1,40}").all()
    assert cat["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert cat["format"].isin(["csv", "xlsx", "xls", "parquet", "json"]).all()
    assert cat["source_url"].str.startswith("https://").all()
    assert cat["sector"].isin(["care", "employment", "geography", "probation", "schools"]).all()
    dated = cat.dropna(subset=["year_first", "year_last"])
    assert (dated["year_first"] <= dated["year_last"]).all()
    assert dated["year_first"].between(1950, 2026).all()  # GDP deflators start in 1955
    for column in ("publisher", "title", "licence", "description"):
        assert (cat[column].str.len() > 0).all(), f"empty {column}"


def test_registry_matches_the_shared_manifest(shared_data: Path) -> None:
    with (shared_data / "MANIFEST.csv").open(encoding="utf-8") as handle:
        manifest = {row["file"]: row for row in csv.DictReader(handle)}
    cat = registry.catalog().set_index("file")
    assert set(cat.index) == set(manifest), "registry and manifest list different files"
    for file, row in manifest.items():
        assert cat.loc[file, "sha256"] == row["sha256"], file
        assert cat.loc[file, "bytes"] == int(row["bytes"]), file
        assert bool(cat.loc[file, "downloadable"]) == (row["identical_at_source"] == "yes")


def test_registry_travels_with_the_package() -> None:
    shipped = registry._registry_path()
    assert shipped.resolve() == (REPO / "data" / "registry.csv").resolve()


def test_unknown_name_suggests_close_matches() -> None:
    name = registry.catalog()["name"].iloc[0]
    with pytest.raises(registry.UnknownDatasetError, match=re.escape(repr(name))):
        registry.info(name[:-1] + "x")
    with pytest.raises(registry.UnknownDatasetError, match="evaluation data list"):
        registry.path("no_such_dataset_at_all")


def test_name_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="string"):
        registry.info(3)  # type: ignore[arg-type]


# --- finding and verifying the real files ------------------------------------------------


def test_every_shared_file_verifies(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    result = registry.verify()
    assert len(result) == len(registry.catalog())
    assert (result["status"] == "ok").all(), result.loc[result["status"] != "ok"]


def test_corrupted_copy_is_refused_and_left_alone(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = registry.info("care_home_hhi_district")
    copy = tmp_path / entry.file
    copy.parent.mkdir(parents=True)
    shutil.copyfile(shared_data / entry.file, copy)
    corrupted = bytearray(copy.read_bytes())
    corrupted[100] ^= 0xFF
    copy.write_bytes(bytes(corrupted))
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(registry.ChecksumError) as raised:
        registry.path(entry.name)
    message = str(raised.value)
    assert entry.sha256 in message and sha256_bytes(bytes(corrupted)) in message
    assert "Nothing was overwritten" in message
    assert copy.read_bytes() == bytes(corrupted)
    status = registry.verify([entry.name])
    assert status.loc[0, "status"] == "mismatch"


def test_data_dir_that_is_not_a_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(registry.DataNotFoundError, match="not a folder"):
        registry.path("care_home_hhi_district")


def test_missing_offline_names_the_variable_and_the_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(tmp_path))
    entry = registry.info("care_home_hhi_district")
    with pytest.raises(registry.DataNotFoundError) as raised:
        registry.path(entry.name, download=False)
    assert registry.DATA_DIR_ENV in str(raised.value)
    assert entry.source_url in str(raised.value)


def test_transcriptions_cannot_be_downloaded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(tmp_path))
    transcribed = registry.catalog().query("not downloadable")["name"]
    assert len(transcribed) > 0
    with pytest.raises(registry.DataNotFoundError, match="transcription"):
        registry.path(transcribed.iloc[0])


# --- downloading, against a real HTTP server on 127.0.0.1 --------------------------------


def _served_entry(base: str, name: str, file: str, content: bytes) -> dict[str, str]:
    return {
        "name": name,
        "file": f"care/{file}",
        "bytes": str(len(content)),
        "sha256": sha256_bytes(content),
        "source_url": f"{base}/{file}",
    }


def test_download_verifies_and_caches(http_server, fixture_registry, isolated_cache: Path) -> None:
    base, served = http_server
    (served / "good.csv").write_bytes(GOOD)
    fixture_registry([_served_entry(base, "good", "good.csv", GOOD)])
    found = registry.path("good")
    assert found == isolated_cache / "care" / "good.csv"
    assert found.read_bytes() == GOOD
    (served / "good.csv").unlink()  # a second call is served from the cache
    assert registry.path("good") == found
    frame = registry.read_raw("good")
    assert frame["value"].sum() == 6


def test_corrupted_download_is_refused_and_not_kept(
    http_server, fixture_registry, isolated_cache: Path
) -> None:
    base, served = http_server
    (served / "bad.csv").write_bytes(GOOD.replace(b"3", b"4"))
    fixture_registry([_served_entry(base, "bad", "bad.csv", GOOD)])
    with pytest.raises(registry.ChecksumError, match="discarded"):
        registry.path("bad")
    assert not (isolated_cache / "care" / "bad.csv").exists()


def test_failed_download_says_what_to_do(http_server, fixture_registry) -> None:
    base, _ = http_server
    fixture_registry([_served_entry(base, "gone", "gone.csv", GOOD)])
    with pytest.raises(registry.DataNotFoundError) as raised:
        registry.path("gone")
    assert registry.DATA_DIR_ENV in str(raised.value) and f"{base}/gone.csv" in str(raised.value)


def test_fetch_reports_each_file(http_server, fixture_registry) -> None:
    base, served = http_server
    (served / "good.csv").write_bytes(GOOD)
    fixture_registry(
        [_served_entry(base, "good", "good.csv", GOOD), _served_entry(base, "gone", "g.csv", GOOD)]
    )
    result = registry.fetch().set_index("name")["status"]
    assert result.to_dict() == {"good": "ok", "gone": "missing"}


def test_unreadable_file_is_a_clear_error(http_server, fixture_registry) -> None:
    base, served = http_server
    junk = b"\x00\x01\x02 not a spreadsheet"
    (served / "junk.xlsx").write_bytes(junk)
    entry = _served_entry(base, "junk", "junk.xlsx", junk) | {"format": "xlsx", "encoding": ""}
    fixture_registry([entry])
    with pytest.raises(registry.DataReadError, match="could not be read as xlsx"):
        registry.read_raw("junk")


# --- tidy loaders on the real files ----------------------------------------------------


def test_load_without_a_tidy_loader_points_to_read_raw() -> None:
    untidy = sorted(set(registry.catalog()["name"]) - set(registry.tidy_loaders()))
    with pytest.raises(NotImplementedError, match="read_raw"):
        registry.load(untidy[0])


@pytest.mark.parametrize("name", registry.tidy_loaders())
def test_every_tidy_loader_runs_on_the_real_file(
    name: str, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    frame = registry.load(name)
    assert len(frame) > 0
    assert frame.attrs["source"].startswith("Source: ")
    assert isinstance(frame.attrs["suppressed"], int)


def test_hhi_loader_matches_the_published_file(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    hhi = registry.load("care_home_hhi_district")
    assert list(hhi.columns) == ["council", "district", "wave", "period", "hhi"]
    assert len(hhi) == 1304  # as the manifest describes the file
    assert hhi["council"].nunique() == 152 and hhi["district"].nunique() == 325
    assert hhi["hhi"].between(0, 10_000).all()
    raw = pd.read_csv(shared_data / registry.info("care_home_hhi_district").file)
    assert hhi["hhi"].sum() == pytest.approx(raw["hhi"].sum() * 10_000, rel=1e-12)


def test_entries_exits_loader(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    flows = registry.load("care_home_entries_exits_district")
    assert len(flows) == 1040 and flows["district"].nunique() == 325
    # Flows add up: net = entries - exits on every row.
    assert (flows["net"] == flows["entries"] - flows["exits"]).all()
    assert flows.loc[flows["wave"] == 0, "entry_rate"].isna().all()


def test_reoffending_loader(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    reoff = registry.load("proven_reoffending_national")
    assert set(reoff["measure"]) == {"old", "new"}
    assert set(reoff["group"]) == {"Adult", "Juvenile", "All"}
    binary = reoff.query("quantity == 'binary' and group == 'Adult'")
    assert binary["value"].dropna().between(0, 100).all()
    assert binary["value"].isna().sum() == 4  # the new quarterly series is blank in 2001
    assert reoff["cohort_start"].dt.year.min() == 2000


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ('[1, "a", [2, 3]],\n[4, "b", [5, 6]],\n', (2, 3)),  # rows a line, each with a comma
        ('[{"x": 1}, {"x": 2}]', (2, 1)),  # an array of records
        ('["", "England", 5.5]', (1, 3)),  # one row
    ],
)
def test_json_rows_of_every_published_shape(tmp_path: Path, text: str, shape: tuple) -> None:
    file = tmp_path / "rows.json"
    file.write_text(text, encoding="utf-8")
    assert registry._read_json_rows(file).shape == shape
