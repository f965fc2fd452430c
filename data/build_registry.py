"""Build ``data/registry.csv``, the handbook's data registry, from the shared manifest.

The registry has one row for every file listed in the shared data folder's
``MANIFEST.csv``. Facts about each file (its path, size, sha256, origin, source
address and licence) come from the manifest; everything an analyst needs to
judge the file (a name, title, the years covered, what a row is, what it can and
cannot answer, the main caveat, the text encoding) is written by hand in
``data/curated.toml``, keyed by the manifest's file path, except for the files whose
entries follow one pattern by year, which the templates below write. ``CURATED``
holds both.

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
#: Publishers named by several entries, by key (curated.toml's entries and the templates).
PUBLISHERS: dict[str, str] = _CURATION["publishers"]


def _entry(file: str, fields: dict[str, Any]) -> Entry:
    """One ``[files."..."]`` table of curated.toml as an Entry; SystemExit if it is malformed."""
    fields = dict(fields)
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


# --- templates: files whose entries follow one pattern by year ----------------------------
def _pssex1_activity(
    fy: str, encoding: str, caveats: str, publisher: str = PUBLISHERS["hscic"]
) -> Entry:
    """A PSS-EX1 council activity file for financial year ``fy`` (e.g. ``"2012-13"``)."""
    start = int(fy[:4])
    return Entry(
        name=f"pssex1_activity_{fy.replace('-', '_')}",
        title=f"PSS-EX1 adult social care activity by council, England {fy}",
        publisher=publisher,
        years=(start, start),
        description="One row per council (CASSR): reviews, assessments, people served and weeks "
        "of residential and nursing care, much of it split into own and independent provision.",
        can_answer="How much residential, nursing, home and day care did each council buy from "
        "independent providers rather than provide itself?",
        cannot_answer="One year per file with multi-row headers; not comparable with the "
        "ASC-FR return that replaced PSS-EX1 in 2014-15.",
        caveats=caveats,
        encoding=encoding,
    )


def _pssex1_unit_costs(
    fy: str, encoding: str, caveats: str, publisher: str = PUBLISHERS["hscic"]
) -> Entry:
    """A PSS-EX1 council unit-cost file for financial year ``fy``."""
    start = int(fy[:4])
    return Entry(
        name=f"pssex1_unit_costs_{fy.replace('-', '_')}",
        title=f"PSS-EX1 adult social care unit costs by council, England {fy}",
        publisher=publisher,
        years=(start, start),
        description="One row per council: numerator, denominator and unit cost for each "
        "indicator, e.g. gross weekly cost of residential care for older people, own provision "
        "versus others.",
        can_answer="What did each council pay per week for care-home places it bought, compared "
        "with the cost of running its own homes?",
        cannot_answer="One year per file, wide with multi-row headers; indicator numbers shift "
        "between years, so match indicators on their descriptions.",
        caveats=caveats,
        encoding=encoding,
    )


_PSSEX1_CODES = (
    "'..' means not available, counts of people are rounded to the nearest 5, and England "
    "totals include estimates for missing councils."
)
_UNIT_COST_CODES = (
    "'..' means not available and '.' not applicable, counts of people are rounded to 5, and "
    "England totals include estimates for missing councils."
)


def _unit_cost_summary(fy: str, caveats: str) -> Entry:
    """A legacy PSS EX1 'unit costs summary' workbook (one sheet per council)."""
    start = int(fy[:4])
    return Entry(
        name=f"pssex1_unit_costs_{fy.replace('-', '_')}",
        title=f"PSS EX1 unit costs summary by council, England {fy}",
        publisher=PUBLISHERS["nhsic"],
        years=(start, start),
        description="One worksheet per council (plus regional and England totals) listing unit "
        "costs by client group and service, for all provision and for own provision.",
        can_answer="What did councils pay per week for residential care for older people, own "
        "homes versus others, before the 2008-09 CSV tables?",
        cannot_answer="Legacy .xls (needs xlrd) with one sheet per council, so it must be "
        "reshaped before councils can be compared.",
        caveats=caveats,
    )


def _ks4_la(year: int, council: str, encoding: str = "utf-8-sig", note: str = "") -> Entry:
    """A per-council KS4 performance-tables file; ``year`` is the summer exam year."""
    return Entry(
        name=f"ks4_{year}_{council.lower()}",
        title=f"KS4 school results, {council}, {year - 1}-{str(year)[2:]} (final)",
        publisher=PUBLISHERS["dfe_tables"],
        years=(year - 1, year - 1),
        description=f"One row per school in {council} (plus LA and England total rows): school "
        "type, pupil numbers and KS4 measures such as Attainment 8 and Progress 8.",
        can_answer=f"Do academies in {council} achieve better GCSE results than its maintained "
        "schools with similar intakes?",
        cannot_answer="One council and one year per file: too few schools to estimate academy "
        "effects on its own." + note,
        caveats="RECTYPE 1 and 2 are schools and 4, 5 and 7 totals; SUPP, NE and NP mark "
        "suppressed, not entered and not published values.",
        encoding=encoding,
    )


def _ks4_meta(year: int, encoding: str) -> Entry:
    """The column dictionary of one year's KS4 performance-tables file."""
    label = f"{year - 1}-{str(year)[2:]}"
    return Entry(
        name=f"ks4_meta_{year}",
        title=f"KS4 performance tables column dictionary, {label}",
        publisher=PUBLISHERS["dfe_tables"],
        years=(year - 1, year - 1),
        description=f"One row per column of the {label} KS4 school file: field name, "
        "description, methodology changes and which record types leave it blank.",
        can_answer=f"What do KS4 field names such as ATT8SCR and P8MEA mean in {label}?",
        cannot_answer="A dictionary only: it holds no results.",
        caveats="Field lists and definitions change from year to year, so use the dictionary "
        "of the same year as the data file.",
        encoding=encoding,
    )


