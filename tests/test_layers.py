"""What may import what (docs/architecture.md), read from the source, and no import cycles.

Every import counts: at the top, inside functions, and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "wallboard"

# Each layer and the layers it may import (its own modules always).
SHARED = {"wallboard.events", "wallboard.figures", "wallboard.zones"}
RULES: dict[str, set[str]] = {
    "wallboard.events": set(),
    "wallboard.figures": set(),
    "wallboard.zones": set(),
    "wallboard.compare": set(),
    "wallboard.process": set(),
    "wallboard.local_http": set(),
    "wallboard.staffing": set(),
    "wallboard.normal": set(),
    "wallboard.surge": {"wallboard.normal"},
    "wallboard.alerting": {"wallboard.figures"},
    "wallboard.batch": {"wallboard.events"},
    "wallboard.engine": SHARED,
    "wallboard.store": {"wallboard.events"},
    "wallboard.history": SHARED | {"wallboard.engine", "wallboard.store"},
    "wallboard.service": SHARED | {"wallboard.engine", "wallboard.store", "wallboard.history",
                                   "wallboard.staffing", "wallboard.normal", "wallboard.surge",
                                   "wallboard.alerting"},
    "wallboard.connectors": SHARED,
    "wallboard.api": SHARED | {"wallboard.batch", "wallboard.service", "wallboard.connectors"},
    # Beyond one machine: servers of the tests' and the demo's own, and the roles on them
    "wallboard.local_nats": {"wallboard.process"},
    "wallboard.local_postgres": {"wallboard.process"},
    "wallboard.cluster": SHARED | {"wallboard.engine", "wallboard.store", "wallboard.service",
                                   "wallboard.alerting"},
    "wallboard.sim": SHARED,
    "wallboard.sim_driver": SHARED | {"wallboard.sim"},
    "wallboard.demo": SHARED | {"wallboard.service", "wallboard.process", "wallboard.sim",
                                "wallboard.sim_driver"},
    "wallboard.cluster_demo": SHARED | {"wallboard.service", "wallboard.process",
                                        "wallboard.sim", "wallboard.sim_driver",
                                        "wallboard.demo", "wallboard.local_nats",
                                        "wallboard.local_postgres"},
    "wallboard.chatwoot_sync": SHARED | {"wallboard.connectors"},
    "wallboard.sim_chatwoot": SHARED | {"wallboard.connectors"},
    "wallboard.cli": SHARED | {"wallboard.service", "wallboard.api", "wallboard.process",
                               "wallboard.chatwoot_sync",
                               "wallboard.sim", "wallboard.sim_driver", "wallboard.demo",
                               "wallboard.staffing", "wallboard.cluster",
                               "wallboard.cluster_demo"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The modules of ours that ``name`` imports (a submodule rather than its package when
    ``from package import submodule`` names one)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return {m for m in found if m == "wallboard" or m.startswith("wallboard.")}


def layer_of(name: str) -> str:
    for layer in sorted(RULES, key=len, reverse=True):
        if name == layer or name.startswith(layer + "."):
            return layer
    raise AssertionError(f"{name} belongs to no layer: add it to RULES and the docs")


def test_every_module_belongs_to_a_layer() -> None:
    for name in MODULES:
        if name != "wallboard":
            layer_of(name)


@pytest.mark.parametrize("name", [m for m in MODULES if m != "wallboard"])
def test_a_module_imports_only_what_its_layer_may(name: str) -> None:
    layer = layer_of(name)
    allowed = RULES[layer] | {layer}
    wrong = sorted(m for m in imports_of(name) if layer_of(m) not in allowed)
    assert wrong == [], f"{name} ({layer}) may not import {wrong}"


def test_there_is_no_import_cycle() -> None:
    graph = {name: imports_of(name) - {name} for name in MODULES}
    # A package's __init__ imports its modules; a module importing a name of its own package
    # would cycle through it: that is a cycle too.
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> None:
        if node in path:
            cycle = [*path[path.index(node):], node]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if node in done:
            return
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        path.pop()
        done.add(node)

    for name in sorted(graph):
        visit(name)
