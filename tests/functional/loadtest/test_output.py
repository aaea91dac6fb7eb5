"""`loadtest check` renders a saved run as a table, markdown or JSON (data on stdout, nothing else there)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.unit.loadtest.test_cpu_and_reports import _report

from apigwops.loadtest.reports import write_reports


def test_check_output_formats(tmp_path: Path) -> None:
    write_reports(_report(["p95<100ms"]), tmp_path)
    table = run_cli("-o", "table", "loadtest", "check", str(tmp_path), "--slo", "p95<1s", "--slo", "rps>1000")
    assert table.exit_code == 1
    assert "FAILED" in table.stdout
    assert "p95<1s" in table.stdout
    assert "400 ms" in table.stdout
    markdown = run_cli("-o", "markdown", "loadtest", "check", str(tmp_path), "--slo", "p95<1s")
    assert markdown.exit_code == 0
    assert markdown.stdout.startswith("## Load test")
    assert "| `p95<1s` | 400 ms | pass |" in markdown.stdout
    as_json = run_cli("loadtest", "check", str(tmp_path), "--exclude-ramp", "--slo", "p95<100ms")
    assert as_json.exit_code == 0
    data = json.loads(as_json.stdout)
    assert data["judged_on"] == "steady"
    assert data["slos"][0]["actual"] == 5.0


def test_github_step_summary_is_appended(tmp_path: Path) -> None:
    write_reports(_report(["p95<100ms"]), tmp_path / "run")
    summary_file = tmp_path / "step-summary.md"
    summary_file.write_text("earlier step\n")
    result = run_cli(
        "loadtest",
        "check",
        str(tmp_path / "run"),
        "--slo",
        "p95<1s",
        env={"GITHUB_STEP_SUMMARY": str(summary_file)},
    )
    assert result.exit_code == 0
    text = summary_file.read_text()
    assert text.startswith("earlier step\n## Load test")
    assert "`p95<1s`" in text


def test_check_cloudwatch_needs_a_stage(tmp_path: Path) -> None:
    write_reports(_report([]), tmp_path)  # a --url run: no API, no stage
    result = run_cli("loadtest", "check", str(tmp_path), "--cloudwatch")
    assert result.exit_code == 2
    assert "--api/--stage" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_scenarios_are_listed_and_shipped() -> None:
    from apigwops.loadtest.scenarios import SCENARIOS, resolve

    result = run_cli("loadtest", "scenarios")
    assert result.exit_code == 0
    for name in SCENARIOS:
        assert name in result.stdout
        path, scenario = resolve(name)
        assert path.is_file()
        assert scenario is not None
        assert "from apigwops_plugin import" in path.read_text()


def test_table_shows_bracketed_text_literally(tmp_path: Path) -> None:
    """Payloads and details are untrusted text: rich must not read '[red]' as markup and drop it."""
    write_reports(_report([]), tmp_path)
    data = json.loads((tmp_path / "summary.json").read_text())
    data["checks"] = [
        {"id": "waf-probe", "passed": False, "detail": "sqli [red]x[/red] got through", "data": {}}
    ]
    (tmp_path / "summary.json").write_text(json.dumps(data))
    result = run_cli("-o", "table", "loadtest", "check", str(tmp_path))
    assert result.exit_code == 1
    assert "[red]x[/red]" in result.stdout
