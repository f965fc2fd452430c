"""Large simulated person-level records, written as Parquet by DuckDB without pandas.

:func:`write_pupils` writes pupils in schools within areas, a reform in some
areas and a known effect on a standardised score, straight from DuckDB's SQL
to a Parquet file: a hundred million rows need no more memory than a million.
The file is what an analyst in a secure environment would query, and
:func:`evaluation.did.two_by_two` can read it as a DuckDB relation.

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

from pathlib import Path

__all__ = ["write_pupils"]


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
    con.execute(
        f"""
        COPY (
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
        ) TO '{Path(path)}' (FORMAT parquet)
        """
    )
    con.close()
    return float(effect)
