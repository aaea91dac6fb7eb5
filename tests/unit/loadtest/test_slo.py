"""SLO grammar and judging: what a pipeline gate means must not depend on spacing, and never be guessed."""

from __future__ import annotations

import pytest

from apigwops.errors import UsageError
from apigwops.loadtest.slo import judge, parse_slo, parse_slos


@pytest.mark.parametrize(
    ("text", "metric", "op", "threshold"),
    [
        ("p95<300ms", "p95", "<", 300.0),
        ("  p99 <  1.5 s ", "p99", "<", 1500.0),
        ("P50<=20ms", "p50", "<=", 20.0),
        ("error_rate < 1%", "error_rate", "<", 1.0),
        ("status_429<0.5%", "status_429", "<", 0.5),
        ("rps > 50", "rps", ">", 50.0),
        ("rps>=50/s", "rps", ">=", 50.0),
        # k6's threshold syntax: a bare number is milliseconds, as k6 defines http_req_duration
        ("p(95)<300", "p95", "<", 300.0),
        ("p(95)<300ms", "p95", "<", 300.0),
        ("p(99) <= 1.5s", "p99", "<=", 1500.0),
    ],
)
def test_parse(text: str, metric: str, op: str, threshold: float) -> None:
    slo = parse_slo(text)
    assert (slo.metric, slo.op, slo.threshold) == (metric, op, threshold)


@pytest.mark.parametrize(
    "text",
    ["p95<300", "p95<300%", "p(42)<3", "p(95)<1%", "p()<3", "p(95<3", "error_rate<1", "error_rate<1ms", "rps>5ms", "p42<3ms", "p95", "p95<<3ms",
     "p95<-3ms", "error_rate<101%", "__import__('os')<1ms", ""],
)  # fmt: skip
def test_malformed_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_slo(text)
    assert "--slo" in err.value.message


def test_comma_separated_list() -> None:
    assert [s.metric for s in parse_slos(["p95<300ms, error_rate<1%", "rps>1"])] == [
        "p95",
        "error_rate",
        "rps",
    ]


def test_judge_boundaries_and_unmeasured() -> None:
    slos = parse_slos(["p95<300ms", "p99<=300ms", "rps>10", "error_rate<1%"])
    results = judge(slos, {"p95": 300.0, "p99": 300.0, "rps": 10.5, "error_rate": None})
    assert [r.passed for r in results] == [False, True, True, False]
    assert results[3].actual is None
    assert [r.unit for r in results] == ["ms", "ms", "/s", "%"]