_TEMPLATED: dict[str, Entry] = {
    "care/ascfr_raw/Annex_Fin_CASSR_Level_Activity_Data_2012_13.csv": _pssex1_activity(
        "2012-13", "latin-1", _PSSEX1_CODES
    ),
    "care/ascfr_raw/Annex_Fin_CASSR_Level_Unit_Costs_2012_13.csv": _pssex1_unit_costs(
        "2012-13", "latin-1", _UNIT_COST_CODES
    ),
    "care/ascfr_raw/Annex_Final_CASSR_Level_Activity_Data_2013_14.csv": _pssex1_activity(
        "2013-14", "latin-1", _PSSEX1_CODES
    ),
    "care/ascfr_raw/Annex_Final_CASSR_Level_Unit_Costs_2013_14.csv": _pssex1_unit_costs(
        "2013-14", "latin-1", _UNIT_COST_CODES
    ),
    "care/ascfr_raw/Final_Council_Level_ActivityData_2009-10.csv": _pssex1_activity(
        "2009-10",
        "utf-8",
        "'-' means between 1 and 5 and '..' means missing; all counts are rounded to the "
        "nearest 5.",
    ),
    "care/ascfr_raw/Final_Council_Level_Activity_Data_2010-11.csv": _pssex1_activity(
        "2010-11",
        "latin-1",
        "'..' means not available and all counts are rounded to the nearest 5.",
    ),
    "care/ascfr_raw/Final_Council_Level_Activity_Data_2011_12.csv": _pssex1_activity(
        "2011-12",
        "latin-1",
        "'..' means not available and all counts are rounded to the nearest 5.",
    ),
    "care/ascfr_raw/Final_Council_Level_DetailedUnitcosts_200910.csv": _pssex1_unit_costs(
        "2009-10",
        "latin-1",
        "'..' means not available and '.' not applicable, and a footnote lists unit costs "
        "dropped from that year's published summary table.",
    ),
    "care/ascfr_raw/Final_Council_Level_Detailed_UnitCosts_2011_12v2.csv": _pssex1_unit_costs(
        "2011-12",
        "latin-1",
        "'..' means not available, '.' not applicable and '-' a value suppressed because it is "
        "below 6; this is the revised (v2) file.",
    ),
    "care/ascfr_raw/Final_Council_Level_Unit_Costs_Data_2010-11.csv": _pssex1_unit_costs(
        "2010-11",
        "latin-1",
        "'..' means not available and '.' not applicable, and denominators that count people "
        "are rounded to the nearest 5.",
    ),
    "care/pssex1_activity_by_cassr_2008-09.csv": _pssex1_activity(
        "2008-09",
        "utf-8-sig",
        "Day care now counts clients per week rather than sessions, '..' means not available, "
        "'-' marks small numbers and counts are rounded to 5.",
    ),
    "care/pssex1_raw/UnitCostsSummary2006-07v2.xls": _unit_cost_summary(
        "2006-07",
        "The sheets are headed 'Draft 3'; the 'provided by others' cost is in effect the "
        "average fee paid to independent homes.",
    ),
    "care/pssex1_raw/UnitCostsSummary2007-08_values_only_amended.xls": _unit_cost_summary(
        "2007-08",
        "An amended values-only workbook covering adults only; '..' and '.' mark missing and "
        "not applicable cells.",
    ),
    "care/pssex1_unit_costs_by_cassr_2008-09.csv": _pssex1_unit_costs(
        "2008-09",
        "utf-8-sig",
        "Three header rows; unit cost 2.1A needs multiplying by 52 to give a weekly cost, and "
        "'..' means not available.",
    ),
    "schools/ks4_final_meta_2018-19.csv": _ks4_meta(2019, "utf-8-sig"),
    "schools/ks4_per_la_hampshire_surrey/2016-2017_850_ks4final.csv": _ks4_la(2017, "Hampshire"),
    "schools/ks4_per_la_hampshire_surrey/2016-2017_936_ks4final.csv": _ks4_la(
        2017, "Surrey", note=" Many rows are independent schools."
    ),
    "schools/ks4_per_la_hampshire_surrey/2016-2017_ks4_final_meta.csv": _ks4_meta(
        2017, "utf-8-sig"
    ),
    "schools/ks4_per_la_hampshire_surrey/2017-2018_850_ks4final.csv": _ks4_la(2018, "Hampshire"),
    "schools/ks4_per_la_hampshire_surrey/2017-2018_936_ks4final.csv": _ks4_la(
        2018, "Surrey", note=" Many rows are independent schools."
    ),
    "schools/ks4_per_la_hampshire_surrey/2017-2018_ks4_final_meta.csv": _ks4_meta(2018, "utf-8"),
    "schools/ks4_per_la_hampshire_surrey/2018-2019_936_ks4final.csv": _ks4_la(
        2019, "Surrey", note=" Many rows are independent schools."
    ),
}
_LISTED: dict[str, Entry] = {
    file: _entry(file, fields) for file, fields in _CURATION["files"].items()
}
if set(_TEMPLATED) & set(_LISTED):
    raise SystemExit(
        f"Both templated and in {HAND_WRITTEN}: {sorted(set(_TEMPLATED) & set(_LISTED))}"
    )
#: Every file's hand-written entry, keyed by its path in the manifest.
CURATED: dict[str, Entry] = {**_TEMPLATED, **_LISTED}


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
