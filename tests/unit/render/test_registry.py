"""The render registry: AWS-CLI text, one renderer per (kind, format), no format branches left in the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from apigwops.errors import UsageError
from apigwops.render import Result, formats_for, render
from apigwops.render.text import to_text
from apigwops.runtime import OutputFormat, Runtime

CLI = Path(__file__).parents[3] / "src" / "apigwops" / "cli"


def test_text_follows_the_aws_cli_layout() -> None:
    """Shapes as awscli/text.py prints them: scalars sorted by key, nested under KEY, list of dicts as rows."""
    doc = {
        "region": "us-east-1",
        "total": 3.5,
        "tags": ["a", "b"],
        "components": [{"name": "requests", "usd": 3.5}, {"name": "cache", "note": None}],
        "prices": {"date": "2026-01-01", "origin": "snapshot"},
    }
    assert to_text(doc).splitlines() == [
        "us-east-1\t3.5",
        "COMPONENTS\trequests\t\t3.5",  # columns: the union of scalar keys, sorted (name, note, usd)
        "COMPONENTS\tcache\tNone\t",
        "PRICES\t2026-01-01\tsnapshot",
        "TAGS\ta",
        "TAGS\tb",
    ]
    assert to_text(["x", 1, True]) == "x\t1\tTrue"
    assert to_text([]) == ""


def test_generic_formats_apply_to_every_kind_and_query_results() -> None:
    for kind in ("diagnose", "cost.estimate", "loadtest", "some.new.kind"):
        assert {OutputFormat.json, OutputFormat.yaml, OutputFormat.text} <= set(formats_for(kind))
    assert OutputFormat.csv in formats_for("cost.estimate")
    assert OutputFormat.csv not in formats_for("diagnose")
    queried = formats_for("diagnose", queried=True)
    assert OutputFormat.table in queried
    assert OutputFormat.csv in queried
    assert OutputFormat.markdown not in queried


def test_unavailable_format_names_the_command_and_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    runtime = Runtime(output=OutputFormat.csv)
    with pytest.raises(
        UsageError, match=r"--output csv is not available for diagnose; choose one of: .*json"
    ):
        render(runtime, Result("diagnose", {"findings": []}))
    assert capsys.readouterr().out == ""


def test_query_then_render(capsys: pytest.CaptureFixture[str]) -> None:
    runtime = Runtime(output=OutputFormat.text, query="findings[].id")
    render(runtime, Result("diagnose", {"findings": [{"id": "a"}, {"id": "b"}]}))
    assert capsys.readouterr().out == "a\tb\n"


def test_no_cli_command_branches_on_the_output_format() -> None:
    """Every `runtime.output == ...` belongs in a renderer; the commands only build results.

    `context.py` is exempt: it is where the format is chosen (and checked) for every command.
    """
    offenders = []
    for path in sorted(p for p in CLI.glob("*.py") if p.name != "context.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                names = [n for n in (node.left, *node.comparators) if isinstance(n, ast.Attribute)]
                if any(n.attr == "output" for n in names):
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
