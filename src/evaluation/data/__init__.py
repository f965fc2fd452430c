"""The data layer.

The registry and its checksums, council geography, tidy loaders and the
provider-performance standard; and :func:`~evaluation.data.records.scan`, which reads a registered
dataset, or any Parquet or CSV file, glob or partitioned folder, as a DuckDB
relation without pandas (:mod:`evaluation.data.records`).

Nothing here imports a method or a service module.
"""

from evaluation.data.records import scan

__all__ = ["scan"]
