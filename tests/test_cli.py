"""The `evaluation` command: data list, verify and fetch."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.cli import main
from evaluation.data import registry


def test_data_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "care_home_hhi_district" in out
    assert f"{len(registry.catalog())} datasets" in out


def test_data_list_by_sector(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "list", "--sector", "probation"]) == 0
    out = capsys.readouterr().out
    assert "proven_reoffending_national" in out and "care_home_hhi_district" not in out


def test_data_verify_passes_on_the_shared_data(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    assert main(["data", "verify"]) == 0
    n = len(registry.catalog())
    assert f"{n} verified, 0 missing, 0 mismatched." in capsys.readouterr().out


def test_data_verify_fails_on_a_corrupted_copy(
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry = registry.info("proven_reoffending_national")
    copy = tmp_path / entry.file
    copy.parent.mkdir(parents=True)
    shutil.copyfile(shared_data / entry.file, copy)
    with copy.open("ab") as handle:
        handle.write(b"\n")
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(tmp_path))
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
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(tmp_path))
    transcribed = registry.catalog().query("not downloadable")["name"].iloc[0]
    assert main(["data", "fetch", transcribed]) == 2
    assert "cannot be downloaded" in capsys.readouterr().out


def test_the_installed_command_runs() -> None:
    exe = Path(sys.executable).with_name("evaluation")
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("evaluation ")


# ----------------------------------------------------------------------------- new-review
def test_new_review_writes_the_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-review", "pilot", "--design", "its", "--dir", str(tmp_path)]) == 0
    assert (tmp_path / "pilot.md").is_file()
    assert "Wrote" in capsys.readouterr().out


def test_new_review_refuses_to_overwrite_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pilot.md").write_text("keep me")
    assert main(["new-review", "pilot", "--design", "rdd", "--dir", str(tmp_path)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert (tmp_path / "pilot.md").read_text() == "keep me"


@pytest.mark.parametrize(
    "args",
    [
        ["new-review", "../up", "--design", "did"],
        ["new-review", "x", "--design", "did", "--dir", "/no/such/folder"],
        ["new-review", "x", "--design", "did", "--data", "/no/such/file.csv"],
        ["new-review", "x", "--design", "did", "--column", "cohort"],
        ["new-review", "x", "--design", "its", "--column", "unit=council"],
        ["new-review", "--design", "did"],
    ],
)
def test_new_review_bad_input_exits_2(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if "--dir" not in args:
        args = [*args, "--dir", str(tmp_path)]
    assert main(args) == 2
    assert capsys.readouterr().err.startswith("evaluation new-review:")
    assert list(tmp_path.iterdir()) == []


def test_new_review_unknown_design_is_an_argparse_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["new-review", "x", "--design", "iv"])
    assert stop.value.code == 2
    assert "invalid choice: 'iv'" in capsys.readouterr().err


def test_new_review_with_own_data_and_columns(tmp_path: Path) -> None:
    csv = tmp_path / "panel.csv"
    csv.write_text("council,year,y,first\n")
    args = ["new-review", "mine", "--design", "staggered", "--dir", str(tmp_path)]
    args += ["--data", str(csv), "--outcome", "y", "--column", "unit=council"]
    args += ["--column", "time=year", "--column", "cohort=first"]
    assert main(args) == 0
    text = (tmp_path / "mine.md").read_text()
    columns = {"outcome": "y", "unit": "council", "time": "year", "cohort": "first"}
    assert f"COLUMNS = {columns!r}" in text
    assert f"DATA_FILE = Path({str(csv.resolve())!r})" in text


def test_list_designs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-review", "--list-designs"]) == 0
    out = capsys.readouterr().out
    for key in ("did", "staggered", "synth", "its", "rdd", "matching", "performance"):
        assert re.search(rf"^\s*{key}\s+\d\s+evaluation\.", out, re.MULTILINE), key
    assert "outcome, running, covariate" in out


def test_installed_command_lists_designs() -> None:
    exe = Path(sys.executable).with_name("evaluation")
    done = subprocess.run(
        [str(exe), "new-review", "--list-designs"], capture_output=True, text=True, check=True
    )
    assert "evaluation.rdd.local_linear" in done.stdout


def test_the_printed_run_command_runs_the_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command new-review tells the analyst to run works as printed."""
    assert main(["new-review", "printed", "--design", "its", "--dir", str(tmp_path)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Run it:"))
    command = line.removeprefix("Run it:").strip()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    executed = json.loads((tmp_path / "printed.ipynb").read_text(encoding="utf-8"))
    outputs = [o for cell in executed["cells"] for o in cell.get("outputs", [])]
    assert outputs and not [o for o in outputs if o.get("output_type") == "error"]
