"""Build ``data/registry.csv``, the handbook's data registry, from the shared manifest.

The registry has one row for every file listed in the shared data folder's
``MANIFEST.csv``. Facts about each file (its path, size, sha256, origin, source
address and licence) come from the manifest; everything an analyst needs to
judge the file (a name, title, the years covered, what a row is, what it can and
cannot answer, the main caveat, the text encoding) is written by hand in
``data/curated.toml``, keyed by the manifest's file path (files whose entries follow
one pattern by year name a template there and give its year).

The script fails loudly if a manifest file has no curated entry, if a curated
entry names a file the manifest lacks, or if any entry breaks the registry's
rules. Where the data files sit beside the manifest it also checks each file's
sha256 and that the recorded encoding is the one that decodes it.

Usage (from the repository root)::

    python data/build_registry.py                 # writes data/registry.csv
    python data/build_registry.py --check         # fails if data/registry.csv is stale
    python data/build_registry.py path/to/MANIFEST.csv
"""

from __future__ import annotations

import argparse
import codecs
import csv
import hashlib
import io
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = REPO.parent / "shared" / "data" / "MANIFEST.csv"
DEFAULT_OUTPUT = REPO / "data" / "registry.csv"

COLUMNS = (
    "name", "sector", "file", "format", "encoding", "bytes", "sha256", "origin",
    "downloadable", "source_url", "publisher", "title", "licence", "year_first",
    "year_last", "description", "can_answer", "cannot_answer", "caveats",
)  # fmt: skip
FORMATS = {
    ".csv": "csv", ".xlsx": "xlsx", ".xls": "xls", ".parquet": "parquet", ".json": "json",
}  # fmt: skip
ORIGINS = {
    "repository file": "repository file",
    "transcribed from a published page": "transcription",
    "derived from a repository file": "conversion",
}
ENCODINGS = ("utf-8", "utf-8-sig", "latin-1")
NAME_PATTERN = re.compile(r"[a-z0-9_]{1,40}")
MAX_CHARS = {"description": 200, "can_answer": 160, "cannot_answer": 160}
YEARS_PLAUSIBLE = range(1990, 2027)
# Files whose real coverage starts before 1990, with the reason.
EARLY_YEARS = {"gdp_deflators_hmt_dec2023": "HM Treasury's deflator series starts in 1955-56."}

