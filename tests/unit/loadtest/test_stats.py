"""Numbers from the plugin's final stats: Locust's percentile rule, exact steady-state subtraction."""

from __future__ import annotations

import pytest

from apigwops.errors import UsageError
from apigwops.loadtest.stats import parse_result, percentile


def test_percentile_follows_locusts_rule() -> None:
    # 100 requests: 90 at 10 ms, 9 at 100 ms, 1 at 1000 ms. Locust (stats.calculate_response_time_percentile)
    # returns the first value, from the top, with at most int(N*f) requests below it: ties go up.
    hist = {10.0: 90, 100.0: 9, 1000.0: 1}
    assert percentile(hist, 0.50) == 10.0
    assert percentile(hist, 0.89) == 10.0
    assert percentile(hist, 0.90) == 100.0
    assert percentile(hist, 0.95) == 100.0
    assert percentile(hist, 0.99) == 1000.0
    assert percentile(hist, 1.0) == 1000.0
    assert percentile({}, 0.5) is None


def _entry(requests: int, failures: int, hist: dict[str, int], first: float, last: float) -> dict:
    return {"method": None, "name": "Aggregated", "requests": requests, "failures": failures,
            "response_times": hist, "max_ms": max(map(float, hist)) if hist else None,
            "total_ms": sum(float(k) * n for k, n in hist.items()), "first_ts": first, "last_ts": last}  # fmt: skip


def raw_run() -> dict:
    return {
        "format": "apigwops-locust-final/1",
        "started": 1000.0,
        "ended": 1011.0,
        "total": _entry(120, 6, {"5": 100, "400": 20}, 1000.0, 1010.0),
        "entries": [dict(_entry(120, 6, {"5": 100, "400": 20}, 1000.0, 1010.0), method="GET", name="/a")],
        "status_counts": {"200": 114, "500": 6},
        # ramp: the 20 slow requests all happened before every user was running
        "ramp": {"t": 1002.0, "users": 10,
                 "total": _entry(30, 6, {"5": 10, "400": 20}, 1000.0, 1002.0),
                 "status_counts": {"200": 24, "500": 6}},
        "series": [{"t": 1001.0, "rps": 12, "p95_ms": 5.0}, {"t": 1002.0, "rps": 11, "p95_ms": None}],
        "extras": {"x": 1},
    }  # fmt: skip


def test_whole_and_steady() -> None:
    run = parse_result(raw_run())
    assert run.whole.requests == 120
    assert run.whole.latency_ms["p95"] == 400.0
    assert run.whole.measured()["error_rate"] == 5.0
    assert run.whole.rps == 12.0
    steady = run.steady
    assert steady is not None
    assert (steady.requests, steady.failures) == (90, 0)
    assert steady.latency_ms["p99"] == 5.0
    assert steady.status_counts == {"200": 90}
    assert steady.duration_s == 8.0
    assert run.whole.mean_ms == round((100 * 5 + 20 * 400) / 120, 3)
    assert steady.mean_ms == 5.0
    assert run.by_name[0].name == "/a"
    assert run.extras == {"x": 1}


def test_no_requests_means_no_latency() -> None:
    raw = raw_run()
    raw["total"] = _entry(0, 0, {}, 1000.0, 1000.0)
    raw["ramp"] = None
    run = parse_result(raw)
    assert run.whole.latency_ms["p95"] is None
    assert run.whole.measured()["error_rate"] is None
    assert run.steady is None


def test_foreign_file_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        parse_result({"stats": []})
