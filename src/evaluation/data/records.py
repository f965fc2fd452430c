"""Parquet and CSV files read where they lie: a DuckDB relation, not a pandas frame.

Person-level records (a hundred million pupils, every placement in a care home)
do not fit in a pandas frame, and need not: :func:`scan` gives a lazy DuckDB
relation over the file, a glob of files or a folder of partitioned Parquet, and
the estimators that take records (:func:`evaluation.did.two_by_two`,
:func:`evaluation.markets.hhi`, :func:`evaluation.matching.balance`) summarise
it inside DuckDB, so that only the cells come back. A registered dataset is
found and checked against its sha256 as :func:`evaluation.data.registry.path`
does before anything is read.

Examples
--------
>>> import pathlib, tempfile
>>> import duckdb
>>> from evaluation.data import scan
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> duckdb.sql("SELECT i % 3 AS area, i AS pupil FROM range(30) t(i)").write_parquet(
...     str(folder / "pupils.parquet"))
>>> pupils = scan(folder / "pupils.parquet")
>>> pupils.aggregate("count(*) AS pupils, max(area) AS last_area").fetchall()
[(30, 2)]
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

from evaluation.data import registry

__all__ = ["scan"]

#: File endings read as Parquet and as CSV.
PARQUET = (".parquet", ".pq")
CSV = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
#: The registry's CSV encodings DuckDB reads without an extension (it skips a UTF-8
#: byte-order mark); other encodings (latin-1) need DuckDB's encodings extension.
_ENCODINGS = {"": "utf-8", "utf-8": "utf-8", "utf-8-sig": "utf-8"}


def scan(dataset: str | os.PathLike[str], *, connection: Any = None, download: bool = True) -> Any:
    """A DuckDB relation over a registered dataset, a Parquet or CSV file, a glob or a folder.

    Nothing is read into pandas: the relation is lazy, and what is asked of it
    (a filter, a ``GROUP BY``, an estimator's cells) runs inside DuckDB.

    Parameters
    ----------
    dataset
        A registry name of a Parquet or UTF-8 CSV file (its file is found and its
        sha256 checked, as :func:`evaluation.data.registry.path` does); or the path of a Parquet or
        CSV file; or a glob of them (``"pupils/*.parquet"``, ``**`` for any depth);
        or a folder of Parquet files, read with Hive partitioning
        (``year=2024/part-0.parquet`` gives a column ``year``).
    connection
        DuckDB connection to read with; DuckDB's default connection when not
        given, so that relations from several calls can be joined.
    download
        For a registry name: whether to download a dataset that has no local copy.

    Returns
    -------
    duckdb.DuckDBPyRelation
        A lazy relation over the records.

    Raises
    ------
    UnknownDatasetError
        A name that is neither registered nor a path (the errors are those of
        :mod:`evaluation.data.registry`).
    ChecksumError
        As :func:`evaluation.data.registry.path`.
    DataNotFoundError
        As :func:`evaluation.data.registry.path`; also a path or glob that finds no file.
    DataReadError
        A file that is not Parquet or CSV, or that DuckDB cannot parse.

    Examples
    --------
    A folder of Parquet partitioned by year, written by DuckDB:

    >>> import pathlib, tempfile
    >>> import duckdb
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "placements"
    >>> placed = duckdb.sql("SELECT 2023 + i % 2 AS year, i % 5 AS provider FROM range(100) t(i)")
    >>> placed.write_parquet(str(folder), partition_by=["year"])
    >>> placements = scan(folder)
    >>> placements.aggregate("year, count(*) AS placed", "year").order("year").fetchall()
    [(2023, 50), (2024, 50)]
    """
    import duckdb

    con = connection if connection is not None else duckdb.default_connection()
    if not isinstance(con, duckdb.DuckDBPyConnection):
        raise TypeError(f"connection must be a DuckDB connection, not {type(con).__name__}.")
    target, encoding, label = _locate(dataset, download=download)
    partitioned = Path(target).is_dir()
    if partitioned:
        target = str(Path(target) / "**" / "*.parquet")
    if not glob.glob(target, recursive=True):
        raise registry.DataNotFoundError(f"No file matches {label} ({target}).")
    kind = "parquet" if partitioned or target.lower().endswith(PARQUET) else "csv"
    if kind == "csv" and not target.lower().endswith(CSV):
        raise registry.DataReadError(
            f"{label} is neither Parquet ({', '.join(PARQUET)}) nor CSV ({', '.join(CSV)}): "
            "scan reads those two; registry.read_raw reads the other formats into pandas."
        )
    try:
        if kind == "parquet":
            return con.read_parquet(target, hive_partitioning=partitioned)
        return con.read_csv(target, encoding=encoding)
    except duckdb.Error as exc:
        raise registry.DataReadError(
            f"{label} could not be read as {kind} by DuckDB ({type(exc).__name__}: {exc})."
        ) from exc


def _locate(dataset: str | os.PathLike[str], *, download: bool) -> tuple[str, str, str]:
    """The path or glob to read, its CSV encoding, and how to name it in errors."""
    if not isinstance(dataset, str | os.PathLike):
        raise TypeError(f"dataset must be a registry name or a path, not {type(dataset).__name__}.")
    text = os.fspath(dataset)
    if not text:
        raise ValueError("dataset must be a registry name or a path, not an empty string.")
    names = set(registry.catalog()["name"])
    looks_like_path = (
        isinstance(dataset, os.PathLike)
        or any(c in text for c in "/\\.*?[")
        or Path(text).expanduser().exists()
    )
    if text in names or not looks_like_path:
        entry = registry.info(text)  # an unknown name: UnknownDatasetError with close matches
        if entry.format not in ("parquet", "csv"):
            raise registry.DataReadError(
                f"Dataset {text!r} is {entry.format}; scan reads Parquet and CSV. "
                f"registry.read_raw({text!r}) reads it into pandas."
            )
        if entry.encoding not in _ENCODINGS:
            raise registry.DataReadError(
                f"Dataset {text!r} is encoded as {entry.encoding}; DuckDB reads UTF-8 CSV "
                f"without an extension. registry.read_raw({text!r}) reads it into pandas."
            )
        found = registry.path(text, download=download)
        return str(found), _ENCODINGS[entry.encoding], f"dataset {text!r}"
    return str(Path(text).expanduser()), "utf-8", repr(text)
