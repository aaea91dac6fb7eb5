"""Severity follows impact (`diagnose/severity.py`): the rule at each of its boundaries, and through the engine.

The engine tests fail on a build where a playbook's severity is reported whatever the impact: a trickle of
Lambda errors in a healthy stage was `high` and failed `--fail-on medium`.
"""

from __future__ import annotations

from typing import Any

import pytest

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.loader import load_playbooks
from apigwops.diagnose.severity import AlarmLevels, Impact, over_alarm, scale
from tests.builders.stage import ONSET_MINUTE, healthy

LEVELS = AlarmLevels()
PLAYBOOKS = load_playbooks()


def errors(count: int, requests: int = 10_000, peak: int = 1, *, rose: bool = False) -> Impact:
    return Impact("5xx", count, requests, peak, rose)


def test_a_trickle_reads_as_the_issue_says() -> None:
    judged = scale("high", errors(5, 5812, 1), LEVELS)
    assert (judged.severity, judged.level) == ("low", "trickle")
    assert judged.detail == (
        "5 errors in 5,812 requests (0.09%); 1 per 5 min at peak, alarm level 10; no rise from the baseline; "
        "severity low (high at full impact)"
    )


def test_a_trickle_of_a_minor_cause_is_info() -> None:
    assert scale("low", errors(5), LEVELS).severity == "info"
    assert scale("medium", errors(5), LEVELS).severity == "low"


@pytest.mark.parametrize(
    ("peak", "level"), [(10, "trickle"), (11, "full")]
)  # 5XXError > 10 in 5 min alarms; 10 does not
def test_the_5xx_alarm_level_is_a_strict_threshold(peak: int, level: str) -> None:
    assert scale("critical", errors(peak, 100_000, peak), LEVELS).level == level


@pytest.mark.parametrize(("peak", "level"), [(100, "trickle"), (101, "full")])
def test_the_4xx_alarm_level_is_100(peak: int, level: str) -> None:
    assert scale("high", Impact("4xx", peak, 1_000_000, peak, False), LEVELS).level == level


@pytest.mark.parametrize(
    ("count", "severity"),
    [(500, "critical"), (499, "medium"), (100, "medium"), (99, "low")],  # 5% full, 1% partial, below: trickle
)
def test_share_of_all_traffic_sets_the_level_under_the_alarm(count: int, severity: str) -> None:
    assert scale("critical", errors(count, 10_000, 1), LEVELS).severity == severity


def test_a_rise_from_the_baseline_is_partial_impact_capped_at_medium() -> None:
    assert scale("critical", errors(3, rose=True), LEVELS).severity == "medium"
    assert scale("low", errors(3, rose=True), LEVELS).severity == "low"  # the cap never raises
    assert "rose from the baseline" in scale("critical", errors(3, rose=True), LEVELS).detail


@pytest.mark.parametrize(
    ("p99", "integration", "above"),
    [(3000, None, False), (3001, None, True), (100, 2000, False), (100, 2001, True), (None, None, False)],
)
def test_latency_is_judged_by_the_p99_and_integration_alarms(
    p99: float | None, integration: float | None, above: bool
) -> None:
    impact = Impact("latency", 10, 100_000, 0, False, p99_ms=p99, integration_p99_ms=integration)
    assert over_alarm(impact, LEVELS) is above


def test_levels_can_be_overridden_by_their_documented_names() -> None:
    strict = LEVELS.with_overrides({"5xx-per-5min": 0})
    assert scale("high", errors(1), strict).severity == "high"
    assert scale("high", errors(1), LEVELS).severity == "low"


def test_a_healthy_stage_with_background_lambda_errors_does_not_page() -> None:
    stage = healthy(count=6000)
    stage.traffic(
        5,
        status=502,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_error="Lambda Customer Function Error:boom",
    )
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert (top.id, top.count, top.severity) == ("lambda-function-error", 5, "low")
    assert report.triage.onset is None
    assert report.exit_code("medium") == 0
    assert report.exit_code("low") == 1  # still listed: the user asked for a diagnosis
    assert top.evidence[-1].source == "impact"
    assert top.evidence[-1].detail.startswith("5 errors in 6,005 requests (0.08%); 1 per 5 min at peak")


def test_the_same_cause_at_incident_size_keeps_its_playbook_severity() -> None:
    stage = healthy(count=6000)
    stage.traffic(
        200,
        status=502,
        start=ONSET_MINUTE,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_error="Lambda Customer Function Error:boom",
    )
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert (top.id, top.severity) == ("lambda-function-error", "high")
    assert "(above)" in top.evidence[-1].detail
    assert report.exit_code("medium") == 1


WS_LAMBDA_ERROR = {
    "status": 500,
    "error_message": "Internal server error",
    "integration_error": "Lambda Customer Function Error:KeyError: 'room'",
}


def _ws_stage_with_failing_messages(count: int, *, start_minute: float, spacing: float) -> Any:
    from tests.builders.websocket import WsStage

    ws = WsStage().healthy(sessions=600)  # 600 connections of 5 events each: 3,000 events in 30 minutes
    for i in range(count):
        ws.session(start_minute + i * spacing, messages=1, message=WS_LAMBDA_ERROR)
    return ws.build()


def test_a_trickle_of_failing_websocket_messages_does_not_page() -> None:
    report = diagnose(_ws_stage_with_failing_messages(3, start_minute=3, spacing=11), playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert (top.id, top.count, top.severity) == ("lambda-function-error", 3, "low")
    assert report.exit_code("medium") == 0
    assert top.evidence[-1].source == "impact"
    assert top.evidence[-1].detail.startswith("3 errors in 3,009 events (0.10%); 1 per 5 min at peak")


def test_the_same_websocket_cause_as_an_incident_keeps_its_severity() -> None:
    evidence = _ws_stage_with_failing_messages(200, start_minute=ONSET_MINUTE, spacing=0.05)
    report = diagnose(evidence, playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert (top.id, top.severity) == ("lambda-function-error", "high")
    assert "(above)" in top.evidence[-1].detail
    assert report.exit_code("medium") == 1
