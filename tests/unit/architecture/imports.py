"""The import graph of a package, read from the source (AST, no import runs), and the two rules it must keep.

Every import counts: top-level, inside functions, and under `if TYPE_CHECKING:` (a circle hidden there is
still a circle for a reader). Importing `a.b.c` is an arrow to `a.b.c` only, not to its parent packages.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from pathlib import Path

Graph = Mapping[str, frozenset[str]]
# (layer name, module prefixes), top layer first; "=name" names one module only (e.g. the package's __init__)
Layers = Sequence[tuple[str, Sequence[str]]]


def module_imports(src: Path, package: str) -> dict[str, frozenset[str]]:
    """Module name -> the modules of `package` it imports, for every .py file under `src/package`."""
    files: dict[str, Path] = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, frozenset[str]] = {}
    for module, path in files.items():
        here = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                # `from a import b` imports the module a.b when there is one, else a name of a
                names = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                    for alias in node.names
                ]
            else:
                continue
            for name in names:
                if name == package or name.startswith(package + "."):
                    target = known(name)
                    if target and target != module:
                        targets.add(target)
        graph[module] = frozenset(targets)
    return graph


def find_cycles(graph: Graph) -> list[list[str]]:
    """The import circles: strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def layer_of(module: str, layers: Layers) -> int | None:
    """The position (0 = top) of the layer whose longest prefix names the module; None when none does."""
    best: tuple[int, int] | None = None  # (prefix length, layer position)
    for position, (_, prefixes) in enumerate(layers):
        for prefix in prefixes:
            if prefix.startswith("="):
                named = module == prefix[1:]
            else:
                named = module == prefix or module.startswith(prefix + ".")
            if named and (best is None or len(prefix) > best[0]):
                best = (len(prefix), position)
    return best[1] if best else None


def layer_violations(graph: Graph, layers: Layers) -> list[str]:
    """Arrows from a lower layer up to a higher one, and modules no layer names, one line each."""
    problems: list[str] = []
    for module in sorted(graph):
        mine = layer_of(module, layers)
        if mine is None:
            problems.append(f"{module} is in no layer")
            continue
        for target in sorted(graph[module]):
            theirs = layer_of(target, layers)
            if theirs is not None and theirs < mine:
                problems.append(f"{module} ({layers[mine][0]}) imports {target} ({layers[theirs][0]})")
    return problems
