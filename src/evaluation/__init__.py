"""evaluation: methods and data for evaluating public service markets.

The library under the handbook *Evaluating public service markets*. The method
modules are its public face, each one design or job: :mod:`~evaluation.did`,
:mod:`~evaluation.synth`, :mod:`~evaluation.its`, :mod:`~evaluation.rdd`,
:mod:`~evaluation.matching`, :mod:`~evaluation.panel`, :mod:`~evaluation.meta`,
:mod:`~evaluation.compare`, :mod:`~evaluation.markets`, :mod:`~evaluation.contracts`,
:mod:`~evaluation.power`, :mod:`~evaluation.vfm` and :mod:`~evaluation.disclosure`
(checking outputs before they leave a secure environment). Every estimator takes a tidy
DataFrame and column names and returns an immutable
:class:`~evaluation.results.Result` with ``estimate``, ``se``, ``ci_low``, ``ci_high``,
``p_value``, ``n_obs``, ``tidy()`` and ``summary()``.

The layers below them: :mod:`evaluation.data` (the registry, geography, loaders and
the provider-performance standard), :mod:`evaluation.services` (panel builders for
the four services), :mod:`evaluation.guide` (the decision guide and the review
scaffold), :mod:`evaluation.report` (house style and chapter tables) and
:mod:`evaluation.simulate` (seeded generators with a known truth). The keyword
arguments mean the same everywhere: :mod:`evaluation.keywords` lists each name
with its one meaning.

Modules load when first used, so ``import evaluation`` is quick.

Examples
--------
>>> import evaluation as ev
>>> ev.catalog()["name"].is_unique
True
>>> ev.did.two_by_two.__name__
'two_by_two'
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("evaluation")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"

if TYPE_CHECKING:
    from evaluation import (
        cells,
        compare,
        contracts,
        data,
        did,
        disclosure,
        guide,
        its,
        keywords,
        markets,
        matching,
        meta,
        panel,
        power,
        rdd,
        report,
        results,
        services,
        simulate,
        synth,
        vfm,
    )
    from evaluation.data.registry import catalog, load
    from evaluation.results import Result

#: The method modules, the public face of the library.
METHODS = ("did", "synth", "its", "rdd", "matching", "panel", "meta", "compare", "markets",
           "contracts", "power", "vfm", "disclosure", "cells")  # fmt: skip
_LAYERS = ("data", "services", "guide", "report", "simulate", "results", "keywords")
_NAMES = {"load": "evaluation.data.registry", "catalog": "evaluation.data.registry",
          "Result": "evaluation.results"}  # fmt: skip

__all__ = [
    "METHODS", "Result", "__version__", "catalog", "load",
    "did", "synth", "its", "rdd", "matching", "panel", "meta", "compare", "markets",
    "contracts", "power", "vfm", "disclosure", "cells", "data", "services", "guide", "report",
    "simulate", "results", "keywords",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    """Import a method module, a layer or a public name the first time it is used."""
    if name in METHODS or name in _LAYERS:
        return importlib.import_module(f"evaluation.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'evaluation' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
