"""Guidance for a new review.

Which design fits (the decision guide) and a review notebook scaffold.
"""

from __future__ import annotations

from typing import Protocol, TypeVar


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


_Record = TypeVar("_Record", bound=_Keyed)


def _by_key(*records: _Record) -> dict[str, _Record]:
    """A register of records by their ``key``, in the order given; a repeated key is an error."""
    register = {record.key: record for record in records}
    if len(register) != len(records):
        raise ValueError("Two records share a key.")
    return register
