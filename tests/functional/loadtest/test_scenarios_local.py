"""The judging scenarios, for real: tier-limits against a token-bucket server, waf-probe against a WAF-like one.

The servers implement the behaviour being checked (a token bucket of rate r and burst b; a WAF that blocks
some payload strings), and each test configures the server differently from what apigwops is told, so the
verdict can only come out right if the measurement is right.
"""

from __future__ import annotations

import json

import pytest
from tests.conftest import run_cli
from tests.functional.loadtest.servers import ServerState, TokenBucket, serve


def _tier_limits(server_rate: float, *, rate: float = 10, burst: float = 10) -> tuple[int, dict, int]:
    with serve(ServerState(bucket=TokenBucket(rate=server_rate, burst=burst))) as (url, state):
        result = run_cli(
            "-o", "json", "loadtest", "run", "tier-limits", "--url", url, "--no-cloudwatch", "-u", "4", "-t", "4s",
            "--expect-rate", str(rate), "--expect-burst", str(burst), "--slo", "status_429<90%",
        )  # fmt: skip
        served = state.total
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, json.loads(result.stdout), served


def test_tier_limits_passes_when_the_throttle_matches_the_plan() -> None:
    code, summary, served = _tier_limits(server_rate=10)
    (check,) = summary["checks"]
    assert check["id"] == "throttle"
    assert check["passed"] is True, check["detail"]
    assert code == 0
    assert summary["requests"] == served
    # 429s are the point of this scenario: counted, but not failures
    assert summary["status_counts"]["429"] == check["data"]["throttled"] > 0
    assert summary["failures"] == 0
    (slo,) = summary["slos"]
    assert slo["passed"] is True
    assert slo["actual"] == pytest.approx(100 * check["data"]["throttled"] / summary["requests"], abs=1e-3)


def test_tier_limits_detects_a_throttle_stricter_than_the_plan() -> None:
    code, summary, _ = _tier_limits(server_rate=3)
    (check,) = summary["checks"]
    assert code == 1
    assert check["passed"] is False
    assert "effective rate" in check["detail"]
    assert check["data"]["effective_rate"] < 6
    assert summary["passed"] is False


WAF_BLOCKS = (
    "' or '1'='1",
    "union select",
    "drop table",
    "<script",
    "onerror",
    "onload",
    "../",
    "/etc/passwd",
)


def test_waf_probe_lists_the_payload_that_got_through(tmp_path) -> None:
    with serve(ServerState(blocked=WAF_BLOCKS)) as (url, state):
        result = run_cli(
            "-o", "json", "loadtest", "run", "waf-probe", "--url", url, "--no-cloudwatch", "-u", "1", "-t", "20s",
            "--route", "POST /items", "--report-dir", str(tmp_path),
        )  # fmt: skip
        served = state.total
    assert result.exit_code == 1, result.stderr
    summary = json.loads(result.stdout)
    (check,) = summary["checks"]
    assert check["passed"] is False
    assert sorted(s["id"] for s in check["data"]["slipped"]) == [
        "jndi-injection@body",
        "jndi-injection@query",
    ]
    assert "jndi-injection@query" in check["detail"]
    assert check["data"]["control_status"] == 200
    assert summary["requests"] == served == 1 + 2 * check["data"]["probes"] // 2
    junit = (tmp_path / "junit.xml").read_text()
    assert "jndi-injection@query" in junit


def test_waf_probe_passes_when_everything_is_blocked() -> None:
    with serve(ServerState(blocked=(*WAF_BLOCKS, "${jndi"))) as (url, _):
        result = run_cli(
            "-o", "json", "loadtest", "run", "waf-probe", "--url", url, "--no-cloudwatch", "-u", "1", "-t", "20s",
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (check,) = json.loads(result.stdout)["checks"]
    assert check["passed"] is True
    assert check["data"]["slipped"] == []