# The manifest's licence notes, tidied. An entry may override this with its own `licence`.
_DERIVED = "OGL v3.0 for the underlying data; the derived file states no licence"
_HOSTED = "OGL v3.0 (the repository holding the file states no licence)"
_FFT = "OGL v3.0 for the underlying DfE and Ofsted data; FFT's compilation states no licence"
_ODELL = "OGL v3.0 for the underlying DfE data; the derived file is MIT-licensed"
LICENCES = {
    "OGL v3.0": "OGL v3.0",
    "Open Parliament Licence v3.0": "Open Parliament Licence v3.0",
    "n/a": "No licence stated",
    "Underlying OGL v3.0; repo no licence": _DERIVED,
    "Underlying OGL v3.0; repo states no licence": _DERIVED,
    "Underlying OGL v3.0; repo no licence stated": _DERIVED,
    "OGL v3.0 underlying; repo no licence": _DERIVED,
    "Repo states no licence; underlying CQC data OGL": _DERIVED,
    "Underlying CQC data OGL v3.0; repo no licence": _DERIVED,
    "Underlying DfE/Ofsted data OGL v3.0; repo licence not stated": _DERIVED,
    "Underlying DfE data OGL v3.0; repo licence not stated": _DERIVED,
    "OGL v3.0 (Ofsted MI); repo no licence": _DERIVED,
    "OGL v3.0 (DfE); repo licence not stated": _HOSTED,
    "OGL v3.0 (Ofsted); repo licence not stated": _HOSTED,
    "OGL v3.0 (NHS Digital); repo states no licence": _HOSTED,
    "Crown copyright; repo states no licence (treat as OGL v3.0 reference data, cite MoJ)": "Crown "
    "copyright, treated as OGL v3.0 (the repository holding the file states no licence)",
    "Underlying DfE/Ofsted data OGL v3.0; compiled by FFT Education Datalab (repo states no "
    "licence) - cite FFT Education Datalab and DfE": _FFT,
    "Underlying DfE/Ofsted data OGL v3.0 (compiled by FFT Education Datalab; repo states no "
    "licence) - cite FFT Education Datalab 'Schools Like Yours' and DfE": _FFT,
    "Repository MIT; underlying DfE data OGL v3.0": _ODELL,
    "Repository MIT (Evan Odell 2016); underlying DfE data OGL v3.0": _ODELL,
    "Repository MIT (Evan Odell 2016); underlying DfE data OGL v3.0 - cite DfE and Odell (2017)": (
        _ODELL
    ),
    "OGL v3.0 (ONS Open Geography); repo no licence": _HOSTED,
    "OGL v3.0; repo has no licence": _HOSTED,
    "OGL v3.0 (GIAS); repo has no licence": _HOSTED,
    "OGL (Crown copyright); repo states no licence": _HOSTED,
    "OGL (Crown copyright); repo no licence": _HOSTED,
    "OGL; repo no licence": _HOSTED,
    "OGL v3.0 (GIAS); repo code licence EPL-2.0": "OGL v3.0 (repository code is EPL-2.0)",
    "EPL-2.0 repo; underlying OGL": "OGL v3.0 for the underlying GIAS data; repository EPL-2.0",
    "OGL v3.0 data; repo MIT": "OGL v3.0 (repository code is MIT)",
    "OGL v3.0; repo MIT": "OGL v3.0 (repository code is MIT)",
    "DWP rows OGL v3.0; WHP list is a news report - confirm against DWP's WHP provider "
    "announcement": "OGL v3.0 for the DWP rows; the Work and Health Programme rows quote a news "
    "report",
    "quotations; the underlying DWP statistics are OGL": "Quoted figures; the underlying DWP "
    "statistics are OGL v3.0",
    "Commons Library / DWP material OGL or Open Parliament Licence; think-tank figures are "
    "quotations - cite originals": "OGL v3.0 or Open Parliament Licence v3.0 for official rows; "
    "think-tank figures are quotations",
    "Parliamentary material under Open Parliament Licence v3.0; other rows are short factual "
    "quotations - cite the original": "Open Parliament Licence v3.0 for parliamentary rows; other "
    "rows are short quotations",
    "MoJ rows OGL v3.0; blog rows are derived estimates - cite as such": "OGL v3.0 for the MoJ "
    "rows; blog rows are quoted estimates",
    "MoJ figures OGL; statement text (c) Social Finance - figures quoted for research": "OGL v3.0 "
    "for the MoJ figures, quoted from a Social Finance statement",
    "quotations of official results; cite MoJ 'Peterborough Social Impact Bond HMP Doncaster: "
    "payment by results' statistics and the independent assessor (Jolliffe, QinetiQ/Univ. "
    "Leicester) for publication": "Quoted official results (MoJ figures are OGL v3.0)",
    "LGSCO material OGL v3.0 (check); news pages are quotations - cite LGSCO originals": "OGL "
    "v3.0 for the Ombudsman's figures (to be confirmed), quoted from news pages",
    "ONS and CMA material OGL v3.0; news pages are quotations - cite ONS/CMA originals": "OGL "
    "v3.0 for the ONS and CMA figures; rows from news pages are quotations",
    "Open Parliament Licence v3.0 (A4e evidence); Wikipedia CC BY-SA; news items are factual "
    "quotations - cite originals": "Open Parliament Licence v3.0 for the committee evidence, CC "
    "BY-SA for Wikipedia rows; other rows are short quotations",
    "short factual quotations from news/blog pages; underlying DWP statistics OGL v3.0 - cite the "
    "original DWP release where possible": "Quoted figures from news and blog pages; the "
    "underlying DWP statistics are OGL v3.0",
    "NAO/HMIP material OGL v3.0; PAC reports Open Parliament Licence v3.0; other rows short "
    "factual quotations - cite originals": "OGL v3.0 for NAO and inspectorate rows, Open "
    "Parliament Licence v3.0 for PAC rows; other rows are short quotations",
    "NAO material (NAO copyright, non-commercial reuse; cite); DfE statistics OGL v3.0; news "
    "pages are quotations": "NAO copyright (non-commercial reuse) for NAO figures, OGL v3.0 for "
    "DfE statistics; rows from news pages are quotations",
}


