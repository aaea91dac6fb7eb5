"""Guards for the engine's speed-ups: playbooks see only failing or slow requests, columns are shared with the
evidence (not copied), so a bigger healthy background must not change any finding and the evidence must come
back untouched."""

from __future__ import annotations

import pandas as pd

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.loader import load_playbooks
from tests.builders.stage import ONSET_MINUTE, Stage, healthy

PLAYBOOKS = load_playbooks()


def _incident(background: int) -> Stage:
    stage = healthy(count=background)
    stage.traffic(40, status=504, start=ONSET_MINUTE, latency=29010, error_type="INTEGRATION_TIMEOUT")
    stage.traffic(
        20,
        status=502,
        start=ONSET_MINUTE,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_error="Lambda Customer Function Error:boom",
    )
    stage.traffic(
        15, status=429, start=ONSET_MINUTE, error_type="THROTTLED", error_message="Too Many Requests"
    )
    stage.traffic(80, status=200, start=ONSET_MINUTE, latency=4000, integration_latency=3980)  # >1% of 6,000
    return stage


def _summary(background: int) -> list[tuple[str, str, int, float]]:
    report = diagnose(_incident(background).build(), playbooks=PLAYBOOKS)
    return [(f.id, f.symptom, f.count, f.share) for f in report.findings]


def test_more_healthy_traffic_changes_no_finding() -> None:
    small = _summary(600)
    # equal shares rank by the severity their impact earns, then by count (docs/diagnose.md)
    assert small == [
        ("slow-integration", "latency", 80, 1.0),
        ("account-throttled", "429", 15, 1.0),
        ("integration-timeout", "504", 40, 0.6667),
        ("lambda-function-error", "502", 20, 0.3333),
    ]
    assert _summary(6000) == small


def test_the_evidence_comes_back_untouched() -> None:
    evidence = _incident(600).build()
    before = evidence.requests.copy()
    diagnose(evidence, playbooks=PLAYBOOKS)
    pd.testing.assert_frame_equal(evidence.requests, before)
