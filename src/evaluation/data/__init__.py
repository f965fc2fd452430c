"""The data layer.

The registry and its checksums, council geography, tidy loaders and the
provider-performance standard.

Nothing here imports a method or a service module.
"""

from evaluation.data.records import scan

__all__ = ["scan"]
