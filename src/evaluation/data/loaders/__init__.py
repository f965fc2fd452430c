"""Tidy loaders: one function per dataset, turning a published file into a tidy frame.

Each loader takes the verified path of its file and returns a DataFrame whose
columns are documented in its docstring. Loaders keep suppression markers as
missing values and record how many there were in ``frame.attrs["suppressed"]``;
they never guess a value. :func:`evaluation.data.registry.load` is the public entry.

Loaders live in one submodule per service (``care``, ``schools``, ...); every
submodule of this package is imported by :func:`discover`, so adding a file
with ``@tidy("name")`` functions is all it takes to add loaders.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from functools import cache, partial
from pathlib import Path

import pandas as pd

Loader = Callable[[Path], pd.DataFrame]
TIDY_LOADERS: dict[str, Loader] = {}


def tidy(name: str) -> Callable[[Loader], Loader]:
    """Register the decorated function as the tidy loader of dataset ``name``."""

    def register(func: Loader) -> Loader:
        if name in TIDY_LOADERS and TIDY_LOADERS[name] is not func:
            raise RuntimeError(f"Two tidy loaders are registered for {name!r}.")
        TIDY_LOADERS[name] = func
        return func

    return register


def _mapped(raw: pd.Series, mapping: dict[str, str], what: str, file: Path) -> pd.Series:
    """``raw`` relabelled by ``mapping``; a ValueError names any ``what`` label it lacks."""
    unknown = sorted(set(raw.dropna()) - set(mapping))
    if unknown:
        raise ValueError(f"{file.name} has {what} labels the loader does not know: {unknown}")
    return raw.map(mapping).astype("string")


def _alias(module: str, name: str, read: Loader, doc: str) -> Loader:
    """Register and return loader ``name`` of ``module``: ``read``, under its own name and doc.

    For datasets whose files one reader reads alike; the loader is a function of
    ``module`` for the reference pages, as if written there.
    """

    def load(file: Path) -> pd.DataFrame:
        return read(file)

    load.__name__ = load.__qualname__ = name
    load.__module__ = module
    load.__doc__ = doc
    return tidy(name)(load)


def _tidy_periods(files: Mapping[str, str], read: Callable[..., pd.DataFrame], doc: str) -> None:
    """Register one loader per ``name -> year`` of ``files``, each ``read(file, year=year)``.

    For a series of files read alike, one a (financial) year; ``doc`` is each
    loader's docstring, with ``{year}`` where its year goes.
    """
    for name, year in files.items():
        _alias(read.__module__, name, partial(read, year=year), doc.format(year=year))


@cache
def discover() -> dict[str, Loader]:
    """Import every loader submodule once; return the registry of loaders."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return TIDY_LOADERS


#: The columns of the transcribed published-figures files (one figure a row, with its source).
PUBLISHED_FIGURE_COLUMNS = [
    "provider",
    "area",
    "measure",
    "period",
    "value",
    "unit",
    "source_title",
    "source_address",
    "source_location",
    "note",
]


def require_columns(frame: pd.DataFrame, columns: list[str], file: Path) -> None:
    """Raise ValueError if the published file lacks any of ``columns``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{file.name} lacks the columns {missing}; it has {list(frame.columns)}")


def numeric(series: pd.Series, frame: pd.DataFrame) -> pd.Series:
    """Convert to numbers; count text that is not a number (suppression codes) as suppressed.

    The count is added to ``frame.attrs["suppressed"]`` of the frame being built.
    """
    converted = pd.to_numeric(series, errors="coerce")
    newly_missing = int((converted.isna() & series.notna()).sum())
    frame.attrs["suppressed"] = frame.attrs.get("suppressed", 0) + newly_missing
    return converted
