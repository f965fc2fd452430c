"""Every module's docstring examples run, as a reader would paste them.

Each public and private module of ``evaluation`` is collected with :mod:`doctest`;
a module whose examples fail, or that lost all its examples, fails here. Examples
that need the data folder are marked ``# doctest: +SKIP`` in the docstring.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import matplotlib
import pytest

import evaluation

matplotlib.use("Agg")

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(evaluation.__path__, "evaluation.")
    if not info.name.endswith("__main__")
) + ["evaluation"]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"


def test_most_public_modules_have_examples() -> None:
    """The package, and each method module, show at least one example."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    for name in ["evaluation", "evaluation.did", "evaluation.synth", "evaluation.its",
                 "evaluation.rdd", "evaluation.matching", "evaluation.panel", "evaluation.meta",
                 "evaluation.compare", "evaluation.markets", "evaluation.contracts",
                 "evaluation.power", "evaluation.vfm"]:  # fmt: skip
        examples = sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
        assert examples > 0, f"{name} has no docstring example"
