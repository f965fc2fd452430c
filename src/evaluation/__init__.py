"""evaluation: methods and data for evaluating public service markets.

The library under the handbook *Evaluating public service markets*. One module
per job; every estimator takes a tidy DataFrame and column names and returns an
immutable result with ``estimate``, ``se``, ``ci_low``, ``ci_high``,
``p_value``, ``n_obs``, ``tidy()`` and ``summary()``.

Examples
--------
>>> import evaluation
>>> evaluation.__version__
'0.1.0'
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("evaluation")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"

__all__ = ["__version__"]
