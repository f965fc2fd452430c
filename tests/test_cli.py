"""The `evaluation` command: data list, verify and fetch."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation import datasets
from evaluation.cli import main


def test_data_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "care_home_hhi_district" in out
    assert f"{len(datasets.catalog())} datasets" in out


def test_data_list_by_sector(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "list", "--sector", "probation"]) == 0
    out = capsys.readouterr().out
    assert "proven_reoffending_national" in out and "care_home_hhi_district" not in out


def test_data_verify_passes_on_the_shared_data(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(shared_data))
    assert main(["data", "verify"]) == 0
    n = len(datasets.catalog())
    assert f"{n} verified, 0 missing, 0 mismatched." in capsys.readouterr().out


def test_data_verify_fails_on_a_corrupted_copy(
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry = datasets.info("proven_reoffending_national")
    copy = tmp_path / entry.file
    copy.parent.mkdir(parents=True)
    shutil.copyfile(shared_data / entry.file, copy)
    with copy.open("ab") as handle:
        handle.write(b"\n")
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path))
    assert main(["data", "verify"]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH proven_reoffending_national" in out
    assert entry.sha256 in out


def test_unknown_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "verify", "care_home_hhi_distric"]) == 2
    assert "care_home_hhi_district" in capsys.readouterr().err


def test_fetch_with_nothing_reachable_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path))
    transcribed = datasets.catalog().query("not downloadable")["name"].iloc[0]
    assert main(["data", "fetch", transcribed]) == 2
    assert "cannot be downloaded" in capsys.readouterr().out


def test_the_installed_command_runs() -> None:
    exe = Path(sys.executable).with_name("evaluation")
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("evaluation ")
