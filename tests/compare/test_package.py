"""The examples in evaluation.compare's docstrings run (doctest)."""

from __future__ import annotations

import matplotlib

from evaluation import compare

matplotlib.use("Agg")


def test_performance_doctests() -> None:
    import doctest

    result = doctest.testmod(compare, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