@dataclass(frozen=True)
class Entry:
    """The hand-written part of one registry row."""

    name: str
    title: str
    publisher: str
    years: tuple[int, int] | None
    description: str
    can_answer: str
    cannot_answer: str
    caveats: str
    encoding: str = ""  # csv files only
    source_url: str = ""  # only where the manifest gives none, or none starting https://
    licence: str = ""  # only where the tidied manifest licence will not do


# --- the hand-written entries ---------------------------------------------------------------
HAND_WRITTEN = REPO / "data" / "curated.toml"
_CURATION = tomllib.loads(HAND_WRITTEN.read_text(encoding="utf-8"))
#: Publishers named by several entries, by key.
PUBLISHERS: dict[str, str] = _CURATION["publishers"]
#: Entries that follow one pattern by year, with placeholders such as {fy} and {label}.
TEMPLATES: dict[str, dict[str, str]] = _CURATION["templates"]
PLACEHOLDERS = ("fy", "year", "council", "note")


def _placeholders(given: dict[str, Any]) -> tuple[dict[str, Any], tuple[int, int] | None]:
    """The values a template's texts may name, and the years they imply.

    ``fy`` is a financial year such as ``2012-13`` (the entry covers the year it starts);
    ``year`` a summer exam year (the entry covers the school year before, ``label``).
    """
    values: dict[str, Any] = {"note": "", **given}
    years = None
    if "fy" in given:
        start = int(given["fy"][:4])
        values["fy_"], years = given["fy"].replace("-", "_"), (start, start)
    if "year" in given:
        year = given["year"]
        values["label"], years = f"{year - 1}-{str(year)[2:]}", (year - 1, year - 1)
    if "council" in given:
        values["council_lower"] = given["council"].lower()
    return values, years


def _entry(file: str, fields: dict[str, Any]) -> Entry:
    """One ``[files."..."]`` table of curated.toml as an Entry; SystemExit if it is malformed."""
    fields = dict(fields)
    if "template" in fields:
        template = TEMPLATES.get(fields.pop("template"))
        if template is None:
            raise SystemExit(f"{HAND_WRITTEN}: {file}: no such template")
        given = {key: fields.pop(key) for key in PLACEHOLDERS if key in fields}
        values, implied = _placeholders(given)
        fields.setdefault("years", implied)
        try:
            filled = {key: text.format(**values) for key, text in template.items()}
        except KeyError as error:
            raise SystemExit(f"{HAND_WRITTEN}: {file}: the template needs {error}") from None
        fields = {**filled, **fields}
    key, named = fields.pop("publisher", None), fields.pop("publisher_name", None)
    if (key is None) == (named is None):
        raise SystemExit(f"{HAND_WRITTEN}: {file}: give publisher (a key) or publisher_name")
    if key is not None and key not in PUBLISHERS:
        raise SystemExit(f"{HAND_WRITTEN}: {file}: no publisher {key!r} in [publishers]")
    years = fields.pop("years", None)
    if years is not None and len(years) != 2:
        raise SystemExit(f"{HAND_WRITTEN}: {file}: years must be [first, last]")
    try:
        return Entry(
            publisher=PUBLISHERS[key] if key is not None else named,
            years=None if years is None else (years[0], years[1]),
            **fields,
        )
    except TypeError as error:
        raise SystemExit(f"{HAND_WRITTEN}: {file}: {error}") from None


#: Every file's hand-written entry, keyed by its path in the manifest.
CURATED: dict[str, Entry] = {
    file: _entry(file, fields) for file, fields in _CURATION["files"].items()
}


