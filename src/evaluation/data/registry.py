"""Where the data is, whether it is the right file, and what it looks like tidy.

Every dataset the handbook uses is listed in the registry (``data/registry.csv``)
with its file name, sha256 checksum, source URL, publisher and licence. A file
is looked for, in order,

1. in the folder named by the environment variable ``EVALUATION_DATA_DIR``;
2. in the user cache (``EVALUATION_CACHE_DIR``, else the platform's cache folder);
3. at its source URL, downloaded into the cache.

Whichever way it is found, its sha256 is checked and a file that does not match
is refused, saying which file and what was expected. Nothing is overwritten.

Examples
--------
>>> from evaluation.data import registry
>>> cat = registry.catalog()
>>> int(cat["name"].is_unique)
1
>>> "care_home_hhi_district" in set(cat["name"])
True
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.data import loaders

__all__ = [
    "DATA_DIR_ENV",
    "REGISTRY_COLUMNS",
    "CACHE_DIR_ENV",
    "ChecksumError",
    "DataNotFoundError",
    "DataReadError",
    "Dataset",
    "UnknownDatasetError",
    "catalog",
    "info",
    "path",
    "read_raw",
    "load",
    "tidy_loaders",
    "verify",
    "fetch",
    "sha256_of",
]

#: Why a file that cannot be downloaded cannot be, by its origin in the registry.
_NOT_DOWNLOADABLE = {
    "transcription": "transcription of a published page",
    "conversion": "conversion of a published file",
    "repository file": "repository file whose source does not serve these exact bytes",
}

DATA_DIR_ENV = "EVALUATION_DATA_DIR"
CACHE_DIR_ENV = "EVALUATION_CACHE_DIR"
REGISTRY_COLUMNS = (
    "name",
    "sector",
    "file",
    "format",
    "encoding",
    "bytes",
    "sha256",
    "origin",
    "downloadable",
    "source_url",
    "publisher",
    "title",
    "licence",
    "year_first",
    "year_last",
    "description",
    "can_answer",
    "cannot_answer",
    "caveats",
)


class UnknownDatasetError(KeyError):
    """A dataset name that is not in the registry."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it plain.
        return str(self.args[0])


class DataNotFoundError(FileNotFoundError):
    """A registered file that is in no data folder and cannot be downloaded now."""


class ChecksumError(ValueError):
    """A file whose sha256 differs from the registry's."""


class DataReadError(ValueError):
    """A file that is present and verified but cannot be parsed."""


@dataclass(frozen=True)
class Dataset:
    """One entry of the registry.

    Attributes mirror the registry's columns; see ``data/README.md``.
    """

    name: str
    sector: str
    file: str
    format: str
    encoding: str
    bytes: int
    sha256: str
    origin: str
    downloadable: bool
    source_url: str
    publisher: str
    title: str
    licence: str
    year_first: int | None
    year_last: int | None
    description: str
    can_answer: str
    cannot_answer: str
    caveats: str

    @property
    def citation(self) -> str:
        """A one-line source note for a figure or table built from this file."""
        years = ""
        if self.year_first is not None and str(self.year_first) not in self.title:
            years = f", {self.year_first}" + (
                f"-{self.year_last}" if self.year_last not in (None, self.year_first) else ""
            )
        return f"Source: {self.publisher}, {self.title}{years}. Licence: {self.licence}."


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------


def _registry_path() -> Path:
    return Path(str(resources.files("evaluation.data") / "catalogue" / "registry.csv"))


@cache
def _registry() -> pd.DataFrame:
    frame = pd.read_csv(_registry_path(), dtype=str, keep_default_na=False)
    missing = [c for c in REGISTRY_COLUMNS if c not in frame.columns]
    if missing:
        raise RuntimeError(f"The registry {_registry_path()} lacks the columns {missing}.")
    frame = frame.loc[:, list(REGISTRY_COLUMNS)].copy()
    frame["bytes"] = frame["bytes"].astype("int64")
    frame["downloadable"] = frame["downloadable"].str.lower().map({"true": True, "false": False})
    for col in ("year_first", "year_last"):
        frame[col] = pd.to_numeric(frame[col].replace("", pd.NA)).astype("Int64")
    if frame["name"].duplicated().any():
        dupes = sorted(frame.loc[frame["name"].duplicated(), "name"])
        raise RuntimeError(f"The registry names {dupes} more than once.")
    return frame


