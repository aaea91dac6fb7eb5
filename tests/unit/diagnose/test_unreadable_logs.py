"""Logs apigwops could not read are said as such; the stage is judged from its metrics (issue 13)."""

from __future__ import annotations

import json

import pytest

from apigwops.diagnose.engine import diagnose
from apigwops.model import Check, Evidence
from tests.builders.stage import Stage

DIMS = "ApiName=user-api,Stage=prod"
DENIED = "AccessDenied: logs:FilterLogEvents"


def _stage(errors_per_minute: float, *, checks: list[Check]) -> Evidence:
    stage = Stage()
    for minute in range(30):
        stage.metric("AWS/ApiGateway", "Count", 1000, minute=minute, dims=DIMS)
        stage.metric("AWS/ApiGateway", "5XXError", errors_per_minute, minute=minute, dims=DIMS)
        stage.metric("AWS/ApiGateway", "4XXError", 0, minute=minute, dims=DIMS)
    stage.checks = checks
    return stage.build()


def _denied(check_id: str) -> Check:
    return Check(check_id, "skipped", DENIED, {"call": "logs:FilterLogEvents"})


def test_denied_logs_on_a_failing_stage_are_a_finding_not_a_logging_fix() -> None:
    evidence = _stage(240, checks=[_denied("access-logs"), _denied("execution-logs"), Check("metrics", "ok")])
    report = diagnose(evidence)
    ids = [f.id for f in report.findings]
    assert ids == ["logs-unreadable"]
    assert report.exit_code("medium") == 1
    assert report.findings[0].count == 240 * 30
    document = json.dumps(report.as_json())
    assert "access-log format" not in document
    assert report.blind_spots[:2] == [
        f"access logs could not be read ({DENIED}): failures were judged from the metrics and sources that "
        "could be read; the stage's logging settings were not judged",
        f"execution logs could not be read ({DENIED}): failures were judged from the metrics and sources that "
        "could be read; the stage's logging settings were not judged",
    ]


def test_a_trickle_of_errors_with_denied_logs_stays_exit_0() -> None:
    evidence = _stage(
        2, checks=[_denied("access-logs"), Check("execution-logs", "ok"), Check("metrics", "ok")]
    )
    report = diagnose(evidence)
    assert "logs-unreadable" not in [f.id for f in report.findings]
    assert report.exit_code("medium") == 0


@pytest.mark.parametrize(
    "check",
    [
        Check(
            "access-logs",
            "skipped",
            "the log group does not exist yet (nothing was logged, or logging was never set up)",
        ),
        Check("access-logs", "skipped", "access logging is off for this stage"),
    ],
)
def test_logs_the_stage_does_not_write_are_still_its_blind_spot(check: Check) -> None:
    """No `call` in the check: the stage's logging is the cause, so the logging fix stays."""
    report = diagnose(_stage(240, checks=[check, Check("execution-logs", "ok"), Check("metrics", "ok")]))
    ids = [f.id for f in report.findings]
    assert "logs-unreadable" not in ids
    assert "logging-blind-spot" in ids
    assert any("set the stage's access-log format" in spot for spot in report.blind_spots)
