"""Guidance for a new review.

Which design fits (the decision guide) and a review notebook scaffold. Their registers
are data files beside the code: ``designs.toml`` (the designs) and ``scaffold.toml``
(the review templates), each read once when the package loads; a key the record
does not have stops the import with the file, table and key named.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Record = TypeVar("_Record", bound="DataclassInstance")


def _read_register(
    file: str,
    record: type[_Record],
    fields: Callable[[dict[str, Any]], dict[str, Any]] = dict,
    *,
    text: str | None = None,
) -> dict[str, _Record]:
    """The records of ``file``, a TOML register in this package, by key, in the file's order.

    Each top-level table is one record, named by its ``key``; ``fields`` turns the
    table into the record's other fields. ``text`` is read in place of the file (the
    tests give it mistakes). A key the record lacks, a missing field or malformed TOML
    is a ``ValueError`` naming the file and the table.
    """
    if text is None:
        text = resources.files(__name__).joinpath(file).read_text(encoding="utf-8")
    try:
        tables = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{file}: {error}") from None
    known = [f.name for f in dataclasses.fields(record) if f.name != "key"]
    register = {}
    for key, table in tables.items():
        if not isinstance(table, dict):
            raise ValueError(f"{file}: {key!r} must be a table, [{key}].")
        unknown = [name for name in table if name not in known]
        if unknown:
            raise ValueError(
                f"{file}: [{key}] has unknown key {', '.join(map(repr, unknown))}; "
                f"a {record.__name__} has {', '.join(known)}."
            )
        try:
            register[key] = record(key=key, **fields(table))  # type: ignore[call-arg]
        except (TypeError, ValueError) as error:
            raise ValueError(f"{file}: [{key}]: {error}") from None
    return register
