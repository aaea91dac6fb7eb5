"""The floor plan holds: no import circle in src/, and arrows only point down (CLI -> core -> model).

The layers below are the ones `docs/architecture.md` draws; a module joining the package must find its place
in them (a module in no layer fails), and an import that points up or closes a circle fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.architecture.imports import find_cycles, layer_violations, module_imports

SRC = Path(__file__).resolve().parents[3] / "src"

# apigwops.demo_oncall, alarms, status, buckets and inputfiles come with branches not merged yet (oncall, trust,
# sweep); they are placed where their imports put them so the merge does not turn this test red by itself.
LAYERS = (
    ("cli", ("apigwops.cli",)),
    ("app", ("apigwops.demo", "apigwops.demo_oncall")),  # commands built from several cores
    ("output", ("apigwops.render", "apigwops.report")),
    (
        "core",
        (
            "apigwops.diagnose",
            "apigwops.cost",
            "apigwops.loadtest",
            "apigwops.sandbox",
            "apigwops.alarms",
            "apigwops.status",
        ),
    ),
    ("evidence", ("apigwops.evidence",)),
    ("runtime", ("apigwops.runtime",)),
    ("aws", ("apigwops.aws",)),
    (
        "ground",
        (
            "=apigwops",  # the package's __init__ (its version), not everything under it
            "apigwops.model",
            "apigwops.apitypes",
            "apigwops.timewindow",
            "apigwops.errors",
            "apigwops.progress",
            "apigwops.resources",
            "apigwops.buckets",
            "apigwops.inputfiles",
            "apigwops.outputfiles",  # battery: --report written whole
            "apigwops.terminal",  # battery: untrusted text escaped for the terminal
            "apigwops.workers",  # battery: the daemon-thread pool (aws.paging and evidence use it)
        ),
    ),
)


@pytest.fixture(scope="module")
def graph() -> dict[str, frozenset[str]]:
    return module_imports(SRC, "apigwops")


def test_the_graph_is_read(graph: dict[str, frozenset[str]]) -> None:
    assert "apigwops.model" in graph
    assert "apigwops.evidence.sources.base" in graph["apigwops.evidence.sources.waf"]
    assert "apigwops.evidence.logs.insights" in graph["apigwops.evidence.logs"]  # a local import counts


def test_no_import_circle(graph: dict[str, frozenset[str]]) -> None:
    assert find_cycles(graph) == []


def test_arrows_only_point_down(graph: dict[str, frozenset[str]]) -> None:
    assert layer_violations(graph, LAYERS) == []


def test_the_ground_floor_imports_only_the_ground_floor(graph: dict[str, frozenset[str]]) -> None:
    assert graph["apigwops.model"] <= {"apigwops.timewindow"}
    assert graph["apigwops.apitypes"] <= {"apigwops.model"}
    assert graph["apigwops.errors"] == frozenset()


# The checker itself, on synthetic cases: it must catch what it is there to catch.


def test_a_circle_is_found_and_a_chain_is_not() -> None:
    chain = {"p.a": frozenset({"p.b"}), "p.b": frozenset({"p.c"}), "p.c": frozenset()}
    assert find_cycles(chain) == []
    circle = {**chain, "p.c": frozenset({"p.a"}), "p.d": frozenset({"p.a"})}
    assert find_cycles(circle) == [["p.a", "p.b", "p.c"]]


def test_an_upward_arrow_and_a_module_in_no_layer_are_reported() -> None:
    layers = (("cli", ("p.cli",)), ("core", ("p.core",)), ("ground", ("p.model",)))
    fine = {
        "p.cli.main": frozenset({"p.core.x", "p.model"}),
        "p.core.x": frozenset({"p.model"}),
        "p.model": frozenset(),
    }
    assert layer_violations(fine, layers) == []
    upward = {**fine, "p.model": frozenset({"p.core.x"}), "p.stray": frozenset()}
    assert layer_violations(upward, layers) == [
        "p.model (ground) imports p.core.x (core)",
        "p.stray is in no layer",
    ]
    rooted = (*layers[:2], ("ground", ("=p", "p.model")))  # "=p" is the package module only
    assert layer_violations({"p": frozenset(), "p.new": frozenset()}, rooted) == ["p.new is in no layer"]


def test_imports_are_read_from_source_in_every_form(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "model.py").write_text("from __future__ import annotations\nimport json\n")
    (package / "sub" / "__init__.py").write_text("from . import leaf\n")
    (package / "sub" / "leaf.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from ..model import X\n"
        "if TYPE_CHECKING:\n    from pkg.sub import other\n"
        "def f():\n    import pkg.cli.main\n"
    )
    (package / "sub" / "other.py").write_text("from pkg.sub.leaf import f\n")
    (package / "cli").mkdir()
    (package / "cli" / "__init__.py").write_text("")
    (package / "cli" / "main.py").write_text("from pkg import model\n")
    graph = module_imports(tmp_path, "pkg")
    assert graph["pkg.sub"] == {"pkg.sub.leaf"}
    assert graph["pkg.sub.leaf"] == {"pkg.model", "pkg.sub.other", "pkg.cli.main"}
    assert graph["pkg.model"] == frozenset()
    assert find_cycles(graph) == [["pkg.sub.leaf", "pkg.sub.other"]]
    layers = (("cli", ("pkg.cli",)), ("sub", ("pkg.sub",)), ("ground", ("pkg", "pkg.model")))
    assert layer_violations(graph, layers) == ["pkg.sub.leaf (sub) imports pkg.cli.main (cli)"]
