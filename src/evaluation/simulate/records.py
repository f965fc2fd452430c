"""Large simulated person-level records, written as Parquet by DuckDB without pandas.

Three writers, each drawing every row inside DuckDB's SQL and copying it
straight to Parquet, so no row passes through Python. The files are what an
analyst in a secure environment would query, and the library's estimators
read them as DuckDB relations.

* :func:`write_pupils`: pupils in schools within areas, a reform in some areas
  and a known effect on a standardised score (a 2x2 design, one file).
* :func:`write_pupils_staggered`: pupils sitting their exams over several
  years in schools that convert to academies in different years (some never),
  with a known effect that may grow with years since conversion; partitioned
  by year.
* :func:`write_offenders`: offenders within probation areas, each supervised
  by one of the area's providers, whose known effects on proven reoffending
  (log-odds) differ, with a case-mix (age band, sex, previous offences) that
  drives risk and differs across providers; partitioned by area.

The two partitioned writers return the folder written and a small table of the
truth (the data are simulated). Their random numbers come from hashing each
row's number with the seed, not from DuckDB's ``random()``, so the same seed
gives the same rows however many threads DuckDB uses.

Examples
--------
>>> import tempfile, pathlib
>>> import duckdb
>>> from evaluation import did
>>> from evaluation.simulate.records import write_pupils
>>> path = pathlib.Path(tempfile.mkdtemp()) / "pupils.parquet"
>>> truth = write_pupils(path, n_rows=200_000, seed=1)
>>> fit = did.two_by_two(duckdb.read_parquet(str(path)), outcome="score", treated="treated",
...                      post="post", cluster="area")
>>> abs(fit.estimate - truth) < 4 * fit.se
True
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import duckdb

__all__ = ["write_offenders", "write_pupils", "write_pupils_staggered"]


def write_pupils(
    path: str | Path,
    *,
    n_rows: int,
    n_schools: int = 3_000,
    n_areas: int = 150,
    treated_areas: int = 60,
    effect: float = -0.15,
    seed: int = 1,
) -> float:
    """Write simulated pupils to a Parquet file and return the true effect.

    Row ``i`` is a pupil in school ``i % n_schools``; schools are spread evenly
    over ``n_areas`` areas, and the first ``treated_areas`` areas are reformed.
    Half the pupils sit their exams after the reform (``post = 1``). The score is
    ``1 + 0.3 treated + 0.2 post + effect * treated * post + 0.3 sin(area) + e``
    with ``e`` standard normal (Box-Muller on DuckDB's ``random()``), so area
    differences make clustering by area matter.

    Parameters
    ----------
    path
        Parquet file to write (replaced if it exists).
    n_rows
        Number of pupils.
    n_schools, n_areas, treated_areas
        Schools, areas and how many areas are reformed.
    effect
        True effect of the reform on the score (standard deviations).
    seed
        Seed of DuckDB's random numbers (the same seed gives the same file).

    Returns
    -------
    float
        The true effect.
    """
    import duckdb

    if not 0 < treated_areas < n_areas <= n_schools:
        raise ValueError("Need 0 < treated_areas < n_areas <= n_schools.")
    if n_rows < 4 * n_schools:
        raise ValueError("n_rows must be at least four pupils per school.")
    per_area = n_schools // n_areas
    con = duckdb.connect()
    con.execute("SELECT setseed(?)", [seed / (seed + 1)])
    query = f"""
          SELECT area, school, treated, post,
                 1.0 + 0.3 * treated + 0.2 * post + {float(effect)} * treated * post
                   + 0.3 * sin(area) + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
                   AS score
          FROM (
            SELECT (i % {n_schools}) // {per_area} AS area, i % {n_schools} AS school,
                   CAST((i % {n_schools}) // {per_area} < {treated_areas} AS INTEGER) AS treated,
                   CAST(i % 2 AS INTEGER) AS post
            FROM range({int(n_rows)}) t(i)
          )
    """
    _copy(con, query, Path(path))
    con.close()
    return float(effect)


#: Room for 2**40 row numbers in each table of draws (see :func:`_connect`).
_TABLE_SPAN = 1 << 40


def _connect(seed: int) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with seeded random numbers that do not depend on threads.

    ``key(table, id, stream)`` numbers each draw: the row ``id`` of one of the
    simulation's tables, and one of 16 streams of draws for that row.
    ``u(key)`` is uniform on [0, 1), from the top 53 bits of DuckDB's 64-bit
    hash of the key plus an offset drawn from ``seed``; ``z(key)`` is standard
    normal by Box-Muller from ``u(key)`` and ``u(key + 1)`` (so a normal uses
    two streams). DuckDB's ``random()`` is not used: its sequence depends on
    how rows are split between threads.
    """
    import duckdb

    offset = int(np.random.default_rng(seed).integers(2**61))
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE MACRO key(tab, id, stream) AS (tab * {_TABLE_SPAN} + id) * 16 + stream")
    con.execute(f"CREATE MACRO u(k) AS (hash(k + {offset}) >> 11) * pow(2, -53)")
    con.execute("CREATE MACRO z(k) AS sqrt(-2 * ln(1 - u(k))) * cos(2 * pi() * u(k + 1))")
    return con


def _copy(
    con: duckdb.DuckDBPyConnection, query: str, path: Path, partition: str | None = None
) -> None:
    """Copy a query's rows to Parquet at ``path`` (replaced if it exists).

    With ``partition``, ``path`` is a folder of hive-partitioned files, one
    subfolder per value of that column; without, one file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    target = str(path).replace("'", "''")
    options = f", PARTITION_BY ({partition}), OVERWRITE true" if partition else ""
    con.execute(f"COPY ({query}) TO '{target}' (FORMAT parquet{options})")


def _areas(n_areas: int, sd: float) -> str:
    """SQL for the table ``areas``: areas 1 to ``n_areas``, each with a normal effect."""
    return (
        f"CREATE TABLE areas AS SELECT a + 1 AS area, {sd!r} * z(key(1, a, 0)) AS area_effect "
        f"FROM range({n_areas}) t(a);"
    )


#: SQL for a unit's size in slots: 2 to 6, uniform, from the draw numbered ``stream``.
_SIZE = "2 + CAST(floor(5 * u(key(2, {unit}, {stream}))) AS INTEGER) AS size"


def _deal_slots(con: duckdb.DuckDBPyConnection, table: str, unit: str) -> int:
    """Make the table ``slots``: each unit's ``size`` slots, in a random order; count them.

    Row ``i`` of the records goes to slot ``i % n_slots`` (or a number made from
    it), so units get rows in proportion to their size.
    """
    con.execute(
        f"""
        CREATE TABLE slots AS
          SELECT row_number() OVER (ORDER BY u(key(4, {unit} * 8 + r, 0)), {unit}, r) - 1
                   AS slot, {unit}
          FROM {table}, range({table}.size) s(r)
        """
    )
    row = con.execute("SELECT count(*) FROM slots").fetchone()
    return int(row[0]) if row else 0


def _dealt(rows: str, n_slots: int) -> str:
    """SQL for the rows slot ``l.slot`` gets when ``rows`` rows are dealt to the slots in turn."""
    return f"({rows} // {n_slots} + CAST(l.slot < {rows} % {n_slots} AS INTEGER))"


def _check_sizes(**sizes: int) -> None:
    """Refuse a size that is not a whole number of at least 1, naming it."""
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1; it was {value!r}.")


def write_pupils_staggered(
    directory: str | Path,
    *,
    n_rows: int,
    n_schools: int = 3_000,
    n_areas: int = 150,
    n_periods: int = 10,
    cohorts: Sequence[int] = (4, 6, 8),
    never_share: float = 0.3,
    effect: float = -0.15,
    effect_growth: float = 0.0,
    seed: int = 1,
) -> tuple[Path, pd.DataFrame]:
    """Write pupils in schools that convert to academies in different years.

    Each year ``1`` to ``n_periods`` a new group of pupils sits its exams, so
    every pupil appears once (repeated cross-sections of schools). Schools
    are spread in blocks over ``n_areas`` areas. Each school has a size of 2
    to 6 "slots", drawn at random, and pupils are dealt to the slots in turn,
    so a school's number of pupils is the same every year (up to one) and
    schools differ in size by up to three times. A share ``never_share`` of
    schools, chosen at random, never converts; the rest are spread evenly over
    the conversion years in ``cohorts``. A school is an academy
    (``academy = 1``) from its conversion year on.

    The standardised score of a pupil is the sum of an area effect (normal,
    standard deviation 0.15), a school effect (normal, 0.3), 0.1 in every
    school that ever converts (converters were better before converting: a
    level difference that difference-in-differences removes but a comparison
    of academies with other schools does not), a year effect
    (``0.03 (year - 1)`` plus normal noise with standard deviation 0.05),
    ``-0.5`` if the pupil is disadvantaged (each school's share drawn between
    5% and 45%), the true effect, and pupil noise (normal, 0.9). The true
    effect of being in an academy is ``effect + effect_growth * (year -
    cohort)``: ``effect`` in the conversion year, growing (or fading) by
    ``effect_growth`` a year after. By default it is -0.15 standard deviations
    in every year, with no growth.

    Parameters
    ----------
    directory
        Folder to write into; the records go to its subfolder ``pupils``
        (replaced if it exists), one subfolder ``year=...`` per year.
    n_rows
        Number of pupils (rows) over all years.
    n_schools, n_areas
        Schools, and the areas they are spread over.
    n_periods
        Number of years; years are numbered 1 to ``n_periods``.
    cohorts
        Conversion years; converting schools are spread evenly over them.
    never_share
        Share of schools that never convert, in [0, 1).
    effect, effect_growth
        True effect on the score (standard deviations) in the conversion year,
        and its change for each year after.
    seed
        Seed: the same arguments give the same rows, whatever the number of
        DuckDB threads.

    Returns
    -------
    path : pathlib.Path
        The ``pupils`` folder, read with
        ``duckdb.read_parquet(f"{path}/*/*.parquet", hive_partitioning=True)``.
        Columns ``pupil, area, school, cohort`` (conversion year, 0 if never),
        ``academy`` (0/1), ``disadvantaged`` (0/1), ``score``, ``true_effect``
        (0 where not an academy) and, from the folder names, ``year``.
    truth : pandas.DataFrame
        One row per cohort and year: ``cohort, year, schools`` (with pupils
        that year), ``pupils``, ``academy`` and ``true_effect``.
        ``attrs["true_effect"]`` is the mean effect over pupils in academies
        (the average effect on the treated), ``attrs["path"]`` the folder and
        ``attrs["description"]`` the design. Simulated data.

    Examples
    --------
    >>> import tempfile
    >>> import duckdb
    >>> from evaluation import did
    >>> from evaluation.simulate.records import write_pupils_staggered
    >>> path, truth = write_pupils_staggered(tempfile.mkdtemp(), n_rows=20_000, n_schools=200,
    ...                                      n_areas=10, seed=1)
    >>> sorted(p.name for p in path.iterdir())[:3]
    ['year=1', 'year=10', 'year=2']
    >>> pupils = duckdb.read_parquet(f"{path}/*/*.parquet", hive_partitioning=True)
    >>> pupils.count("*").fetchall()[0][0], int(truth["pupils"].sum())
    (20000, 20000)
    >>> schools = duckdb.sql(
    ...     "SELECT school, year, any_value(cohort) AS cohort, avg(score) AS score "
    ...     "FROM pupils GROUP BY school, year").df()
    >>> fit = did.staggered(schools, outcome="score", unit="school", time="year", cohort="cohort")
    >>> true_effect = truth.attrs["true_effect"]
    >>> true_effect, bool(abs(fit.estimate - true_effect) < 4 * fit.se)
    (-0.15, True)
    """
    _check_sizes(n_rows=n_rows, n_schools=n_schools, n_areas=n_areas, n_periods=n_periods)
    if n_areas > n_schools:
        raise ValueError(f"n_areas ({n_areas}) cannot exceed n_schools ({n_schools}).")
    if not 0 <= never_share < 1:
        raise ValueError(f"never_share must lie in [0, 1); it was {never_share}.")
    years = [int(c) for c in cohorts]
    if not years or any(not 1 < c <= n_periods for c in years):
        raise ValueError(
            f"cohorts must be conversion years between 2 and n_periods={n_periods}; got {cohorts}."
        )
    n_never = round(n_schools * never_share)
    if n_schools - n_never < len(years):
        raise ValueError("Too few converting schools: need at least one in every cohort.")
    effect, effect_growth = float(effect), float(effect_growth)
    path = Path(directory) / "pupils"
    con = _connect(seed)
    con.execute(
        f"""
        {_areas(n_areas, 0.15)}
        CREATE TABLE schools AS
          WITH drawn AS (
            SELECT j + 1 AS school, j * {n_areas} // {n_schools} + 1 AS area,
                   0.05 + 0.4 * u(key(2, j, 0)) AS poor_share,
                   0.3 * z(key(2, j, 2)) AS school_effect,
                   {_SIZE.format(unit="j", stream=4)},
                   row_number() OVER (ORDER BY u(key(2, j, 5)), j) - 1 AS position
            FROM range({n_schools}) t(j))
          SELECT school, area, poor_share, school_effect, size,
                 CASE WHEN position < {n_never} THEN 0
                      ELSE ({years})[1 + (position - {n_never}) * {len(years)}
                                           // ({n_schools} - {n_never})] END AS cohort
          FROM drawn;
        CREATE TABLE years AS
          SELECT t + 1 AS year, 0.03 * t + 0.05 * z(key(3, t, 0)) AS year_effect
          FROM range({n_periods}) t(t);
        """
    )
    n_slots = _deal_slots(con, "schools", "school")
    treated = "s.cohort > 0 AND r.year >= s.cohort"
    query = f"""
        SELECT pupil, area, school, year, cohort, academy, disadvantaged,
               base - 0.5 * disadvantaged + true_effect + 0.9 * z(key(0, i, 0)) AS score,
               true_effect
        FROM (
          SELECT r.i, r.i + 1 AS pupil, s.area, s.school, r.year, s.cohort,
                 CAST({treated} AS INTEGER) AS academy,
                 CAST(u(key(0, r.i, 2)) < s.poor_share AS INTEGER) AS disadvantaged,
                 CASE WHEN {treated}
                      THEN CAST({effect!r} AS DOUBLE)
                           + CAST({effect_growth!r} AS DOUBLE) * (r.year - s.cohort)
                      ELSE CAST(0 AS DOUBLE) END AS true_effect,
                 a.area_effect + s.school_effect + y.year_effect
                   + CASE WHEN s.cohort > 0 THEN 0.1 ELSE 0.0 END AS base
          FROM (SELECT i, CAST(i % {n_periods} + 1 AS INTEGER) AS year,
                       (i // {n_periods}) % {n_slots} AS slot
                FROM range({int(n_rows)}) t(i)) r
          JOIN slots l ON l.slot = r.slot
          JOIN schools s ON s.school = l.school
          JOIN areas a ON a.area = s.area
          JOIN years y ON y.year = r.year)
    """
    _copy(con, query, path, "year")
    truth = con.execute(
        f"""
        WITH k AS (SELECT year, ({int(n_rows)} - year + {n_periods}) // {n_periods} AS k
                   FROM years),
             cells AS (SELECT l.school, k.year, sum({_dealt("k.k", n_slots)}) AS pupils
                       FROM slots l, k GROUP BY ALL)
        SELECT s.cohort, c.year, CAST(count(*) FILTER (WHERE c.pupils > 0) AS BIGINT) AS schools,
               CAST(sum(c.pupils) AS BIGINT) AS pupils
        FROM cells c JOIN schools s ON s.school = c.school
        GROUP BY ALL ORDER BY s.cohort, c.year
        """
    ).df()
    con.close()
    academy = (truth["cohort"] > 0) & (truth["year"] >= truth["cohort"])
    truth["academy"] = academy.astype("int64")
    truth["true_effect"] = np.where(
        academy, effect + effect_growth * (truth["year"] - truth["cohort"]), 0.0
    )
    treated_pupils = truth.loc[academy, "pupils"]
    mean_effect = (
        float(np.average(truth.loc[academy, "true_effect"], weights=treated_pupils))
        if treated_pupils.sum() > 0
        else float("nan")
    )
    truth.attrs["true_effect"] = round(mean_effect, 12)
    truth.attrs["path"] = str(path)
    truth.attrs["description"] = (
        f"Simulated pupils: {n_rows:,} in {n_schools:,} schools, {n_areas} areas, "
        f"{n_periods} years; conversion years {tuple(years)}, {n_never:,} schools never "
        f"convert; effect {effect:g} + {effect_growth:g} x years since conversion."
    )
    return path, truth


#: Log-odds of proven reoffending in :func:`write_offenders`, by case-mix term.
OFFENDER_RISK: dict[str, float] = {
    "intercept": -1.2,
    "age_band[18-24]": 0.45,
    "age_band[25-34]": 0.25,
    "age_band[35-49]": 0.0,
    "age_band[50+]": -0.55,
    "sex[M]": 0.3,
    "log1p(previous)": 0.45,
}


def write_offenders(
    directory: str | Path,
    *,
    n_rows: int,
    n_areas: int = 21,
    providers_per_area: int = 3,
    spread: float = 0.3,
    seed: int = 1,
) -> tuple[Path, pd.DataFrame]:
    """Write offenders supervised by providers within probation areas.

    Each of ``n_areas`` probation areas has ``providers_per_area`` providers,
    numbered 1 on over all areas. A provider's size is 2 to 6 "slots", drawn
    at random, and offenders are dealt to the slots in turn, so providers
    differ in caseload by up to three times.

    Providers differ in their case-mix: each has a case-mix index ``case_mix``
    (standard normal), and the higher it is the younger its offenders (age is
    18 plus an exponential with mean ``14 exp(-0.25 case_mix)`` years), the more
    previous offences they have (geometric, mean ``exp(1.6 + 0.35 case_mix)``)
    and the more of them are men (between 82% and 92%). Proven reoffending
    (0/1) is drawn with log-odds

    ``intercept + area effect + provider effect + age band + sex + 0.45 log(1 + previous)``

    with the case-mix terms in ``OFFENDER_RISK``, an area effect (normal,
    standard deviation 0.2: local policing and courts) and the provider's true
    effect: normal with standard deviation ``spread``, then centred within its
    area, so the effects of an area's providers add up to zero. A comparison
    of providers within areas, adjusted for case-mix, recovers the provider
    effects; one without case-mix adjustment also credits or blames providers
    for their offenders, and one across areas for their area.

    Parameters
    ----------
    directory
        Folder to write into; the records go to its subfolder ``offenders``
        (replaced if it exists), one subfolder ``area=...`` per area.
    n_rows
        Number of offenders (rows).
    n_areas, providers_per_area
        Probation areas, and providers in each.
    spread
        Standard deviation of the providers' true effects before centring
        (log-odds of reoffending).
    seed
        Seed: the same arguments give the same rows, whatever the number of
        DuckDB threads.

    Returns
    -------
    path : pathlib.Path
        The ``offenders`` folder, read with
        ``duckdb.read_parquet(f"{path}/*/*.parquet", hive_partitioning=True)``.
        Columns ``offender, provider, age_band`` (``18-24``, ``25-34``,
        ``35-49``, ``50+``), ``sex`` (``F``/``M``), ``previous`` (count of
        previous offences), ``reoffended`` (0/1) and, from the folder names,
        ``area``.
    truth : pandas.DataFrame
        One row per provider: ``area, provider, offenders, area_effect,
        true_effect`` (log-odds, adding up to zero within each area) and
        ``case_mix``. ``attrs["true_effect"]`` maps each provider to its
        effect, ``attrs["risk"]`` holds ``OFFENDER_RISK``, ``attrs["path"]``
        the folder and ``attrs["description"]`` the design. Simulated data.

    Examples
    --------
    >>> import tempfile
    >>> import duckdb
    >>> from evaluation.simulate.records import write_offenders
    >>> path, truth = write_offenders(tempfile.mkdtemp(), n_rows=10_000, n_areas=4, seed=1)
    >>> sorted(p.name for p in path.iterdir())
    ['area=1', 'area=2', 'area=3', 'area=4']
    >>> offenders = duckdb.read_parquet(f"{path}/*/*.parquet", hive_partitioning=True)
    >>> offenders.count("*").fetchall()[0][0], int(truth["offenders"].sum())
    (10000, 10000)
    >>> bool(truth.groupby("area")["true_effect"].sum().abs().max() < 1e-12)
    True
    """
    _check_sizes(n_rows=n_rows, n_areas=n_areas, providers_per_area=providers_per_area)
    if providers_per_area > 8:
        raise ValueError(f"providers_per_area must be at most 8; it was {providers_per_area}.")
    if not 0 <= spread < 10:
        raise ValueError(f"spread must lie in [0, 10) (log-odds); it was {spread}.")
    n_providers = n_areas * providers_per_area
    risk = OFFENDER_RISK
    path = Path(directory) / "offenders"
    con = _connect(seed)
    con.execute(
        f"""
        {_areas(n_areas, 0.2)}
        CREATE TABLE providers AS
          WITH drawn AS (
            SELECT p + 1 AS provider, p // {providers_per_area} + 1 AS area,
                   CAST({float(spread)!r} AS DOUBLE) * z(key(2, p, 0)) AS raw,
                   z(key(2, p, 2)) AS case_mix,
                   {_SIZE.format(unit="p", stream=4)}
            FROM range({n_providers}) t(p))
          SELECT area, provider, raw - avg(raw) OVER (PARTITION BY area) AS true_effect,
                 case_mix, size
          FROM drawn;
        """
    )
    n_slots = _deal_slots(con, "providers", "provider")
    age_terms = " ".join(
        f"WHEN '{band}' THEN {risk[f'age_band[{band}]']!r}"
        for band in ("18-24", "25-34", "35-49", "50+")
    )
    query = f"""
        SELECT offender, area, provider, age_band, sex, previous,
               CAST(u(key(0, i, 6)) < 1 / (1 + exp(-(
                 {risk["intercept"]!r} + area_effect + true_effect
                 + CASE age_band {age_terms} END
                 + CASE sex WHEN 'M' THEN {risk["sex[M]"]!r} ELSE 0 END
                 + {risk["log1p(previous)"]!r} * ln(1 + previous)))) AS INTEGER) AS reoffended
        FROM (
          SELECT i, i + 1 AS offender, p.area, p.provider, a.area_effect, p.true_effect,
                 CASE WHEN age < 25 THEN '18-24' WHEN age < 35 THEN '25-34'
                      WHEN age < 50 THEN '35-49' ELSE '50+' END AS age_band,
                 CASE WHEN u(key(0, i, 2)) < 0.82 + 0.1 / (1 + exp(-p.case_mix)) THEN 'M'
                      ELSE 'F' END AS sex,
                 CAST(floor(ln(1 - u(key(0, i, 4)))
                            / ln(1 - 1 / (1 + exp(1.6 + 0.35 * p.case_mix)))) AS INTEGER)
                   AS previous
          FROM (SELECT i, 18 + floor(-ln(1 - u(key(0, i, 0))) * 14
                                     * exp(-0.25 * p.case_mix)) AS age,
                       p.area, p.provider, p.true_effect, p.case_mix
                FROM range({int(n_rows)}) t(i)
                JOIN slots l ON l.slot = i % {n_slots}
                JOIN providers p ON p.provider = l.provider) p
          JOIN areas a ON a.area = p.area)
    """
    _copy(con, query, path, "area")
    truth = con.execute(
        f"""
        SELECT p.area, p.provider,
               CAST(sum({_dealt(str(int(n_rows)), n_slots)}) AS BIGINT) AS offenders,
               a.area_effect, p.true_effect, p.case_mix
        FROM providers p JOIN slots l ON l.provider = p.provider JOIN areas a ON a.area = p.area
        GROUP BY ALL ORDER BY p.provider
        """
    ).df()
    con.close()
    truth.attrs["true_effect"] = dict(
        zip(truth["provider"].tolist(), truth["true_effect"].tolist(), strict=True)
    )
    truth.attrs["risk"] = dict(risk)
    truth.attrs["path"] = str(path)
    truth.attrs["description"] = (
        f"Simulated offenders: {n_rows:,} supervised by {n_providers} providers in {n_areas} "
        f"probation areas; provider effects (log-odds) with standard deviation {spread:g}, "
        "centred within area; case-mix differs across providers."
    )
    return path, truth
