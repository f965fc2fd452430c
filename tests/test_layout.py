"""The library's layers, checked by reading every module's imports.

The rules (see the "One house" layout in the README): the data layer imports no
method or service; methods import no service, guide or simulation; a service
never imports another service; results and report import nothing of ours but
each other (``keywords``, the library's vocabulary, sits in the results layer
and imports nothing of ours when it loads); no module is longer than 800 lines;
one class is called ``Design``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from evaluation import METHODS

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "evaluation"
MAX_LINES = 800


def _layer(module: str) -> str:
    """The layer of a dotted module name below ``evaluation``."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    if top in METHODS:
        return "method"
    return {"results": "results", "keywords": "results", "report": "report", "data": "data",
            "services": "service", "guide": "guide", "simulate": "simulate", "cli": "cli",
            "__main__": "cli", "": "package"}.get(top, "other")  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "catalogue" in path.parts:
            continue
        parts = ("evaluation", *path.relative_to(PACKAGE).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every ``evaluation...`` module a file imports, at any depth (lazy imports count too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("evaluation")
        ):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                names.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("evaluation")}
    return names


ALLOWED = {
    "results": {"results"},
    "report": {"results", "report"},
    "data": {"results", "data"},
    "method": {"results", "report", "method"},
    "service": {"results", "report", "method", "data", "service"},
    "guide": {"results", "report", "method", "data", "guide", "package"},
    "simulate": {"results", "report", "method", "simulate"},
}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) in ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(module: str) -> None:
    layer = _layer(module)
    bad = sorted(i for i in _imports(MODULES[module]) if _layer(i) not in ALLOWED[layer])
    assert not bad, f"{module} ({layer}) imports {bad}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) == "service"))
def test_a_service_never_imports_another_service(module: str) -> None:
    others = {i for i in _imports(MODULES[module]) if _layer(i) == "service" and i != module}
    assert others <= {"evaluation.services"}, f"{module} imports {sorted(others)}"


def test_no_module_is_longer_than_800_lines() -> None:
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_one_class_is_called_design() -> None:
    where = [
        m
        for m, p in MODULES.items()
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name.lstrip("_") == "Design"
    ]
    assert len(where) == 1, f"classes called Design: {where}"


def test_the_rules_see_every_module() -> None:
    layers = {_layer(m) for m in MODULES}
    assert "other" not in layers, [m for m in MODULES if _layer(m) == "other"]
    assert len(MODULES) > 60
