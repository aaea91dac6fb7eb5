"""The sandbox's modules import one another in one direction only: no circle, not even one hidden behind
`TYPE_CHECKING` or inside a function. The pipeline's steps used to be `Pipeline` methods in other files that
imported `Pipeline` back; this keeps them from growing back into it."""

from __future__ import annotations

import ast
from pathlib import Path

import apigwops.sandbox

PACKAGE = "apigwops.sandbox"
ROOT = Path(apigwops.sandbox.__file__).parent


def _module_names() -> set[str]:
    return {f"{PACKAGE}.{path.stem}" for path in ROOT.glob("*.py") if path.stem != "__init__"}


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every sandbox module `path` imports, wherever the import statement is (top level, TYPE_CHECKING, function)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module in modules:
                found.add(node.module)
            elif node.module == PACKAGE:  # from apigwops.sandbox import constants
                found.update(f"{PACKAGE}.{alias.name}" for alias in node.names)
    return found & modules


def import_graph() -> dict[str, set[str]]:
    modules = _module_names()
    return {
        f"{PACKAGE}.{path.stem}": _imports(path, modules)
        for path in ROOT.glob("*.py")
        if path.stem != "__init__"
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_find_cycle_sees_a_circle_and_its_absence() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_sandbox_has_no_import_circle() -> None:
    graph = import_graph()
    assert graph.get(f"{PACKAGE}.pipeline")  # the scan sees real imports
    assert find_cycle(graph) is None


def test_the_pipeline_steps_do_not_know_the_pipeline() -> None:
    graph = import_graph()
    steps = ("authorizer_step", "usage_plan_step", "integration", "waf_step", "responses", "exchange")
    for step in steps:
        assert f"{PACKAGE}.pipeline" not in graph[f"{PACKAGE}.{step}"], step
