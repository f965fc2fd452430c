"""Dump every glued value of every executed chapter, to compare two builds.

Run after a build: ``python book/glue_values.py _build/jupyter_execute > glue.json``.
myst-nb keeps each notebook's glued outputs in ``NAME.glue.json``; each value is
keyed ``chapter::name`` and kept as text (``text/plain``, else ``text/markdown``
or ``text/html``). An image is kept as its kind only, since a figure's bytes may
differ between builds without any number changing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TEXT_KINDS = ("text/plain", "text/markdown", "text/html")


def _kind(mime: str) -> str:
    """``application/papermill.record/text/plain`` -> ``text/plain``."""
    return "/".join(mime.split("/")[-2:])


def glued_values(root: Path) -> dict[str, str]:
    """Return ``{"chapter::name": text}`` for every glued value below ``root``."""
    values: dict[str, str] = {}
    for store in sorted(root.rglob("*.glue.json")):
        chapter = store.relative_to(root).as_posix().removesuffix(".glue.json")
        for name, output in json.loads(store.read_text(encoding="utf-8")).items():
            data = {_kind(mime): value for mime, value in output["data"].items()}
            kind = next((k for k in TEXT_KINDS if k in data), None)
            text = "".join(data[kind]) if kind else "<" + ",".join(sorted(data)) + ">"
            values[f"{chapter}::{name}"] = text
    return values


if __name__ == "__main__":
    json.dump(glued_values(Path(sys.argv[1])), sys.stdout, indent=1, sort_keys=True)
    print()
