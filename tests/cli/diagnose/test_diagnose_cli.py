"""`apigwops diagnose` in-process: the collector is replaced by synthetic evidence (the seam the brief names),
everything else (option parsing, window, playbooks, engine, renderers, exit codes) is real.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from apigwops.cli import app, run
from apigwops.errors import UsageError
from apigwops.model import Evidence
from tests.builders.stage import ONSET_MINUTE, START, Stage, healthy

SECRET_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtdXNlciJ9.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ"
WINDOW = ["--start", "2026-11-24T01:00:00Z", "--end", "2026-11-24T01:30:00Z"]


def _timeouts() -> Evidence:
    stage = healthy()
    stage.traffic(
        150,
        status=504,
        start=ONSET_MINUTE,
        latency=29010,
        error_type="INTEGRATION_TIMEOUT",
        error_message="Endpoint request timed out",
        exec_log="Execution failed due to a timeout error",
        integration_request_id=None,  # API Gateway got no answer: no integration request id (§15.5)
    )
    return stage.build()


@pytest.fixture
def collected(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace collect_evidence; the test sets `evidence` and reads back the call's arguments."""
    state: dict[str, Any] = {"evidence": healthy().build(), "calls": []}

    def fake_collect(runtime: Any, **kwargs: Any) -> Evidence:
        state["calls"].append(kwargs)
        runtime.progress.step("collecting (fake)")
        return state["evidence"]

    monkeypatch.setattr("apigwops.evidence.collect.collect_evidence", fake_collect)
    return state


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_healthy_stage_exits_0_with_no_findings(collected: dict[str, Any]) -> None:
    result = _invoke("-o", "json", "diagnose", "--api", "user-api", "--stage", "prod", *WINDOW)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {"api", "window", "traffic", "onset", "findings", "checks", "blind_spots", "cost"}
    assert doc["findings"] == []
    assert doc["traffic"]["requests"] == 600
    assert doc["traffic"]["status"] == {"2xx": 600, "4xx": 0, "5xx": 0}
    assert doc["onset"] is None
    call = collected["calls"][0]
    assert call["api"] == "user-api"
    assert call["stage"] == "prod"
    assert call["window"].start == START
    assert call["logs_engine"] == "auto"
    assert "collecting (fake)" in result.stderr


def test_incident_exits_1_and_reports_the_cause_first(collected: dict[str, Any]) -> None:
    collected["evidence"] = _timeouts()
    result = _invoke("-o", "json", "diagnose", "--api", "user-api", "--stage", "prod", *WINDOW)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    top = doc["findings"][0]
    assert top["id"] == "integration-timeout"
    assert top["symptom"] == "504"
    assert top["count"] == 150
    assert top["share"] == 1.0
    assert doc["onset"] == "2026-11-24T01:12:00Z"
    assert doc["cost"] == {"api_calls": 14, "logs_bytes_scanned": 120000000, "usd": 0.0006}


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 0), ("high", 1), ("info", 1)])
def test_fail_on_threshold(collected: dict[str, Any], fail_on: str, code: int) -> None:
    collected["evidence"] = _timeouts()
    result = _invoke("-o", "json", "diagnose", "--api", "a", "--stage", "s", *WINDOW, "--fail-on", fail_on)
    assert result.exit_code == code


def test_fail_on_above_the_worst_finding_exits_0(collected: dict[str, Any]) -> None:
    stage = healthy()
    stage.traffic(
        100,
        status=403,
        start=ONSET_MINUTE,
        error_type="MISSING_AUTHENTICATION_TOKEN",
        error_message="Missing Authentication Token",
    )
    collected["evidence"] = stage.build()
    medium = _invoke("-o", "json", "diagnose", "--api", "a", "--stage", "s", *WINDOW)
    high = _invoke("-o", "json", "diagnose", "--api", "a", "--stage", "s", *WINDOW, "--fail-on", "high")
    assert json.loads(medium.stdout)["findings"][0]["severity"] == "medium"
    assert medium.exit_code == 1
    assert high.exit_code == 0


