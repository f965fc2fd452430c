"""Build ``data/registry.csv``, the handbook's data registry, from the shared manifest.

The registry has one row for every file listed in the shared data folder's
``MANIFEST.csv``. Facts about each file (its path, size, sha256, origin, source
address and licence) come from the manifest; everything an analyst needs to
judge the file (a name, title, the years covered, what a row is, what it can and
cannot answer, the main caveat, the text encoding) is written by hand in
``CURATED`` below, keyed by the manifest's file path.

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
from dataclasses import dataclass
from pathlib import Path

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


# --- publishers ------------------------------------------------------------------------
ALMOROX = "E. Gonzalo Almorox (derived from the CQC care-home register)"
HSCIC = "Health and Social Care Information Centre (now NHS Digital)"
NHSIC = "NHS Information Centre (Department of Health PSS EX1 return)"
GOODAIR = "B. Goodair (harmonised from NHS Digital activity returns)"
GOODAIR_ITV = "B. Goodair for ITV (derived from CQC and ASC-FR data)"
CLOSURES = "Bach-Mortensen, Goodair and Degli Esposti (derived from CQC data)"
DWP_ANSWER = "Department for Work and Pensions (answer to a written parliamentary question)"
ONS = "Office for National Statistics"
DFE = "Department for Education"
DFE_TABLES = "Department for Education (school performance tables)"
GIAS = "Department for Education (Get Information About Schools)"
GIAS_2022 = "Department for Education (GIAS), as saved by ajb1970"
OFSTED = "Ofsted management information, subset selected by ajb1970"
NHSD_GOODAIR = "NHS Digital (ASC-FR council return), as saved by B. Goodair"
FFT = "FFT Education Datalab (compiled from DfE, Ofsted and GIAS data)"
ODELL = "E. Odell (derived from DfE KS4 performance tables)"
OFSTED_MI = "Ofsted (in-year inspection outcomes, management information), as saved by C. Hall"


def _pssex1_activity(fy: str, encoding: str, caveats: str, publisher: str = HSCIC) -> Entry:
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


def _pssex1_unit_costs(fy: str, encoding: str, caveats: str, publisher: str = HSCIC) -> Entry:
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
        publisher=NHSIC,
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
        publisher=DFE_TABLES,
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
        publisher=DFE_TABLES,
        years=(year - 1, year - 1),
        description=f"One row per column of the {label} KS4 school file: field name, "
        "description, methodology changes and which record types leave it blank.",
        can_answer=f"What do KS4 field names such as ATT8SCR and P8MEA mean in {label}?",
        cannot_answer="A dictionary only: it holds no results.",
        caveats="Field lists and definitions change from year to year, so use the dictionary "
        "of the same year as the data file.",
        encoding=encoding,
    )


CURATED: dict[str, Entry] = {
    # --- care: market structure -----------------------------------------------------------
    "care/almorox_care_home_entries_exits_by_district_wave.csv": Entry(
        name="care_home_entries_exits_district",
        title="Care-home entries and exits by district and wave, England 2010-2016",
        publisher=ALMOROX,
        years=(2010, 2016),
        description="One row per district and wave (0-3): new care homes, homes closed for good, "
        "net change, cumulative stock and the entry rate as a percentage of stock.",
        can_answer="Where did care-home supply grow or shrink between 2011 and 2016, and did "
        "entry follow local market concentration?",
        cannot_answer="Derived by a researcher; counts homes not beds, uses old district codes "
        "and stops in September 2016.",
        caveats="Wave 0 counts every home already registered by March 2011 as an entry, so only "
        "waves 1-3 show real entry and exit, and wave 0 entry rates are missing.",
        encoding="utf-8",
    ),
    "care/almorox_care_home_hhi_by_district_wave0-2.csv": Entry(
        name="care_home_hhi_district_waves0_2",
        title="Care-home bed-share HHI by district, waves 0-2 (superseded version)",
        publisher=ALMOROX,
        years=(2010, 2015),
        description="One row per district and wave (0-2): Herfindahl-Hirschman index of "
        "provider shares of care-home beds, on a 0-1 scale.",
        can_answer="How sensitive are concentration results to the researcher's later revision "
        "of the index?",
        cannot_answer="Superseded: values differ from the four-wave file and stop in March "
        "2015; use care_home_hhi_district instead.",
        caveats="An earlier cut of the same index (979 rows) whose wave 1 and 2 values differ "
        "from the four-wave file, so never mix rows from the two.",
        encoding="utf-8",
    ),
    "care/almorox_care_home_hhi_by_district_wave0-3.csv": Entry(
        name="care_home_hhi_district",
        title="Care-home market concentration (bed-share HHI) by district, England 2010-2016",
        publisher=ALMOROX,
        years=(2010, 2016),
        description="One row per district (within its upper-tier council) and wave 0-3: "
        "Herfindahl-Hirschman index of provider shares of care-home beds, on a 0-1 scale.",
        can_answer="How concentrated are local care-home markets, and does concentration go "
        "with less entry?",
        cannot_answer="Derived by a researcher; bed shares exclude homes that exited; stops in "
        "2016.",
        caveats="The index is computed per council and repeated on each of its districts, so the "
        "market is effectively the council; wave 3 has 4 stray 'Unspecified' rows; exits dropped; "
        "multiply by 10,000 for the competition authorities' scale.",
        encoding="utf-8",
    ),
    # --- care: PSS-EX1 and ASC-FR council returns ----------------------------------------------
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
    "care/ascfr_raw/GDP_Deflators_Qtrly_National_Accounts_December_2023_update.csv": Entry(
        name="gdp_deflators_hmt_dec2023",
        title="GDP deflators at market prices and money GDP, December 2023 update",
        publisher="HM Treasury (from ONS National Accounts and OBR forecasts)",
        years=(1955, 2022),
        description="One row per financial year, with calendar years alongside: GDP deflator "
        "(2022-23 = 100), its annual percentage change and money GDP in £ million.",
        can_answer="How should nominal council spending and unit costs be converted to real terms?",
        cannot_answer="An economy-wide price index, not a measure of care costs, fees or care "
        "workers' pay.",
        caveats="Index levels end in 2022-23; rows to 2028-29 are OBR forecasts with percentage "
        "changes only, and title and note rows surround the table.",
        encoding="utf-8-sig",
    ),
    "care/ascfr_raw/pss-exp-eng-14-15-fin-coun-lev-act-data.csv": Entry(
        name="ascfr_activity_2014_15",
        title="Adult social care activity by council, England 2014-15 (first ASC-FR year)",
        publisher=HSCIC,
        years=(2014, 2014),
        description="One row per support type, age band, support reason, setting and provision "
        "(in-house, external, total), with one column of activity per council.",
        can_answer="How much long-term residential and nursing care did councils provide "
        "in-house rather than buy in 2014-15?",
        cannot_answer="Breaks the series: the ASC-FR return's categories and units differ from "
        "PSS-EX1, so earlier years cannot be joined directly.",
        caveats="Councils are columns under a row of region codes, not rows, and footnotes "
        "give England averages based on only some councils.",
        encoding="latin-1",
    ),
    "care/ascfr_raw/pss-exp-eng-14-15-fin-coun-lev-unit-cost.csv": Entry(
        name="ascfr_unit_costs_2014_15",
        title="Adult social care unit costs by council, England 2014-15 (first ASC-FR year)",
        publisher=HSCIC,
        years=(2014, 2014),
        description="One row per support type, age band, support reason, setting, measure "
        "(numerator, denominator, unit cost) and provision, with one column per council.",
        can_answer="What did each council pay per week for long-term residential and nursing "
        "care in 2014-15, own provision versus provision by others?",
        cannot_answer="Breaks the PSS-EX1 series: the new categories mean 2014-15 unit costs "
        "cannot be joined directly to earlier years.",
        caveats="Money is in £ thousands, councils are columns, and footnotes flag cells with "
        "extreme outliers that distort regional and England averages.",
        encoding="latin-1",
    ),
    "care/ascfr_raw/pss-exp-eng-15-16-fin-act.csv": Entry(
        name="ascfr_activity_2015_16",
        title="Adult social care activity by council, England 2015-16 (ASC-FR)",
        publisher=NHSD_GOODAIR,
        years=(2015, 2015),
        description="One row per council and cell (UUID): care type, in-house or external "
        "provision, age band, support reason, setting, purpose and the activity value.",
        can_answer="What share of long-term residential and nursing care did each council buy "
        "from external providers in 2015-16?",
        cannot_answer="Activity only: the 2015-16 expenditure and unit-cost files were too large "
        "to obtain, and levels do not join to PSS-EX1 years.",
        caveats="Value units depend on the cell (check NHS Digital's ASC-FR guidance before "
        "using levels); in-house to external ratios are safe. Its labels decode the 2016-17 keys.",
        encoding="utf-8",
    ),
    "care/ascfr_raw/ASCFR_Activity_2016-17.csv": Entry(
        name="ascfr_activity_2016_17",
        title="Adult social care activity by council, England 2016-17 (ASC-FR, coded)",
        publisher=NHSD_GOODAIR,
        years=(2016, 2016),
        description="One row per cell (UUID) and council or aggregate (161 areas): CASSR and ONS "
        "codes, numeric keys for age, support reason, setting and provision, and the value.",
        can_answer="Did councils' in-house share of long-term residential and nursing care keep "
        "falling from 2015-16 to 2016-17?",
        cannot_answer="No labels: the *_KEY codes mean nothing until decoded, and the 2016-17 "
        "unit-cost file was not obtainable.",
        caveats="Decode the keys by joining on UUID to ascfr_activity_2015_16 (e.g. setting 6 "
        "nursing, 7 residential; provision 2 external, 3 in-house); aggregate rows lack a code.",
        encoding="utf-8",
    ),
    "care/ascfr_raw/ASCFR_Totals_2016-17.csv": Entry(
        name="ascfr_totals_2016_17",
        title="Adult social care expenditure totals by council, England 2016-17 (ASC-FR, coded)",
        publisher=NHSD_GOODAIR,
        years=(2016, 2016),
        description="One row per council (or aggregate) and coded cell: total, gross and net "
        "expenditure and income in £ thousands, by care type, age, support reason and setting.",
        can_answer="What did each council spend gross on long-term residential and nursing care "
        "for older people, and per unit of activity?",
        cannot_answer="No in-house versus external split, and no unit costs: the detailed "
        "2016-17 expenditure and unit-cost files were not obtainable.",
        caveats="Keys are unlabelled codes, decoded as in the activity files (UUID join to the "
        "2015-16 file); confirm against NHS Digital's 2016-17 reference tables before publishing.",
        encoding="utf-8",
    ),
    # --- care: closures, ownership and quality -----------------------------------------------
    "care/care_home_closures_replication_1_location_level.csv": Entry(
        name="care_home_closures_locations",
        title="Care-home locations with closure and forced-closure flags, England 2011-2023",
        publisher=CLOSURES,
        years=(2011, 2023),
        description="One row per care-home location: beds, year registration ended, "
        "forced-closure flag, ownership, legal form, age, specialisms and CQC rating dummies.",
        can_answer="Are for-profit or small care homes more likely to close, and to be closed "
        "involuntarily by the regulator?",
        cannot_answer="De-identified: no location, council or provider identifiers, so it cannot "
        "be linked to local markets or fees.",
        caveats="Half the locations are still open and have no end year; 816 closures were "
        "forced, and 7,974 homes are flagged as having no rating.",
        encoding="utf-8",
    ),
    "care/care_home_closures_replication_2_annual.csv": Entry(
        name="care_home_forced_closures_annual",
        title="Forced care-home closures and closed beds per year, England 2011-2023",
        publisher=CLOSURES,
        years=(2011, 2023),
        description="One row per year: forced closures and the beds they removed, all closures "
        "and closed beds, and the forced share of each.",
        can_answer="How has the regulator's use of forced closure changed over time, in homes "
        "and in beds?",
        cannot_answer="National totals only: no split by ownership, region or council.",
        caveats="The first two rows (start years 2010 and 2011) repeat the same 2011 figures, "
        "so drop one before summing or plotting.",
        encoding="utf-8",
        licence=_DERIVED,
    ),
    "care/goodair_asc_activity_inhouse_vs_external_by_la_2001-2023.csv": Entry(
        name="asc_activity_inhouse_external_by_council",
        title="Adult social care activity by council, in-house versus external, England 2001-2023",
        publisher=GOODAIR,
        years=(2001, 2023),
        description="One row per council, year, setting (residential, nursing, home or day "
        "care) and provider type: the activity value and that sector's percentage share.",
        can_answer="How far and how fast did councils outsource residential care, and which "
        "kept in-house provision?",
        cannot_answer="Units change at the 2009 and 2015 series breaks, so levels do not compare "
        "across breaks; councils are named, not coded.",
        caveats="From 2015 the provision code '99' marks the total (100%), and council names "
        "come in several spellings (e.g. 'Barking.and.Dagenham', with or without LA numbers).",
        encoding="utf-8",
    ),
    "care/goodair_asc_meta_data.xlsx": Entry(
        name="asc_activity_metadata",
        title="Variable definitions for the harmonised adult social care panels",
        publisher="B. Goodair",
        years=None,
        description="One row per dataset and variable of Goodair's harmonised adult social care "
        "files: the variable's definition and its data source.",
        can_answer="What does each column of the harmonised activity and expenditure panels "
        "mean, and where does it come from?",
        cannot_answer="Documentation only; holds no data values.",
        caveats="Needed to read ITEMVALUE in the activity panel, whose units differ either side "
        "of the 2009 and 2015 series breaks.",
    ),
    "care/goodair_itv/Expenditure_over_65_post2015.csv": Entry(
        name="asc_spend_over65_by_sector_2015_2023",
        title="Council spending on care for people aged 65+ by setting and sector, England "
        "2015-2023",
        publisher=GOODAIR_ITV,
        years=(2015, 2023),
        description="One row per year, setting (e.g. residential, nursing, home care, direct "
        "payments) and sector (in-house, external, total): England expenditure.",
        can_answer="What share of councils' spending on older people's care goes to external "
        "providers, and is it still rising?",
        cannot_answer="England totals only, in cash terms; not directly comparable with the "
        "pre-2015 file because the return changed.",
        caveats="Amounts are nominal £ thousands, so deflate them (e.g. with "
        "gdp_deflators_hmt_dec2023) before comparing years.",
        encoding="utf-8",
    ),
    "care/goodair_itv/Expenditure_over_65_pre2015.csv": Entry(
        name="asc_spend_over65_by_sector_2001_2014",
        title="Council spending on care for people aged 65+ by setting and sector, England "
        "2001-2014",
        publisher=GOODAIR_ITV,
        years=(2001, 2014),
        description="One row per year, setting (e.g. residential, nursing, home care, direct "
        "payments) and sector (in-house, external, total): England expenditure.",
        can_answer="How quickly did spending on older people's care shift from in-house to "
        "external providers before 2015?",
        cannot_answer="England totals only, in cash terms; not directly comparable with the "
        "2015 onwards file because the return changed.",
        caveats="Amounts are nominal £ thousands, so deflate them (e.g. with "
        "gdp_deflators_hmt_dec2023) before comparing years.",
        encoding="utf-8",
    ),
    "care/goodair_itv/all_inspections_non_care_homes_location_level.csv": Entry(
        name="community_care_rating_events",
        title="CQC overall ratings of community social care services, England 2014-2025",
        publisher="B. Goodair (extract from the CQC API)",
        years=(2014, 2025),
        description="One row per published overall rating of a community adult social care "
        "location (e.g. home care): report date, rating, ownership and CQC location ID.",
        can_answer="Are for-profit home-care providers rated worse than council or third-sector "
        "ones, and does the gap change over time?",
        cannot_answer="Excludes care homes (that file was too large to obtain) and has no "
        "council, size or provider fields.",
        caveats="'Requires improvement' is spelt two ways, and location start and end are "
        "undocumented day counts rather than dates.",
        encoding="utf-8",
    ),
    "care/goodair_itv/care_homes_and_beds_all.csv": Entry(
        name="care_homes_beds_by_ownership",
        title="Care homes and beds by ownership, England 2011-2024",
        publisher=GOODAIR_ITV,
        years=(2011, 2024),
        description="One row per year and ownership type (for-profit, council, third sector): "
        "number of care homes and beds and each type's percentage share.",
        can_answer="How has the for-profit share of care-home beds changed since 2011?",
        cannot_answer="England totals only: no regional or council split, and the count date "
        "within each year is not stated.",
        caveats="Derived by a researcher from CQC data for a television programme; it is not "
        "an official statistic.",
        encoding="utf-8",
    ),
    "care/goodair_itv/care_homes_inspections_all.csv": Entry(
        name="care_home_ratings_by_ownership",
        title="Care-home CQC ratings by ownership, England 2015-2024",
        publisher=GOODAIR_ITV,
        years=(2015, 2024),
        description="One row per year-end date, ownership type and rating: number of care "
        "homes with that rating, the number rated and the percentage.",
        can_answer="Do for-profit care homes hold worse CQC ratings than council or "
        "third-sector homes, and is the gap closing?",
        cannot_answer="National snapshots only: cannot follow homes over time or adjust for "
        "size, location or residents' needs.",
        caveats="Each row is a snapshot dated late December, derived by a researcher rather "
        "than published by CQC.",
        encoding="utf-8",
    ),
    "care/goodair_itv/care_homes_rolling.csv": Entry(
        name="care_home_good_share_rolling",
        title="Rolling share of care-home ratings good or outstanding, by ownership, 2014-2025",
        publisher=GOODAIR_ITV,
        years=(2014, 2025),
        description="One row per date and ownership type: number of ratings, how many were good "
        "or outstanding, and the percentage.",
        can_answer="How did the quality gap between for-profit and other care homes evolve "
        "over the decade?",
        cannot_answer="An aggregate series whose rolling window is not documented; no home, "
        "council or provider detail.",
        caveats="The earliest dates rest on very few ratings (as few as one), so the first "
        "months of the series are noisy.",
        encoding="utf-8",
    ),
    "care/goodair_itv/non_care_homes_inspections_all.csv": Entry(
        name="community_care_ratings_by_ownership",
        title="Community social care CQC ratings by ownership, England 2015-2024",
        publisher=GOODAIR_ITV,
        years=(2015, 2024),
        description="One row per year-end date, ownership type and rating: number of community "
        "care services (e.g. home care) with that rating, the number rated and the percentage.",
        can_answer="Is home care run by for-profit providers rated worse than council or "
        "third-sector home care?",
        cannot_answer="National snapshots only: cannot follow services over time or adjust for "
        "size or location.",
        caveats="Each row is a snapshot dated late December, derived by a researcher rather "
        "than published by CQC.",
        encoding="utf-8",
    ),
    "care/lgsco_complaints_published_figures.csv": Entry(
        name="lgsco_complaint_uphold_rates",
        title="Ombudsman complaint and uphold rates for councils and adult social care, "
        "2014-15 to 2016-17 (published figures)",
        publisher="Local Government and Social Care Ombudsman (as quoted by Local Government "
        "Lawyer, Disability Rights UK and a copy of its 2015-16 review)",
        years=(2014, 2016),
        description="One row per published figure (14): provider group, area (England or "
        "region), measure (complaints received, share upheld), year, value and source.",
        can_answer="Are adult social care complaints upheld more often than complaints about "
        "other council services?",
        cannot_answer="National and regional headlines only; the Ombudsman's per-council "
        "figures were not retrievable, so councils cannot be compared.",
        caveats="Transcribed from secondary pages: nine rows quote a Local Government Lawyer "
        "report (its address, http only, is in each row); uphold rates are of detailed "
        "investigations.",
        encoding="utf-8",
        source_url="https://disabilityrightsuk.org/news/2015/november/"
        "adult-social-care-complaints-fifth-more-half-upheld",
    ),
    "care/oflog_asc_measures_by_la_2015-16_2022-23.csv": Entry(
        name="ascof_outcomes_by_council",
        title="Adult social care outcome measures by council (Oflog), England 2015-16 to 2022-23",
        publisher="Office for Local Government (from NHS England ASCOF and Skills for Care)",
        years=(2015, 2022),
        description="One row per council, financial year and measure: value of seven outcome "
        "measures (e.g. quality of life, short-term service outcomes, staff turnover), with "
        "ONS codes.",
        can_answer="Do councils that buy more care from independent providers get better or "
        "worse outcomes for users and carers?",
        cannot_answer="Outcomes only, with no spending or provider data; carer measures exist "
        "only for the survey years 2016-17, 2018-19 and 2021-22.",
        caveats="Units differ by measure (scores, percentages, rates), 298 values are missing, "
        "and Oflog added the median and MAD columns.",
        encoding="utf-8",
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
    "care/self_funders_and_fee_gap_published_figures.csv": Entry(
        name="self_funders_fee_gap_figures",
        title="Care-home self-funders (ONS 2019-20 to 2022-23) and the self-funder fee gap "
        "(CMA 2017), published figures",
        publisher="Office for National Statistics; Competition and Markets Authority (some "
        "rows via news pages)",
        years=(2016, 2022),
        description="One row per published figure (27): group of homes, area, measure (e.g. "
        "self-funder share, weekly fee), period, value and source.",
        can_answer="How large is the self-funded share of care-home residents, and how much "
        "more do self-funders pay than councils?",
        cannot_answer="National, regional-extreme and home-type figures only; ONS's "
        "council-level self-funder tables were not retrievable.",
        caveats="Transcribed; values are text with counts and shares together (e.g. '143,774 "
        "(36.7%)'), CMA fee figures are UK averages for 2016, and a few rows quote news pages.",
        encoding="utf-8",
    ),
    # --- employment ---------------------------------------------------------------------------
    "employment/safetynets_dictionary.csv": Entry(
        name="safetynets_dictionary",
        title="Variable dictionary for the Safety Nets council benefits panel",
        publisher="Safety Nets study",
        years=None,
        description="One row per variable of the Safety Nets panel: category, level "
        "(household, children, population), description, reference month and source.",
        can_answer="What does each column of the council benefits panel measure, for which "
        "month, and from which source?",
        cannot_answer="Documentation only; the derived household-rate columns of the panel are "
        "not described.",
        caveats="Dated October 2025; many sources are web pages that may move or be revised.",
        encoding="utf-8",
    ),
    "employment/safetynets_la_benefits_panel_2013-2025.csv": Entry(
        name="benefits_panel_by_council",
        title="Council-level benefits and labour-market panel (Safety Nets), Great Britain "
        "2013-2025",
        publisher="Safety Nets study (from DWP Stat-Xplore, Nomis and DWP statistics)",
        years=(2013, 2025),
        description="One row per local authority and year: claimants of JSA, ESA, UC, PIP and "
        "others, sanctions, benefit cap, two-child limit, earnings and unemployment.",
        can_answer="How did local benefit caseloads and sanctions move during and after the "
        "Work Programme years?",
        cannot_answer="Starts in 2013, after the Work Programme began, and holds no referral or "
        "job outcome data.",
        caveats="Coverage varies by variable (JSA from 2013, sanctions 2017, ESA 2019, many only "
        "2024-25), population bases are fixed at 2024, and areas are named, not coded.",
        encoding="utf-8",
    ),
    "employment/successor_programmes_cpa_providers.csv": Entry(
        name="wp_successor_cpa_providers",
        title="Prime providers by contract area, Restart Scheme and Work and Health Programme",
        publisher="Department for Work and Pensions; Welfare Weekly",
        years=(2017, 2021),
        description="One row per contract package area: programme, area number and name, prime "
        "provider and (for Restart) the areas it covers.",
        can_answer="How did market structure change after the Work Programme, from competing "
        "primes to one prime per area?",
        cannot_answer="No 2011 Work Programme area-by-prime list, no contract values and no "
        "council-level membership of the Restart areas.",
        caveats="The Work and Health Programme rows come from a 2017 news report and should be "
        "checked against DWP's own announcement.",
        encoding="utf-8",
        source_url="https://www.gov.uk/government/publications/restart-scheme/"
        "restart-scheme-contract-package-areas",
    ),
    "employment/wp_contract_level_fragments_2012.csv": Entry(
        name="wp_contract_fragments_2012",
        title="Work Programme first-year results for a handful of prime contracts, 2011-2012",
        publisher="The Guardian Datablog; Channel 4 News FactCheck",
        years=(2011, 2012),
        description="One row per contract or provider figure quoted in the press: referrals, "
        "job outcomes and job outcome rate, with period, note and source.",
        can_answer="How widely did job outcome rates vary between prime contracts in year one "
        "(2.8% to 5.1% against a 5.5% minimum)?",
        cannot_answer="Only 5 of the 40 contracts, some incomplete: not a sample from which to "
        "estimate contract or provider effects.",
        caveats="The A4e row is the firm's leaked internal data across its contracts, not an "
        "official statistic.",
        encoding="utf-8",
        source_url="https://www.theguardian.com/news/datablog/2012/nov/27/"
        "data-work-programme-failures",
    ),
    "employment/wp_headline_outcomes_published_figures.csv": Entry(
        name="wp_headline_outcomes",
        title="Work Programme headline outcomes from published sources, 2011-2017",
        publisher="Compiled from DWP, House of Commons Library, Learning and Work Institute and "
        "others",
        years=(2011, 2017),
        description="One row per published figure: cohort or period, payment group, measure "
        "(e.g. job outcome rate), value, unit and source.",
        can_answer="How did Work Programme job outcome rates differ across payment groups and "
        "change across cohorts?",
        cannot_answer="National figures only: no provider, contract area or monthly cohort "
        "breakdown.",
        caveats="Rows mix sources and measures (12-month cohort rates, two-year rates, counts), "
        "so compare only rows with the same measure.",
        encoding="utf-8",
        source_url="https://archive.learningandwork.org.uk/resource/"
        "work-programme-statistics-our-analysis/",
    ),
    "employment/wp_job_outcome_payments_by_payment_group_jun2011-mar2014.csv": Entry(
        name="wp_job_outcome_payments_by_group",
        title="Work Programme job outcome payments by payment group, June 2011 to March 2014",
        publisher=DWP_ANSWER,
        years=(2011, 2014),
        description="One row per payment group, plus a total row (group 0): job outcome "
        "payments made to prime providers, in cash pounds.",
        can_answer="Where did outcome payments go: how much was paid for harder-to-help groups "
        "compared with jobseekers?",
        cannot_answer="Excludes attachment and sustainment payments, and gives no participant "
        "numbers to turn totals into rates.",
        caveats="Groups 5 and 7 both show £3,254,000, possibly a slip in the answer, though "
        "the rows add up to the stated total.",
        encoding="utf-8",
    ),
    "employment/wp_max_payments_by_payment_group_year1.csv": Entry(
        name="wp_tariffs_by_payment_group",
        title="Work Programme maximum payments per participant by payment group, contract year 1",
        publisher="House of Commons Work and Pensions Committee (from DWP)",
        years=(2011, 2011),
        description="One row per payment group: maximum attachment fee, job outcome fee, "
        "sustainment payments and total per participant, and weeks in work to trigger payment.",
        can_answer="How did differential pricing try to make harder-to-help claimants worth a "
        "provider's effort?",
        cannot_answer="Prices for groups 6-9 were not retrieved and are blank (do not impute); "
        "year-one prices only.",
        caveats="The sustainment column is the maximum total of four-weekly payments, and the "
        "trigger weeks come from a secondary source, not the committee's table.",
        encoding="utf-8",
    ),
    "employment/wp_median_sustainment_payments_by_job_outcome_quarter.csv": Entry(
        name="wp_sustainment_payments_median",
        title="Median Work Programme sustainment payments by job outcome period, 2011-2013",
        publisher=DWP_ANSWER,
        years=(2011, 2013),
        description="One row per period in which job outcomes fell: median number of "
        "four-weekly sustainment payments made afterwards.",
        can_answer="How does right-censoring shorten the observed payment streams of recent "
        "payment-by-results cohorts?",
        cannot_answer="Medians for all groups together; not a measure of job retention by "
        "provider or payment group.",
        caveats="Data are as at 31 March 2013, so later periods are increasingly censored and "
        "the last covers a single month.",
        encoding="utf-8",
    ),
    "employment/wp_cpa_prime_providers_partial.csv": Entry(
        name="wp_prime_providers_by_cpa_partial",
        title="Work Programme prime providers by contract package area, partial list 2011-2017",
        publisher="Compiled from Wikipedia, the Work and Pensions Committee, news reports and "
        "tender documents",
        years=(2011, 2017),
        description="One row per provider and contract package area (32): role (prime, "
        "preferred bidder, tender, termination), period and source.",
        can_answer="Which primes competed in which areas, as a checklist to verify against "
        "DWP's official list of 40 contracts?",
        cannot_answer="Partial: about 28 of the 40 contracts and 13 of 18 areas; some rows are "
        "bids rather than awards, so not a basis for provider effects.",
        caveats="Transcribed from secondary sources; DWP's official contract list was not "
        "retrieved, so use it for illustration only and check each row.",
        encoding="utf-8",
    ),
    "employment/wp_provider_and_area_performance_published_figures.csv": Entry(
        name="wp_provider_area_performance",
        title="Work Programme performance by prime provider, contract and area, figures quoted "
        "2011-2013",
        publisher="Compiled from Spend Matters UK, The Guardian Datablog, W2W Solutions and "
        "other blogs and news pages",
        years=(2011, 2013),
        description="One row per quoted figure (80): provider, area, measure (e.g. league "
        "points, job outcome rate, contract value), period, value and source.",
        can_answer="How unevenly did prime providers perform across areas in the first two "
        "years, as reported at the time?",
        cannot_answer="No official contract league tables (40 contracts by release); "
        "contract-level rates exist for only a few contracts.",
        caveats="All secondary: 54 rows are Spend Matters' within-area ranking points derived "
        "from DWP's November 2012 data (not rates), at an http-only address given in each row.",
        encoding="utf-8",
        source_url="https://www.theguardian.com/news/datablog/2012/nov/27/"
        "data-work-programme-failures",
    ),
    "employment/wp_performance_vs_mpl_published_figures.csv": Entry(
        name="wp_performance_vs_mpl",
        title="Work Programme performance against minimum performance levels, published "
        "figures 2011-2014",
        publisher="Compiled from NAO, Public Accounts Committee, DWP and other reports",
        years=(2011, 2014),
        description="One row per published figure: period, payment group, measure, value and "
        "unit, with a comparator (minimum level, DWP expectation) where one was given.",
        can_answer="How far short of contractual minimum performance levels and DWP "
        "expectations did providers fall, and for which groups?",
        cannot_answer="No contract-level performance against the minimum levels (40 contracts) "
        "was obtainable.",
        caveats="Measures differ in basis (in-year outcomes per referral, ERSA's measure, "
        "completer cohorts), and rows from secondary sources need checking before publication.",
        encoding="utf-8",
        source_url="https://publications.parliament.uk/pa/cm201415/cmselect/cmpubacc/457/45704.htm",
    ),
    # --- geography ----------------------------------------------------------------------------
    "geography/dfe_la_and_region_codes_2018-19.csv": Entry(
        name="dfe_la_region_codes_2018_19",
        title="DfE local authority and region codes, 2018-19 performance tables",
        publisher=DFE_TABLES,
        years=(2018, 2018),
        description="One row per local authority: DfE three-digit LA number and name, with the "
        "region code and name used in the 2018-19 performance tables.",
        can_answer="How do the LA numbers in the KS4 files map to council names and regions?",
        cannot_answer="No ONS codes: join to ONS lookups by name, with care over spelling.",
        caveats="Regions are performance-table groupings such as 'North East A' or 'London "
        "Central', not ONS regions.",
        encoding="utf-8",
    ),
    "geography/dfe_la_code_list.xlsx": Entry(
        name="dfe_la_codes",
        title="DfE local authority numbers, names, regions and types",
        publisher=DFE,
        years=None,
        description="One row per local authority: DfE three-digit number, name, region and type "
        "(unitary, metropolitan district, shire county, London borough).",
        can_answer="How do DfE LA numbers in school and LAIT data map to names, regions and "
        "council types?",
        cannot_answer="No ONS codes and no validity dates, so it cannot say which year's "
        "boundaries a row belongs to.",
        caveats="Lists abolished and successor councils side by side (e.g. Northamptonshire and "
        "its two unitaries, 'Dorset (Pre LG)') plus a region row, so filter before joining.",
    ),
    "geography/dfe_statistical_neighbours_may2025.xlsx": Entry(
        name="dfe_statistical_neighbours_2025",
        title="DfE children's services statistical neighbours, May 2025",
        publisher=DFE,
        years=(2025, 2025),
        description="One row per local authority: its ten nearest statistical neighbours (DfE "
        "LA numbers), each with a closeness band.",
        can_answer="Which similar councils could form a comparison group or synthetic-control "
        "donor pool for one council's reform?",
        cannot_answer="Similarity is defined for children's services in 2025, not for adult "
        "care or employment markets.",
        caveats="The sheet has two header rows (letters and numbers, then names) and repeated "
        "'SNP' columns, so read it with header=2 and rename.",
    ),
    "geography/ons_lad18_to_region18.csv": Entry(
        name="ons_lad18_region",
        title="ONS local authority district to region lookup, December 2018",
        publisher=ONS,
        years=(2018, 2018),
        description="One row per English local authority district (2018 boundaries): district "
        "code and name with region code and name.",
        can_answer="How do district-level measures such as care-home concentration roll up to "
        "regions?",
        cannot_answer="England only, on 2018 boundaries: later mergers (e.g. Dorset 2019, "
        "Northamptonshire 2021) are not reflected.",
        caveats="Older files identify districts by pre-2009 codes or by name, so expect some "
        "areas not to match.",
        encoding="utf-8",
    ),
    "geography/ons_lad19_to_csp19_to_pfa19.csv": Entry(
        name="ons_lad19_csp_pfa",
        title="ONS district to community safety partnership to police force area lookup, "
        "December 2019",
        publisher=ONS,
        years=(2019, 2019),
        description="One row per district in England and Wales (2019 boundaries): its community "
        "safety partnership and police force area, with codes and names.",
        can_answer="How can council-level data be grouped into police force areas, the building "
        "blocks of probation (CRC) contract areas?",
        cannot_answer="Does not say which police force areas made up each of the 21 CRC areas; "
        "that mapping must be added by hand.",
        caveats="Covers England and Wales on December 2019 boundaries.",
        encoding="utf-8",
    ),
    "geography/ons_lad20_to_county20.csv": Entry(
        name="ons_lad20_county",
        title="ONS local authority district to county lookup, April 2020",
        publisher=ONS,
        years=(2020, 2020),
        description="One row per district in a two-tier or metropolitan area (2020 boundaries): "
        "district code and name with its county code and name.",
        can_answer="Which shire county, the commissioner of adult care, covers each district's "
        "care-home market?",
        cannot_answer="Omits unitary authorities and London boroughs, which have no county tier.",
        caveats="Metropolitan districts map to metropolitan counties (E11 codes), which do not "
        "commission care.",
        encoding="utf-8",
    ),
    "geography/ons_ltla19_to_utla19.csv": Entry(
        name="ons_ltla19_utla",
        title="ONS lower-tier to upper-tier local authority lookup, April 2019",
        publisher=ONS,
        years=(2019, 2019),
        description="One row per lower-tier authority in England and Wales (2019): its "
        "upper-tier authority code and name (itself where unitary).",
        can_answer="How do district-level market measures roll up to the councils that "
        "commission adult social care?",
        cannot_answer="2019 boundaries only; later reorganisations (e.g. Northamptonshire 2021, "
        "Cumbria 2023) need a newer lookup.",
        caveats="Unitary authorities appear as their own upper tier, so one-to-one rows are "
        "expected.",
        encoding="utf-8",
    ),
    # --- probation ----------------------------------------------------------------------------
    "probation/crc_nps_pbr_headline_results.csv": Entry(
        name="crc_pbr_headline_results",
        title="Transforming Rehabilitation payment-by-results headline results, cohorts 2015-2020",
        publisher="Ministry of Justice; Get the Data and Russell Webster blogs",
        years=(2015, 2020),
        description="One row per published figure: cohort, unit (all CRCs, one CRC, NPS), "
        "measure (e.g. CRCs beating the 2011 baseline, binary rate), value and comparator.",
        can_answer="How many CRCs earned payment-by-results rewards, and did reoffending fall "
        "against the 2011 baseline?",
        cannot_answer="No per-CRC series: the MoJ tables by CRC and cohort could not be retrieved.",
        caveats="Blog rows are analysts' estimates from MoJ tables (e.g. the 47.5% all-CRC "
        "baseline), not official figures, and must be cited as such.",
        encoding="utf-8",
        source_url="https://www.gov.uk/government/statistics/"
        "payment-by-results-statistics-october-2015-to-march-2021/"
        "final-proven-reoffending-statistics-for-community-rehabilitation-companies-and-the-"
        "national-probation-service-january-to-march-2020-and-201920",
    ),
    "probation/hmip_probation_overall_ratings_counts.csv": Entry(
        name="hmip_probation_ratings_counts",
        title="Probation inspection ratings counts, CRCs and NPS divisions, 2018-19 and 2019-20 "
        "rounds",
        publisher="HM Inspectorate of Probation",
        years=(2018, 2019),
        description="One row per inspection round and provider type (CRC or NPS division): "
        "number rated outstanding, good, requires improvement and inadequate.",
        can_answer="Were privately owned CRCs rated worse by inspectors than the public "
        "National Probation Service?",
        cannot_answer="Counts only: no rating for any named CRC or division, and no domain scores.",
        caveats="The 2019-20 round stopped early because of Covid-19, so only 10 services were "
        "rated in it.",
        encoding="utf-8",
    ),
    "probation/moj_omppg_probation_areas_to_nps_division_crc_lookup.csv": Entry(
        name="probation_area_nps_crc_lookup",
        title="Probation areas to NOMS regions, NPS divisions and CRCs (MoJ lookup)",
        publisher="Ministry of Justice analytical services (public mirror of the OMPPG repository)",
        years=None,
        description="One row per probation area as recorded on case systems (347): trust, "
        "NPS or Probation Service unit, or one of the 21 CRCs, with region and NPS division.",
        can_answer="How do per-trust or per-unit probation figures group into NPS divisions, "
        "and what were the 21 CRCs called?",
        cannot_answer="Does not map trusts or police force areas to CRCs: only the CRC rows "
        "carry a CRC area.",
        caveats="Mixes pre-2014 trusts, NPS and post-2021 units (filter on SUP_BODY); some "
        "names are slips (e.g. 'LondonLondon - NPS', 'Bedforshire') and prob_area has trailing "
        "spaces.",
        encoding="utf-8",
    ),
    "probation/peterborough_interim_reconviction_6m_partial_cohorts.csv": Entry(
        name="peterborough_interim_reconviction",
        title="Peterborough prison interim reconviction figures, six-month follow-up, 2005-2012",
        publisher="Ministry of Justice (as reproduced by Social Finance)",
        years=(2005, 2012),
        description="One row per 19-month discharge period: Peterborough cohort size, "
        "reconviction rate and events per 100 offenders, with national equivalents.",
        can_answer="Did reconvictions at Peterborough fall relative to the national trend once "
        "the social impact bond began?",
        cannot_answer="Not the bond's outcome measure (12-month events against a matched "
        "comparison group), and only one partial post-period.",
        caveats="The source listed the two series without labels; assigning them to "
        "Peterborough and national is the transcriber's reading, consistent with the text.",
        encoding="utf-8",
    ),
    "probation/peterborough_sib_headline_results.csv": Entry(
        name="peterborough_sib_results",
        title="Peterborough social impact bond headline results, cohorts 1 and 2",
        publisher="Compiled from Social Finance, Ministry of Justice and press reports",
        years=(2010, 2015),
        description="One row per published figure: cohort, measure (e.g. reconviction events "
        "per 100, reduction against the comparison group), group and value.",
        can_answer="Did the Peterborough bond reduce reconvictions enough to trigger outcome "
        "payments to investors?",
        cannot_answer="Cohort 2 reconviction rates and exact cohort sizes were not obtained, so "
        "the final cohort cannot be analysed on its own.",
        caveats="Compiled from press releases and news reports quoting MoJ results; check each "
        "figure against MoJ's statistics before publishing.",
        encoding="utf-8",
        source_url="https://www.pioneerspost.com/news-views/20170727/"
        "peterborough-social-impact-bond-investors-see-3-interest",
    ),
    "probation/proven_reoffending_national_2000-2014_current_and_new_measures.csv": Entry(
        name="proven_reoffending_national",
        title="Proven reoffending, England and Wales, cohorts 2000-2014 (old and new measures)",
        publisher="Ministry of Justice (tidied by H. Partridge, Trafford Data Lab)",
        years=(2000, 2014),
        description="One row per measure (old, new), cohort start, group (adult, juvenile, all) "
        "and rate type: binary rate, frequency, reoffences, reoffenders or cohort size.",
        can_answer="What was the national reoffending trend before Transforming Rehabilitation "
        "set the baseline CRCs were paid against?",
        cannot_answer="National only: no probation area, provider or offender-level data, and it "
        "stops with the 2013-14 cohorts.",
        caveats="The old and new measures define cohorts differently, so never splice them; "
        "the new quarterly series is blank for 2001, and adjusted and OGRS4 rates are adults only.",
        encoding="utf-8",
    ),
    "probation/tr_crc_contracts_owners_ratings_published_figures.csv": Entry(
        name="tr_crc_contracts_owners_ratings",
        title="Transforming Rehabilitation CRC contracts: finance, volumes, owners and ratings, "
        "published figures 2014-2021",
        publisher="Compiled from NAO, Public Accounts Committee, HM Inspectorate of Probation "
        "and other published pages",
        years=(2014, 2021),
        description="One row per published figure (48): provider, area, measure (e.g. forecast "
        "losses, volume shortfall, owner, rating), period, value and source.",
        can_answer="Who owned each CRC, and how far did the contracts' volumes and finances "
        "depart from plan?",
        cannot_answer="No per-CRC reoffending results, inspection ratings for only two CRCs, "
        "and owners named for only 17 of the 21 CRCs.",
        caveats="Transcribed; owner rows come mostly from 2014 preferred-bidder announcements "
        "and secondary pages, so check them before publishing.",
        encoding="utf-8",
    ),
    # --- schools ------------------------------------------------------------------------------
    "schools/academies_conversion_and_ks4_by_type_published_figures.csv": Entry(
        name="academies_conversion_ks4_by_type",
        title="Academy conversion figures (NAO 2018) and GCSE results by school type 2014-2015, "
        "published figures",
        publisher="National Audit Office; Department for Education (some rows via NAHT, "
        "Schools Week and news pages)",
        years=(2010, 2018),
        description="One row per published figure (27): school group, area, measure (e.g. "
        "academies, conversion cost, 5 A*-C share), period, value and source.",
        can_answer="How far had academisation gone by 2018, what did conversion cost, and how "
        "did 2015 GCSE results differ by school type?",
        cannot_answer="No national series of KS4 results by school type: only 2014-2015 "
        "headlines, whose measure wording is sometimes unclear.",
        caveats="Transcribed, mostly from secondary pages; the 2015 type figures are "
        "provisional and 5 A*-C based (pre-Attainment 8), and NAO material is not OGL.",
        encoding="utf-8",
    ),
    "schools/ajb1970_progress8_2018-19_by_governance_org.xlsx": Entry(
        name="progress8_by_governance_2019",
        title="Progress 8 by governing body (council, single- or multi-academy trust), 2018-19",
        publisher="ajb1970 (derived from DfE performance tables and GIAS)",
        years=(2018, 2018),
        description="One row per governing body (133 councils, 660 single- and 710 multi-academy "
        "trusts): pupils, disadvantaged share and Progress 8 overall and by disadvantage.",
        can_answer="Do multi-academy trusts get better progress than councils' maintained "
        "schools, and how widely do trusts vary?",
        cannot_answer="One year, aggregated: no school-level data, no trend and no intake "
        "control beyond disadvantage and selection.",
        caveats="Derived by a researcher; a Summary sheet gives percentiles by governance type, "
        "and grammar-school shares differ sharply between groups.",
    ),
    "schools/cghall_data_education_2016/england_census_2016.csv": Entry(
        name="school_census_2016",
        title="School census pupil characteristics by school, England, January 2016 (inferred)",
        publisher="Department for Education (performance tables census file), as saved by C. Hall",
        years=(2015, 2015),
        description="One row per school (about 24,300, all phases) plus national rows: pupils, "
        "girls and boys, SEN, EAL, FSM and ever-6 FSM counts and percentages, keyed by URN.",
        can_answer="How disadvantaged was each school's intake in 2016, to control for intake "
        "when comparing academies with maintained schools?",
        cannot_answer="Characteristics only, no results; the census year is inferred, not "
        "stated in the file.",
        caveats="'NP' marks values not published, national rows have URN "
        "'NAT', and check the year against a known school before relying on it.",
        encoding="utf-8",
    ),
    "schools/cghall_data_education_2016/p8_2016_revised_by_urn.csv": Entry(
        name="progress8_2016_by_urn",
        title="Progress 8 by school, England 2016 (revised), with ranks",
        publisher="C. Hall (derived from DfE 2016 KS4 revised performance tables)",
        years=(2015, 2015),
        description="One row per school with a 2016 Progress 8 score (3,506): URN, Progress 8, "
        "year and the compiler's ranks and percentiles.",
        can_answer="Where did each school stand on Progress 8 in the first year the measure "
        "was the headline?",
        cannot_answer="Progress 8 only, one year, no school type or intake: join GIAS and the "
        "census file by URN.",
        caveats="Includes special and some independent schools (the unweighted mean is "
        "-0.24); ranks are the compiler's and change if you filter schools.",
        encoding="utf-8",
    ),
    "schools/dfe_school_applications_offers_by_la_2014-2021.csv": Entry(
        name="school_applications_offers_by_la",
        title="School applications and offers by local authority, England 2014-15 to 2021-22",
        publisher="Department for Education (Explore Education Statistics)",
        years=(2014, 2021),
        description="One row per year, area (England, region, LA) and phase: places, "
        "applications and offers of a first, second, third or any preferred school.",
        can_answer="How oversubscribed are local school systems, and how often do families get "
        "their first-preference school?",
        cannot_answer="Area totals only: no school-level demand, so it cannot show which "
        "schools (academies or not) are popular.",
        caveats="'c' marks suppressed small numbers and ':' not available, and national and "
        "regional rows sit among LA rows, so filter on geographic_level.",
        encoding="utf-8-sig",
    ),
    "schools/eduvis_ks4_2013-14/eduvis_ks4_2013-14_final_data.csv": Entry(
        name="ks4_2014_england_eduvis",
        title="KS4 results by school, England 2013-14, with school type (derived)",
        publisher="C. Hall, eduvis (derived from DfE performance tables, school census and "
        "EduBase)",
        years=(2013, 2013),
        description="One row per state-funded mainstream school (3,257 in 3,431 rows) or LA "
        "(152): 5 A*-C incl. English and maths, EBacc, expected progress and value added, by "
        "prior attainment and FSM.",
        can_answer="Did converter and sponsored academies get better 2014 GCSE results than "
        "similar maintained schools?",
        cannot_answer="One year only, independent schools excluded; 2014 counting rules break "
        "the 5 A*-C series from 2013.",
        caveats="First year of the Wolf reforms and first-entry rule (_PTQ columns); 174 "
        "school rows are exact duplicates, and RECTYPE 'LA' rows are council totals.",
        encoding="latin-1",
    ),
    "schools/eduvis_ks4_2013-14/ks4_meta_2013-14.csv": Entry(
        name="ks4_meta_2014",
        title="KS4 performance tables column dictionary, 2013-14",
        publisher=DFE_TABLES,
        years=(2013, 2013),
        description="One row per column of the 2013-14 KS4 school file: column number, field "
        "name, description and which record types leave it blank.",
        can_answer="What do 2013-14 KS4 field names such as PTAC5EM_PTQ and B8VAMEA_PTQ mean?",
        cannot_answer="A dictionary only: it holds no results, and describes the full DfE file, "
        "of which the eduvis file keeps a subset.",
        caveats="Field definitions change from year to year (2014 introduced the _PTQ counting "
        "rules), so use it only with 2013-14 data.",
        encoding="utf-8",
    ),
    "schools/fft_schoolslikeyours/fft_sly_ks4_secondary_schools_2017-2019.csv": Entry(
        name="fft_ks4_panel_2017_2019",
        title="KS4 results by secondary school, England 2017-2019, with school type and intake "
        "(FFT Schools Like Yours, decoded)",
        publisher=FFT,
        years=(2016, 2018),
        description="One row per state-funded mainstream secondary (3,295) by URN: Attainment "
        "8, Progress 8 and basics for 2017-2019, school type, open date, FSM and KS2 prior "
        "attainment.",
        can_answer="Did schools that became academies in 2017-2019 improve relative to similar "
        "schools that did not?",
        cannot_answer="Three exam years only; school type, Ofsted grade and URN are as at 2020, "
        "not contemporaneous.",
        caveats="FFT carries predecessor results onto the academy's URN (139 of 168 schools "
        "opened 2017-18 have 2017 results); check against GIAS links. Basics are 0-1 fractions.",
        encoding="utf-8",
    ),
    "schools/fft_schoolslikeyours/ks4_data.json": Entry(
        name="fft_ks4_panel_2017_2019_json",
        title="FFT Schools Like Yours KS4 data file, December 2020 (original JSON)",
        publisher=FFT,
        years=(2016, 2018),
        description="One positional array per state-funded mainstream secondary (3,295): the "
        "80 fields named in fft_ks4_fields, including KS4 results for 2017-2019.",
        can_answer="Can the decoded CSV fft_ks4_panel_2017_2019 be checked against FFT's "
        "original file?",
        cannot_answer="Not strict JSON and has no column names: use the decoded CSV for analysis.",
        caveats="Comma-terminated arrays: wrap in [ ] and drop the trailing comma to parse. "
        "Predecessor results are carried onto academy URNs, as in the CSV.",
    ),
    "schools/fft_schoolslikeyours/ks4_meta_fields.json": Entry(
        name="fft_ks4_fields",
        title="FFT Schools Like Yours KS4 field dictionary, December 2020",
        publisher=FFT,
        years=None,
        description="One object per field of the FFT KS4 data file (81): name, type, group, "
        "description and code lists for LA, region, school type, religion and Ofsted grade.",
        can_answer="What does each position of the FFT KS4 arrays mean, and how are its coded "
        "fields labelled?",
        cannot_answer="A dictionary only: it holds no results.",
        caveats="Comma-terminated objects, not strict JSON; the 81st field is computed in the "
        "app, and fields marked displayScale 1 are percentages while others are 0-1 fractions.",
    ),
    "schools/fft_schoolslikeyours/ks4_natavgs.json": Entry(
        name="fft_ks4_national_averages",
        title="FFT Schools Like Yours KS4 national averages, England 2017-2019",
        publisher=FFT,
        years=(2016, 2018),
        description="One positional array of England averages in the layout of the FFT KS4 "
        "data file (e.g. Attainment 8 2019 = 46.7, Progress 8 2019 = -0.03).",
        can_answer="What were the national Attainment 8 and Progress 8 averages to compare "
        "FFT schools against?",
        cannot_answer="A single row of averages: no breakdown by school type or region.",
        caveats="Positions follow fft_ks4_fields; school fields are blank and counts are "
        "national totals.",
    ),
    "schools/gias_establishment_types_20250422.csv": Entry(
        name="gias_establishment_types",
        title="GIAS establishment type groups and types (lookup)",
        publisher="Mastodon C (derived from DfE Get Information About Schools)",
        years=None,
        description="One row per establishment type (and further-education subtype): type group "
        "code and name, type code and name.",
        can_answer="Which GIAS type codes count as academies (converter or sponsor-led) or free "
        "schools?",
        cannot_answer="A code list only: it holds no schools.",
        caveats="Built from the April 2025 GIAS extract, so types no longer in use may be missing.",
        encoding="utf-8",
    ),
    "schools/gias_group_links_2022-07.csv": Entry(
        name="gias_group_links_2022",
        title="GIAS school membership of trusts, sponsors and federations, July 2022",
        publisher=GIAS_2022,
        years=(1999, 2022),
        description="One row per school and group: group ID and name, type (e.g. multi-academy "
        "trust, sponsor), status, open and joined dates, school type, phase and LA.",
        can_answer="Which trust or sponsor runs each academy, and how large are the "
        "multi-academy trusts?",
        cannot_answer="Current (July 2022) memberships only: no history of schools moving "
        "between trusts.",
        caveats="Re-saved with pandas (extra index column, ISO dates), and 1900-01-01 stands in "
        "for unknown open and joined dates.",
        encoding="utf-8",
    ),
    "schools/gias_groups_2022-07.csv": Entry(
        name="gias_groups_2022",
        title="GIAS groups (trusts, sponsors, federations), July 2022",
        publisher=GIAS_2022,
        years=(1999, 2022),
        description="One row per group: ID, name, Companies House number, type, status, open, "
        "closed and incorporation dates, address, head and UKPRN.",
        can_answer="When were multi-academy trusts formed or closed, and how many were active "
        "in 2022?",
        cannot_answer="No member schools (see gias_group_links_2022) and no finance or "
        "performance data.",
        caveats="1900-01-01 is a placeholder date, a dummy group named 'xxx' is proposed to "
        "open in 2024, and some names contain stray control characters.",
        encoding="utf-8",
    ),
    "schools/gias_links_2022-07.csv": Entry(
        name="gias_links_2022",
        title="GIAS predecessor and successor links between schools, July 2022",
        publisher=GIAS_2022,
        years=(1993, 2022),
        description="One row per link between two establishments: URN, linked URN and name, "
        "link type (e.g. predecessor, successor, merged) and date established.",
        can_answer="When did each school convert to an academy, as the links stood in 2022?",
        cannot_answer="About 27% of links have no date, so conversion dates are incomplete; the "
        "2025 extract is fuller.",
        caveats="Re-saved with pandas (extra index column, ISO dates), otherwise the same "
        "layout as the April 2025 links file.",
        encoding="utf-8",
    ),
    "schools/gias_links_edubasealldata20250422.csv": Entry(
        name="gias_links",
        title="GIAS predecessor and successor links between schools, April 2025",
        publisher=GIAS,
        years=(1993, 2025),
        description="One row per link between two establishments: URN, linked URN and name, "
        "link type (e.g. predecessor, successor, merged) and date established.",
        can_answer="When did each maintained school convert to an academy, and which schools "
        "merged or split?",
        cannot_answer="Links carry no reason: conversion, re-brokering and merger must be "
        "inferred from link and school types.",
        caveats="Latin-1 encoded with day-month-year dates; about a quarter of links have no date.",
        encoding="latin-1",
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
    "schools/lait_bds_long.parquet": Entry(
        name="lait_la_indicators",
        title="DfE Local Authority Interactive Tool indicators by council, 2013-2025",
        publisher="Department for Education (Local Authority Interactive Tool)",
        years=(2013, 2025),
        description="One row per indicator, period and council or region: values of about 434 "
        "indicators (attainment, Progress 8, absence, children's care, youth justice, finance).",
        can_answer="Did Attainment 8, Progress 8 or youth reoffending change more in councils "
        "that academised faster than in their neighbours?",
        cannot_answer="Council aggregates only: cannot separate academies from maintained "
        "schools within a council.",
        caveats="Values are text: '-' marks missing or suppressed cells (about 15%), some "
        "numbers are in scientific notation, and period labels mix formats.",
    ),
    "schools/lait_data_dictionary.csv": Entry(
        name="lait_dictionary",
        title="DfE Local Authority Interactive Tool indicator dictionary",
        publisher="Department for Education (Local Authority Interactive Tool)",
        years=None,
        description="One row per LAIT indicator: code, topic, measure, polarity, description, "
        "last and next update, data owner and source links.",
        can_answer="How is each LAIT indicator defined, which direction is better, and where "
        "does it come from?",
        cannot_answer="Definitions only; holds no values.",
        caveats="Free-text fields contain line breaks and typographic characters, so read it "
        "with a full CSV parser as UTF-8.",
        encoding="utf-8",
    ),
    "schools/odell_lonely_schools/odell_ks4_2016_attainment8.csv": Entry(
        name="odell_ks4_2016_attainment8_csv",
        title="Attainment 8 by secondary school, England 2016, with intake and isolation (CSV "
        "conversion)",
        publisher=ODELL,
        years=(2012, 2015),
        description="One row per state-funded mainstream secondary (2,968) by URN: 2016 "
        "Attainment 8 for all and disadvantaged pupils, intake shares and 2013-15 5 A*-C "
        "averages.",
        can_answer="Did schools' 2016 Attainment 8 track their 2013-15 GCSE results, for all "
        "and disadvantaged pupils?",
        cannot_answer="No school type: join GIAS by URN. Attainment 8 is not comparable with "
        "the 5 A*-C measure of earlier years.",
        caveats="A format conversion of odell_ks4_2016_attainment8 (same values); shares are "
        "0-1 fractions and the 3-year columns are carried over from the 2013-15 panel.",
        encoding="utf-8",
    ),
    "schools/odell_lonely_schools/odell_ks4_2016_attainment8.xlsx": Entry(
        name="odell_ks4_2016_attainment8",
        title="Attainment 8 by secondary school, England 2016, with intake and isolation",
        publisher=ODELL,
        years=(2012, 2015),
        description="One row per state-funded mainstream secondary (2,968) by URN, one sheet: "
        "2016 Attainment 8 for all and disadvantaged pupils, intake shares and 2013-15 "
        "averages.",
        can_answer="Did schools' 2016 Attainment 8 track their 2013-15 GCSE results, for all "
        "and disadvantaged pupils?",
        cannot_answer="No school type: join GIAS by URN. Attainment 8 is not comparable with "
        "the 5 A*-C measure of earlier years.",
        caveats="A researcher's column subset of the 2016 tables; shares are 0-1 fractions and "
        "the 3-year 5 A*-C columns are carried over from the 2013-15 panel.",
    ),
    "schools/odell_lonely_schools/odell_ks4_panel_2013-2015.csv": Entry(
        name="odell_ks4_panel_2013_2015",
        title="KS4 panel of secondary schools, England 2013-2015, with school type and intake "
        "(Lonely schools)",
        publisher=ODELL,
        years=(2012, 2014),
        description="One row per state-funded mainstream secondary with three years of results "
        "(2,577): school type in 2015, intake by year and 5 A*-C incl. English and maths.",
        can_answer="Did converter and sponsored academies' 5 A*-C results change differently "
        "from maintained schools' between 2013 and 2015?",
        cannot_answer="Survivors only (schools missing any year are dropped), and no all-pupil "
        "5 A*-C column for 2014 (disadvantaged pupils have all three).",
        caveats="The 5 A*-C measure changed in 2014 (Wolf reforms, first entry) and gave way "
        "to Attainment 8 in 2016: compare within years. Shares are 0-1 fractions.",
        encoding="utf-8",
    ),
    "schools/ofsted_inspection_outcomes_2013-14/ofsted_inspections_oct2014-dec2014.csv": Entry(
        name="ofsted_inspections_oct_dec_2014",
        title="Ofsted school inspection outcomes, England, October to December 2014",
        publisher=OFSTED_MI,
        years=(2014, 2014),
        description="One row per inspection ending October to December 2014 (1,491): URN, "
        "school type, phase, inspection type and dates, overall and key judgements (1-4).",
        can_answer="What grades did newly converted and sponsored academies get at their early "
        "inspections in autumn 2014?",
        cannot_answer="Inspections in the period only, not every school's current grade; "
        "September 2014 inspections are missing.",
        caveats="Adds early-years and sixth-form judgements (9 = not applicable); section 8 and "
        "monitoring visits sit beside full inspections, so filter on inspection type.",
        encoding="utf-8",
    ),
    "schools/ofsted_inspection_outcomes_2013-14/ofsted_inspections_sep2013-aug2014.csv": Entry(
        name="ofsted_inspections_2013_14",
        title="Ofsted school inspection outcomes, England, September 2013 to August 2014",
        publisher=OFSTED_MI,
        years=(2013, 2014),
        description="One row per inspection in 2013-14 (6,469, all phases): URN, LAESTAB, school "
        "type, phase, inspection type and dates, overall and key judgements (1-4).",
        can_answer="Were academies graded better or worse than maintained schools inspected in "
        "the same year?",
        cannot_answer="Inspections in the year only, not a snapshot of every school's grade: "
        "schools not inspected that year are absent.",
        caveats="About 880 rows are section 8 or monitoring visits rather than full "
        "inspections, so filter on inspection type; dates are day/month/year.",
        encoding="latin-1",
    ),
    "schools/ofsted_mi_feb2022_subset_maintained_to_mat.xlsx": Entry(
        name="ofsted_maintained_to_mat",
        title="Ofsted grades before and after joining a multi-academy trust (MI at February 2022)",
        publisher=OFSTED,
        years=(2005, 2022),
        description="One row per school last inspected as council-maintained and now as a "
        "multi-academy trust academy: both inspections' dates and grades, and school details.",
        can_answer="Do schools' Ofsted grades improve after they join a multi-academy trust?",
        cannot_answer="No group of schools that stayed maintained (that file was not "
        "obtainable), so changes cannot be credited to conversion.",
        caveats="Many sponsored schools joined after a failing grade, so part of any "
        "improvement is regression to the mean; the URN column was dropped.",
    ),
    "schools/ofsted_mi_feb2022_subset_maintained_to_sat.xlsx": Entry(
        name="ofsted_maintained_to_sat",
        title="Ofsted grades before and after becoming a single-academy trust (MI at February "
        "2022)",
        publisher=OFSTED,
        years=(2006, 2022),
        description="One row per school last inspected as council-maintained and now as a "
        "single-academy trust: both inspections' dates and grades, and school details.",
        can_answer="Do schools that convert on their own keep or improve their Ofsted grades?",
        cannot_answer="No group of schools that stayed maintained, so changes cannot be "
        "credited to conversion.",
        caveats="Mostly good or outstanding schools converting by choice, so starting grades "
        "are high and there is little room to improve.",
    ),
    "schools/ofsted_mi_feb2022_subset_multi-academy_trusts.xlsx": Entry(
        name="ofsted_within_mat",
        title="Ofsted grades at two inspections within the same multi-academy trust (MI at "
        "February 2022)",
        publisher=OFSTED,
        years=(2007, 2022),
        description="One row per academy inspected twice while in the same multi-academy "
        "trust: both inspections' dates and grades, and school details.",
        can_answer="Do academies improve between successive inspections while staying in one "
        "trust?",
        cannot_answer="Selected on two inspections in one trust, so schools that moved trust or "
        "closed are missing.",
        caveats="Previous grades are mostly requires improvement or worse, so some improvement "
        "is regression to the mean.",
    ),
    "schools/ofsted_mi_feb2022_subset_sat_mat_to_new_mat.xlsx": Entry(
        name="ofsted_sat_mat_to_new_mat",
        title="Ofsted grades of academies that moved to a new trust (MI at February 2022)",
        publisher=OFSTED,
        years=(2012, 2022),
        description="One row per academy that moved to a new multi-academy trust between "
        "inspections: both inspections' dates and grades, and school details.",
        can_answer="Do academies re-brokered to a new trust improve at their next inspection?",
        cannot_answer="Small (235 schools) and selected on moving, which often follows a poor "
        "grade.",
        caveats="Previous grades are mostly requires improvement or inadequate, so some "
        "improvement is regression to the mean.",
    ),
    "schools/ofsted_mi_feb2022_subset_single-academy_trusts.xlsx": Entry(
        name="ofsted_within_sat",
        title="Ofsted grades at two inspections as a single-academy trust (MI at February 2022)",
        publisher=OFSTED,
        years=(2007, 2022),
        description="One row per academy inspected twice as a single-academy trust: both "
        "inspections' dates and grades, and school details.",
        can_answer="Do stand-alone academies improve or decline between inspections?",
        cannot_answer="Selected on two inspections as a stand-alone academy, so schools that "
        "joined a trust or closed are missing.",
        caveats="Grades are Ofsted's 1-4 codes, and for about a fifth of schools the two "
        "inspections straddle the September 2019 change of inspection framework.",
    ),
    "schools/school_information_meta_2018-19.csv": Entry(
        name="school_information_meta_2019",
        title="School information file column dictionary, 2018-19 performance tables",
        publisher=DFE_TABLES,
        years=(2018, 2018),
        description="One row per column of the 2018-19 school information file: column number, "
        "field name and description.",
        can_answer="What do the school descriptors (type, religious character, admissions "
        "policy) in the 2018-19 tables mean?",
        cannot_answer="A dictionary only: the school information data file itself is not in the "
        "collection.",
        caveats="Describes a file that is not held here; useful mainly to read school-type "
        "fields in derived files.",
        encoding="utf-8-sig",
    ),
    "schools/waiky8_ks4_2018-19_with_ofsted_rating_scraped2021.csv": Entry(
        name="ks4_2019_schools_ofsted",
        title="KS4 results 2018-19 for schools in England with Ofsted grade and location (derived)",
        publisher="waiky8 (derived from DfE performance tables and Ofsted reports)",
        years=(2018, 2018),
        description="One row per school (5,516): Progress 8, Attainment 8, English and maths "
        "passes, EBacc, school type, Ofsted grade and date, gender, religion and coordinates.",
        can_answer="Do academies outperform maintained schools at GCSE once Ofsted grade and "
        "school type are taken into account?",
        cannot_answer="One year only, and the Ofsted grade is as scraped around 2021, so it may "
        "post-date the results.",
        caveats="Includes special and 922 independent schools to drop for state-school "
        "comparisons; 1,307 grades are blank and SUPP, NE, NP and LOWCOV mark missing results.",
        encoding="utf-8",
    ),
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