def catalog() -> pd.DataFrame:
    """Return the registry: one row per dataset.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, sector, file, format, encoding, bytes, sha256, origin,
        downloadable, source_url, publisher, title, licence, year_first,
        year_last, description, can_answer, cannot_answer, caveats``.

    Examples
    --------
    >>> from evaluation.data import registry
    >>> sorted(registry.catalog()["sector"].unique())
    ['care', 'employment', 'geography', 'probation', 'schools']
    """
    return _registry().copy()


def info(name: str) -> Dataset:
    """Return the registry entry for ``name``.

    Raises
    ------
    UnknownDatasetError
        If ``name`` is not registered; the message lists close matches.

    Examples
    --------
    >>> from evaluation.data import registry
    >>> registry.info("care_home_hhi_district").sector
    'care'
    """
    if not isinstance(name, str):
        raise TypeError(f"A dataset name is a string, not {type(name).__name__}.")
    reg = _registry()
    rows = reg.loc[reg["name"] == name]
    if rows.empty:
        close = difflib.get_close_matches(name, reg["name"].tolist(), n=5, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownDatasetError(
            f"There is no dataset called {name!r} in the registry.{hint} "
            "`evaluation data list` shows them all."
        )
    row = rows.iloc[0]

    def year(value: Any) -> int | None:
        return None if value is pd.NA or value is None else int(str(value))

    # Every column is text but these four.
    kinds: dict[str, Callable[[Any], Any]] = {
        "bytes": int,
        "downloadable": bool,
        "year_first": year,
        "year_last": year,
    }
    return Dataset(**{f.name: kinds.get(f.name, str)(row[f.name]) for f in fields(Dataset)})


# ---------------------------------------------------------------------------
# Finding and verifying files
# ---------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _sha256_cached(file: str, size: int, mtime_ns: int, ctime_ns: int, inode: int) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_of(file: str | os.PathLike[str]) -> str:
    """Return the hex sha256 of a file (memoised while the file is unchanged).

    The memo is keyed on the file's size, modification time, status-change time and
    inode: a write in place changes the status-change time even when the size and
    modification time are put back, so the file is hashed again.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_of(p)[:12]
    'ba7816bf8f01'
    """
    stat = Path(file).stat()
    return _sha256_cached(
        str(Path(file).resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino
    )


def _cache_dir() -> Path:
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    import pooch

    return Path(pooch.os_cache("evaluation"))


def _data_dir() -> Path | None:
    configured = os.environ.get(DATA_DIR_ENV)
    if not configured:
        return None
    folder = Path(configured).expanduser()
    if not folder.is_dir():
        raise DataNotFoundError(
            f"{DATA_DIR_ENV} is set to {configured!r}, which is not a folder. "
            f"Point it at the folder that holds the data files, or unset it to download them."
        )
    return folder


def _check(file: Path, entry: Dataset, where: str) -> Path:
    if not file.is_file():  # a folder, a named pipe or a device: never open it
        kind = "a folder" if file.is_dir() else "not a regular file"
        raise ChecksumError(
            f"{file} ({where}) for dataset {entry.name!r} is {kind}; the registry expects "
            f"the file {entry.file} ({entry.bytes:,} bytes)."
        )
    try:
        found = sha256_of(file)
    except OSError as exc:
        raise ChecksumError(
            f"{file} ({where}) for dataset {entry.name!r} could not be read: {exc.strerror}."
        ) from exc
    if found != entry.sha256:
        raise ChecksumError(
            f"The file {file} ({where}) for dataset {entry.name!r} is not the registered file: "
            f"its sha256 is {found}, but the registry expects {entry.sha256} "
            f"({entry.bytes:,} bytes; this file has {file.stat().st_size:,}). Nothing was "
            f"overwritten. Replace it with the file from {entry.source_url}, or delete it so "
            "that a verified copy can be fetched."
        )
    return file


def _download(entry: Dataset, target: Path) -> Path:
    import pooch
    import requests

    logging.getLogger("pooch").setLevel(logging.WARNING)
    try:
        fetched = pooch.retrieve(
            url=entry.source_url,
            known_hash=f"sha256:{entry.sha256}",
            fname=target.name,
            path=target.parent,
            progressbar=False,
        )
    except ValueError as exc:  # pooch refuses a download whose hash differs
        raise ChecksumError(
            f"The download of {entry.name!r} from {entry.source_url} does not match the "
            f"registry (expected sha256 {entry.sha256}). The download was discarded and "
            f"nothing was written. Detail: {exc}"
        ) from exc
    except (requests.RequestException, OSError) as exc:
        raise DataNotFoundError(
            f"Dataset {entry.name!r} ({entry.file}) is not in a data folder and could not be "
            f"downloaded from {entry.source_url}: {exc}. Set {DATA_DIR_ENV} to a folder that "
            f"holds {entry.file}, or retry with a network connection."
        ) from exc
    return Path(fetched)


def path(name: str, *, download: bool = True) -> Path:
    """Return the local path of a verified copy of dataset ``name``.

    Parameters
    ----------
    name
        A registry name (see :func:`catalog`).
    download
        If no local copy exists, download it from its source into the cache.

    Raises
    ------
    UnknownDatasetError
        The name is not registered.
    ChecksumError
        A local or downloaded copy does not match the registered sha256.
    DataNotFoundError
        No local copy, and downloading is off, impossible (a transcription
        of a published page) or failed.

    Examples
    --------
    >>> from evaluation.data import registry
    >>> registry.path("care_home_hhi_district").suffix  # doctest: +SKIP
    '.csv'
    """
    entry = info(name)
    data_dir = _data_dir()
    if data_dir is not None:
        candidate = data_dir / entry.file
        if candidate.exists():
            return _check(candidate, entry, f"in {DATA_DIR_ENV}")
    cached = _cache_dir() / entry.file
    if cached.exists():
        return _check(cached, entry, "in the cache")
    searched = f"{DATA_DIR_ENV}={data_dir}" if data_dir else f"{DATA_DIR_ENV} (not set)"
    if not entry.downloadable:
        raise DataNotFoundError(
            f"Dataset {entry.name!r} ({entry.file}) is a {_NOT_DOWNLOADABLE[entry.origin]} "
            f"({entry.source_url}) and cannot be downloaded. It was not found in "
            f"{searched} or the cache {cached.parent}. Set {DATA_DIR_ENV} to a folder that "
            f"holds {entry.file}."
        )
    if not download:
        raise DataNotFoundError(
            f"Dataset {entry.name!r} ({entry.file}) was not found in {searched} or the cache "
            f"{cached.parent}, and downloading is off. Set {DATA_DIR_ENV}, or download it "
            f"from {entry.source_url} (`evaluation data fetch {entry.name}`)."
        )
    return _download(entry, cached)


def _status_table(names: Iterable[str] | None, *, download: bool) -> pd.DataFrame:
    """Try :func:`path` for each dataset and tabulate what happened."""
    rows = []
    for name in names if names is not None else _registry()["name"]:
        status, location, detail = "ok", "", ""
        try:
            location = str(path(name, download=download))
        except DataNotFoundError as exc:
            status, detail = "missing", str(exc)
        except ChecksumError as exc:
            status, detail = "mismatch", str(exc)
        rows.append({"name": name, "status": status, "location": location, "detail": detail})
    return pd.DataFrame(rows, columns=["name", "status", "location", "detail"])


def verify(names: Iterable[str] | None = None) -> pd.DataFrame:
    """Check every registered file that is present locally; download nothing.

    Returns
    -------
    pandas.DataFrame
        One row per dataset: ``name``, ``status`` (``ok``, ``missing`` or
        ``mismatch``), ``location`` and ``detail``.

    Examples
    --------
    >>> from evaluation.data import registry
    >>> set(registry.verify(["care_home_hhi_district"])["status"]) <= {"ok", "missing"}
    True
    """
    return _status_table(names, download=False)


def fetch(names: Iterable[str] | None = None) -> pd.DataFrame:
    """Make a verified local copy of each dataset, downloading where needed.

    Transcriptions, which have no downloadable source, are reported as
    ``missing`` unless a data folder holds them.

    Returns
    -------
    pandas.DataFrame
        As :func:`verify`, with status ``ok``, ``missing`` or ``mismatch``.
    """
    return _status_table(names, download=True)


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------


def _read_json_rows(file: Path, **kwargs: Any) -> pd.DataFrame:
    """Rows of a JSON file: an array of rows, one row, or rows a line each ending in a comma.

    Some published JSON files (FFT Education Datalab's) are fragments: one array
    or object a line, each followed by a comma, with no enclosing brackets. Every
    shape is read as one row per record; keyword arguments go to
    :class:`pandas.DataFrame`.
    """
    text = file.read_text(encoding="utf-8").strip()
    try:
        records = json.loads(text)
    except json.JSONDecodeError:
        records = json.loads("[" + text.rstrip(",") + "]")
    if not isinstance(records, list) or not all(isinstance(r, list | dict) for r in records):
        records = [records]
    return pd.DataFrame(records, **kwargs)


def read_raw(name: str, **kwargs: object) -> pd.DataFrame:
    """Read a dataset's file as published, with no tidying.

    CSV files are read with the registry's encoding, spreadsheets' first
    sheet with openpyxl (xlsx) or xlrd (xls), parquet with pyarrow, and JSON
    as one row per element of its array. Extra keyword arguments go to the
    reader.

    Raises
    ------
    DataReadError
        The file is verified but cannot be parsed.

    Examples
    --------
    >>> from evaluation.data import registry
    >>> registry.read_raw("care_home_hhi_district").shape[0] > 1000  # doctest: +SKIP
    True
    """
    entry = info(name)
    file = path(name)
    readers: dict[str, Callable[..., pd.DataFrame]] = {
        "csv": pd.read_csv,
        "xlsx": pd.read_excel,
        "xls": pd.read_excel,
        "parquet": pd.read_parquet,
        "json": _read_json_rows,
    }
    if entry.format not in readers:
        raise DataReadError(f"Dataset {name!r} has format {entry.format!r}, which has no reader.")
    options: dict[str, object] = {}
    if entry.format == "csv":
        options = {"encoding": entry.encoding or "utf-8", "low_memory": False}
    options.update(kwargs)
    try:
        return readers[entry.format](file, **options)
    except ImportError:
        raise
    except Exception as exc:  # any parser failure becomes one clear error
        raise DataReadError(
            f"Dataset {name!r} was found and verified at {file}, but could not be read as "
            f"{entry.format} ({type(exc).__name__}: {exc})."
        ) from exc


def tidy_loaders() -> list[str]:
    """Names of the datasets that :func:`load` can tidy.

    Examples
    --------
    >>> from evaluation.data import registry
    >>> "care_home_hhi_district" in registry.tidy_loaders()
    True
    """
    return sorted(loaders.discover())


def load(name: str) -> pd.DataFrame:
    """Return dataset ``name`` as a tidy DataFrame with documented columns.

    Suppressed or missing cells become missing values, and the count of them
    is kept in ``frame.attrs["suppressed"]``; the source note is in
    ``frame.attrs["source"]``.

    Raises
    ------
    UnknownDatasetError, DataNotFoundError, ChecksumError, DataReadError
        As :func:`path` and :func:`read_raw`.
    NotImplementedError
        The dataset has no tidy loader yet; :func:`read_raw` reads it as published.

    Examples
    --------
    >>> from evaluation.data import registry
    >>> hhi = registry.load("care_home_hhi_district")  # doctest: +SKIP
    >>> list(hhi.columns)  # doctest: +SKIP
    ['district_code', 'district', 'council', 'wave', 'hhi']
    """
    entry = info(name)
    registry = loaders.discover()
    if name not in registry:
        raise NotImplementedError(
            f"Dataset {name!r} has no tidy loader yet. `registry.read_raw({name!r})` reads the "
            f"file as published; tidy loaders exist for: {', '.join(tidy_loaders())}."
        )
    file = path(name)
    try:
        frame = registry[name](file)
    except (KeyError, ValueError, TypeError) as exc:
        raise DataReadError(
            f"Dataset {name!r} at {file} does not have the layout its loader expects "
            f"({type(exc).__name__}: {exc})."
        ) from exc
    frame.attrs.setdefault("suppressed", 0)
    frame.attrs["source"] = entry.citation
    return frame