def _trickle() -> Evidence:
    stage = healthy(count=6000)
    stage.traffic(
        5,
        status=502,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_error="Lambda Customer Function Error:boom",
    )
    return stage.build()


def test_a_trickle_is_listed_low_and_passes_unless_the_alarm_level_says_otherwise(
    collected: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    collected["evidence"] = _trickle()
    base = ["-o", "json", "diagnose", "--api", "a", "--stage", "s", *WINDOW]
    default = _invoke(*base)
    assert default.exit_code == 0, default.output
    top = json.loads(default.stdout)["findings"][0]
    assert (top["id"], top["severity"]) == ("lambda-function-error", "low")
    strict = _invoke(*base, "--alarm-level", "5xx-per-5min=0")
    assert strict.exit_code == 1
    assert json.loads(strict.stdout)["findings"][0]["severity"] == "high"
    (tmp_path / "apigwops.toml").write_text("[diagnose.alarm-levels]\n5xx-per-5min = 0\n")
    assert _invoke(*base).exit_code == 1
    capsys.readouterr()
    assert run([*base, "--alarm-level", "5xx=3"]) == 2
    assert capsys.readouterr().err.startswith("apigwops: error: --alarm-level 5xx: unknown alarm level")


def test_token_reaches_the_collector_but_is_never_printed(collected: dict[str, Any]) -> None:
    stage = healthy()
    stage.traffic(50, status=401, start=ONSET_MINUTE, error_type="UNAUTHORIZED", error_message="Unauthorized")
    collected["evidence"] = stage.build()
    for output in ("json", "table", "markdown"):
        result = _invoke(
            "-o", output, "diagnose", "401", "--api", "a", "--stage", "s", *WINDOW, "--token", SECRET_TOKEN
        )
        assert result.exit_code == 1
        assert SECRET_TOKEN not in result.stdout
        assert SECRET_TOKEN not in result.stderr
        assert SECRET_TOKEN[-12:] not in result.stdout + result.stderr
    assert collected["calls"][0]["token"] == SECRET_TOKEN


def test_symptom_narrows_the_findings(collected: dict[str, Any]) -> None:
    stage = healthy()
    stage.traffic(
        80,
        status=403,
        start=ONSET_MINUTE,
        error_type="WAF_FILTERED",
        error_message="Forbidden",
        waf_response_code="WAF_BLOCK",
    )
    stage.traffic(
        40,
        status=502,
        start=ONSET_MINUTE,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_error="Lambda Customer Function Error:boom",
    )
    collected["evidence"] = stage.build()
    auto = json.loads(_invoke("-o", "json", "diagnose", "--api", "a", "--stage", "s", *WINDOW).stdout)
    only_502 = json.loads(
        _invoke("-o", "json", "diagnose", "502", "--api", "a", "--stage", "s", *WINDOW).stdout
    )
    assert {f["id"] for f in auto["findings"]} == {"waf-block", "lambda-function-error"}
    assert [f["id"] for f in only_502["findings"]] == ["lambda-function-error"]


def test_table_output_has_ranked_findings_and_sparklines(collected: dict[str, Any]) -> None:
    collected["evidence"] = _timeouts()
    result = _invoke("-o", "table", "diagnose", "--api", "a", "--stage", "s", *WINDOW)
    assert result.exit_code == 1
    assert "integration-timeout" in result.stdout
    assert "error rate" in result.stdout
    assert "▁" in result.stdout
    assert "█" in result.stdout
    assert "$ aws lambda get-function-configuration --function-name orders-fn" in result.stdout


def test_untrusted_text_with_brackets_survives_the_table(collected: dict[str, Any]) -> None:
    stage = healthy()
    stage.traffic(
        60,
        status=502,
        start=ONSET_MINUTE,
        error_type="INTEGRATION_FAILURE",
        integration_error="Lambda Customer Function Error:[bold]KeyError[/bold] 'id'",
    )
    collected["evidence"] = stage.build()
    result = _invoke("-o", "table", "diagnose", "--api", "a", "--stage", "s", *WINDOW)
    assert "[bold]KeyError[/bold]" in result.stdout


def test_markdown_output_for_a_ticket(collected: dict[str, Any]) -> None:
    collected["evidence"] = _timeouts()
    result = _invoke("-o", "markdown", "diagnose", "--api", "a", "--stage", "s", *WINDOW)
    assert result.stdout.startswith("## apigwops diagnosis: user-api / prod (REST, us-east-1)")
    assert "| 1 | integration-timeout | high | 504 | 100% | 150 | high |" in result.stdout
    assert "```sh\naws lambda get-function-configuration" in result.stdout


def test_bad_symptom_and_missing_api_are_usage_errors(collected: dict[str, Any]) -> None:
    bad = _invoke("diagnose", "418", "--api", "a", "--stage", "s")
    assert isinstance(bad.exception, UsageError)
    assert "SYMPTOM '418' is not one of" in bad.exception.message
    missing = _invoke("diagnose")
    assert isinstance(missing.exception, UsageError)
    assert "--api and --stage are required" in missing.exception.message
    assert collected["calls"] == []


def test_window_without_data_is_one_line_and_exit_2(
    collected: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    collected["evidence"] = Stage().build()
    code = run(["-o", "json", "diagnose", "--api", "user-api", "--stage", "prod", *WINDOW])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = [line for line in captured.err.splitlines() if line.startswith("apigwops: error:")]
    assert len(lines) == 1
    assert "no data for user-api/prod between 2026-11-24T01:00:00Z and 2026-11-24T01:30:00Z" in lines[0]
    assert "Traceback" not in captured.err


def test_malformed_user_playbook_stops_before_collecting(
    collected: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mine.yaml").write_text(
        "id: mine\ntitle: t\nsymptoms: ['5xx']\nfindings:\n  - id: my-cause\n    title: x\n    symptom: 5xx\n"
        "    severity: urgent\n    match: {field: status, equals: 500}\n    remediation: {text: fix it}\n"
    )
    code = run(["diagnose", "--api", "a", "--stage", "s", "--playbooks", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{tmp_path / 'mine.yaml'}:8: findings.0.severity" in err
    assert collected["calls"] == []


def test_user_playbook_adds_a_finding(collected: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "teapot.yaml").write_text(
        "id: teapot\ntitle: Backend is a teapot\nsymptoms: ['5xx']\nfindings:\n"
        "  - id: backend-teapot\n    title: The backend says it is a teapot\n    symptom: 5xx\n    severity: high\n"
        "    match: {field: integration_error, contains: teapot}\n"
        "    evidence: [{source: access-log, detail: '{matched} requests on {top_route}'}]\n"
        "    remediation: {text: Use a coffee pot., docs: 'https://www.rfc-editor.org/rfc/rfc2324'}\n"
    )
    stage = healthy()
    stage.traffic(30, status=500, start=ONSET_MINUTE, integration_error="I'm a teapot")
    collected["evidence"] = stage.build()
    result = _invoke(
        "-o", "json", "diagnose", "--api", "a", "--stage", "s", *WINDOW, "--playbooks", str(tmp_path)
    )
    top = json.loads(result.stdout)["findings"][0]
    assert top["id"] == "backend-teapot"
    assert top["evidence"][0] == {"source": "access-log", "detail": "30 requests on GET /orders/{id}"}
    assert [e["source"] for e in top["evidence"]] == ["access-log", "impact"]
    assert top["playbook"] == "teapot"


def test_bundle_replays_offline_without_collecting(collected: dict[str, Any], tmp_path: Path) -> None:
    from apigwops.evidence.bundle import write_bundle

    bundle = write_bundle(_timeouts(), tmp_path / "incident", fmt="jsonl")
    result = _invoke("-o", "json", "diagnose", "--bundle", str(bundle))
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["findings"][0]["id"] == "integration-timeout"
    assert collected["calls"] == []


def test_html_report_is_written(collected: dict[str, Any], tmp_path: Path) -> None:
    collected["evidence"] = _timeouts()
    target = tmp_path / "incident.html"
    result = _invoke("-o", "json", "diagnose", "--api", "a", "--stage", "s", *WINDOW, "--report", str(target))
    assert result.exit_code == 1
    assert "integration-timeout" in target.read_text(encoding="utf-8")
