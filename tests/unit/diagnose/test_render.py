"""Renderers: sparklines scale, markdown survives hostile text, the table keeps bracketed text."""

from __future__ import annotations

import io

from rich.console import Console

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.loader import load_playbooks
from apigwops.render.diagnose_markdown import to_markdown
from apigwops.render.diagnose_table import render_table
from apigwops.render.sparkline import sparkline
from tests.builders.stage import ONSET_MINUTE, healthy

PLAYBOOKS = load_playbooks()


def test_sparkline_scales_from_floor_to_max_and_marks_gaps() -> None:
    assert sparkline([0, 0.5, 1.0]) == "▁▅█"
    assert sparkline([None, 2, 2]) == " ██"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([]) == ""
    assert sparkline([None, None]) == "  "


def _hostile_report() -> dict[str, object]:
    stage = healthy()
    stage.traffic(
        40,
        status=502,
        start=ONSET_MINUTE,
        error_type="INTEGRATION_FAILURE",
        integration_error="Lambda Customer Function Error:bad | value\n## injected [red]x[/red] ```",
    )
    return diagnose(stage.build(), playbooks=PLAYBOOKS).as_json()


def test_markdown_keeps_untrusted_text_inside_its_line_and_cells() -> None:
    text = to_markdown(_hostile_report())
    assert "\n## injected" not in text
    assert "bad | value ## injected" in text  # evidence line: newline flattened
    for line in text.splitlines():
        if line.startswith("| ") and "GET /orders" in line:
            assert line.count(" | ") == 4  # routes table row keeps its 5 cells
    assert not any(line.startswith("```") and line != "```sh" and line != "```" for line in text.splitlines())


def test_table_prints_bracketed_text_verbatim() -> None:
    buffer = io.StringIO()
    render_table(_hostile_report(), Console(file=buffer, width=160, no_color=True))
    out = buffer.getvalue()
    assert "[red]x[/red]" in out
    assert "lambda-function-error" in out
    assert "▁" in out


def test_healthy_markdown_says_no_findings() -> None:
    text = to_markdown(diagnose(healthy().build(), playbooks=PLAYBOOKS).as_json())
    assert "No findings" in text
    assert "| access-logs | ok |  |" in text