def detect_encoding(data: bytes) -> str:
    """Return the registry encoding that decodes ``data``: BOM first, then UTF-8, else Latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _problems(entry: Entry, fmt: str) -> list[str]:
    """Rule breaches in one curated entry."""
    found = []
    if not NAME_PATTERN.fullmatch(entry.name):
        found.append("name must be 1-40 characters of [a-z0-9_]")
    for field, limit in MAX_CHARS.items():
        if len(getattr(entry, field)) > limit:
            found.append(f"{field} is longer than {limit} characters")
    for field in ("title", "publisher", "description", "can_answer", "cannot_answer", "caveats"):
        if not getattr(entry, field).strip():
            found.append(f"{field} is empty")
    if (fmt == "csv") != (entry.encoding in ENCODINGS):
        found.append(f"encoding {entry.encoding!r} does not suit a {fmt} file")
    if entry.years is not None:
        first, last = entry.years
        low_ok = first in YEARS_PLAUSIBLE or entry.name in EARLY_YEARS
        if not (first <= last and low_ok and last in YEARS_PLAUSIBLE):
            found.append(f"implausible years {entry.years}")
    return found


def build_rows(manifest_path: Path) -> list[list[str]]:
    """Join the manifest with the curated entries; raise SystemExit listing every problem."""
    with manifest_path.open(encoding="utf-8", newline="") as handle:
        manifest = list(csv.DictReader(handle))
    files = [row["file"] for row in manifest]
    problems = [f"{f}: in the manifest but has no curated entry" for f in files if f not in CURATED]
    problems += [f"{f}: curated but not in the manifest" for f in CURATED if f not in set(files)]
    names = [entry.name for entry in CURATED.values()]
    problems += [
        f"name {n!r} is used more than once" for n in sorted(set(names)) if names.count(n) > 1
    ]

    rows = []
    for record in manifest:
        file = record["file"]
        entry = CURATED.get(file)
        if entry is None:
            continue
        fmt = FORMATS.get(Path(file).suffix.lower(), "")
        problems += [f"{file}: {p}" for p in _problems(entry, fmt or "unknown")]
        manifest_url = record["source_url"]
        if manifest_url.startswith("https://") and entry.source_url:
            problems.append(f"{file}: the manifest already gives a source_url")
        source_url = entry.source_url or manifest_url
        if not source_url.startswith("https://"):
            problems.append(f"{file}: source_url must start with https://")
        licence = entry.licence or LICENCES.get(record["licence"], "")
        if not licence:
            problems.append(f"{file}: no tidy form of the licence {record['licence']!r}")
        if record["origin"] not in ORIGINS:
            problems.append(f"{file}: unknown origin {record['origin']!r}")
        local = manifest_path.parent / file
        if local.is_file():
            data = local.read_bytes()
            if hashlib.sha256(data).hexdigest() != record["sha256"]:
                problems.append(f"{file}: sha256 differs from the manifest")
            elif fmt == "csv" and detect_encoding(data) != entry.encoding:
                problems.append(
                    f"{file}: encoding is {detect_encoding(data)}, not {entry.encoding}"
                )
        first, last = entry.years if entry.years else ("", "")
        rows.append(
            [
                entry.name, record["sector"], file, fmt, entry.encoding, record["bytes"],
                record["sha256"], ORIGINS.get(record["origin"], ""),
                "true" if record["identical_at_source"] == "yes" else "false", source_url,
                entry.publisher, entry.title, licence, str(first), str(last), entry.description,
                entry.can_answer, entry.cannot_answer, entry.caveats,
            ]
        )  # fmt: skip
    if problems:
        raise SystemExit("The registry was not written:\n  " + "\n  ".join(problems))
    return rows


def render(rows: list[list[str]]) -> str:
    """The registry as CSV text: a header and one line per row, quoted where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the registry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", nargs="?", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    args = parser.parse_args(argv)
    rows = build_rows(args.manifest)
    text = render(rows)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run python data/build_registry.py")
            return 1
        print(f"{args.output} is up to date ({len(rows)} datasets).")
        return 0
    args.output.write_text(text, encoding="utf-8", newline="")
    print(f"Wrote {args.output} ({len(rows)} datasets).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
