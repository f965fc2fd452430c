"""Dump every glued value of every executed chapter, to compare two builds.

Run after a build: ``python book/glue_values.py _build/jupyter_execute > glue.json``.
Each glued value (myst-nb keeps them in ``NAME.glue.json``) is keyed ``chapter::name``; its text (``text/plain``, else
``text/markdown`` or ``text/html``) is kept, and an image is kept as its kind only,
since a figure's bytes may differ between builds without any number changing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TEXT_KINDS = ("text/plain", "text/markdown", "text/html")


def glued_values(root: Path) -> dict[str, str]:
    """Return ``{"chapter::name": text}`` for every glued value below ``root``.

    myst-nb writes each executed notebook's glued outputs to ``NAME.glue.json``
    beside it.
    """
    values: dict[str, str] = {}
    for store in sorted(root.rglob("*.glue.json")):
        chapter = store.relative_to(root).as_posix().removesuffix(".glue.json")
        for name, output in json.loads(store.read_text(encoding="utf-8")).items():
            data = {k.rsplit("/", 2)[-2] + "/" + k.rsplit("/", 1)[-1]: v for k, v in output["data"].items()}
            kind = next((k for k in TEXT_KINDS if k in data), None)
            text = "".join(data[kind]) if kind else "<" + ",".join(sorted(data)) + ">"
            values[f"{chapter}::{name}"] = text
    return values


if __name__ == "__main__":
    json.dump(glued_values(Path(sys.argv[1])), sys.stdout, indent=1, sort_keys=True)
    print()
