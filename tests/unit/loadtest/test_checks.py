"""Throttle and WAF verdicts over recorded scenario results."""

from __future__ import annotations

from apigwops.loadtest.checks import judge_throttle, judge_waf


def bucket_record(server_rate: float, burst: float, drive: float, seconds: float) -> dict:
    """What tier-limits records against an ideal token bucket, driven at `drive` requests/s."""
    accepted = throttled = 0
    first_429 = None
    before = 0
    tokens, t = burst, 0.0
    step = 1 / drive
    while t < seconds:
        tokens = min(burst, tokens + step * server_rate) if t else tokens
        if tokens >= 1:
            tokens -= 1
            accepted += 1
        else:
            throttled += 1
            if first_429 is None:
                first_429, before = t, accepted
        t += step
    return {"sent": accepted + throttled, "accepted": accepted, "throttled": throttled, "other": 0,
            "first_ts": 0.0, "last_ts": seconds, "first_429_ts": first_429,
            "accepted_before_first_429": before}  # fmt: skip


def test_matching_bucket_passes() -> None:
    result = judge_throttle(bucket_record(10, 20, 21, 8), rate=10, burst=20)
    assert result.passed, result.detail
    assert abs(result.data["effective_rate"] - 10) < 1.5


def test_looser_bucket_fails_with_no_429() -> None:
    result = judge_throttle(bucket_record(30, 20, 21, 8), rate=10, burst=20)
    assert not result.passed
    assert "no 429" in result.detail


def test_stricter_bucket_fails_on_count() -> None:
    result = judge_throttle(bucket_record(5, 20, 21, 8), rate=10, burst=20)
    assert not result.passed
    assert "effective rate" in result.detail


def test_smaller_burst_fails_on_first_429() -> None:
    result = judge_throttle(bucket_record(10, 2, 21, 3), rate=10, burst=20)
    assert not result.passed
    assert "first 429" in result.detail


def test_empty_record_fails() -> None:
    assert not judge_throttle(None, 10, 20).passed
    assert not judge_throttle({"sent": 0}, 10, 20).passed


def test_waf_lists_slipped_and_distrusts_a_blocked_control() -> None:
    probes = {"xss@query": {"status": 403, "payload": "<script>", "where": "query"},
              "sqli@query": {"status": 200, "payload": "' OR 1=1", "where": "query"}}  # fmt: skip
    result = judge_waf({"probes": probes, "control_status": 200})
    assert not result.passed
    assert [s["id"] for s in result.data["slipped"]] == ["sqli@query"]
    blocked_control = judge_waf({"probes": {"xss@query": probes["xss@query"]}, "control_status": 403})
    assert not blocked_control.passed
    assert "inconclusive" in blocked_control.detail
    assert judge_waf({"probes": {"xss@query": probes["xss@query"]}, "control_status": 200}).passed
