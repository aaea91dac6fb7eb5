"""SLO expressions (`p95<300ms`, `error_rate < 1%`, `rps > 50`, `status_429 < 5%`): parsing and judging.

A small closed grammar, parsed with one regular expression and never evaluated as code. Each metric has one
unit, so that `p95 < 300` (no unit) or `error_rate < 1ms` is refused rather than guessed: a gate a pipeline
trusts must mean what its author thought it meant. The one exception is k6's threshold syntax, `p(95)<300`:
k6 defines `http_req_duration` in milliseconds, so a k6 user's bare number means ms, and it is read that way
(https://grafana.com/docs/k6/latest/using-k6/thresholds/).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from apigwops.errors import UsageError

# WebSocket runs (the websocket scenario's `connect` and `round-trip` requests): the share of connects that
# succeeded and the message round-trip percentiles, judged on the whole run's per-request stats.
ROUNDTRIP_METRICS = ("roundtrip_p50", "roundtrip_p90", "roundtrip_p95", "roundtrip_p99")
LATENCY_METRICS = ("p50", "p90", "p95", "p99", *ROUNDTRIP_METRICS)
RATE_METRICS = ("error_rate", "status_429", "connect_success")
METRICS = (*LATENCY_METRICS, *RATE_METRICS, "rps")

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_EXPR = re.compile(
    r"^\s*(?:p\((?P<k6>\d+)\)|(?P<metric>[a-z0-9_]+))\s*(?P<op><=|>=|<|>)\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|%|/s)?\s*$",
    re.IGNORECASE,
)
GRAMMAR = (
    "'p50|p90|p95|p99 < N ms' (or k6's 'p(95)<N'), 'error_rate < N%', 'status_429 < N%', 'rps > N', or for "
    "the websocket scenario 'connect_success > N%' and 'roundtrip_p50|p90|p95|p99 < N ms'"
)


@dataclass(frozen=True)
class Slo:
    """One parsed gate. `threshold` is in the metric's base unit: ms, percent, or requests per second."""

    expr: str
    metric: str
    op: str
    threshold: float

    def holds(self, actual: float | None) -> bool:
        """A metric that could not be measured (no requests) fails its gate: silence is not success."""
        if actual is None or math.isnan(actual):
            return False
        return _OPERATORS[self.op](actual, self.threshold)


@dataclass(frozen=True)
class SloResult:
    expr: str
    metric: str
    actual: float | None
    unit: str
    passed: bool


def unit_of(metric: str) -> str:
    if metric in LATENCY_METRICS:
        return "ms"
    if metric in RATE_METRICS:
        return "%"
    return "/s"


def parse_slo(text: str) -> Slo:
    """Parse one expression; a malformed one raises UsageError (exit 2) naming it and the grammar."""
    match = _EXPR.match(text)
    if not match:
        raise UsageError(f"malformed --slo {text!r}: expected {GRAMMAR}")
    metric = f"p{match['k6']}" if match["k6"] else match["metric"].lower()
    op, unit = match["op"], (match["unit"] or "").lower()
    if match["k6"] and not unit:
        unit = "ms"  # k6's durations are milliseconds
    value = float(match["value"])
    if metric not in METRICS:
        raise UsageError(
            f"malformed --slo {text!r}: unknown metric {metric!r}; choose one of {', '.join(METRICS)}"
        )
    if metric in LATENCY_METRICS:
        if unit not in ("ms", "s"):
            raise UsageError(f"malformed --slo {text!r}: a latency needs a unit, e.g. '{metric}<300ms'")
        value = value * 1000 if unit == "s" else value
    elif metric in RATE_METRICS:
        if unit != "%":
            raise UsageError(f"malformed --slo {text!r}: {metric} is a percentage, e.g. '{metric}<1%'")
        if value > 100:
            raise UsageError(f"malformed --slo {text!r}: a percentage cannot exceed 100")
    elif unit not in ("", "/s"):
        raise UsageError(f"malformed --slo {text!r}: rps is requests per second, e.g. 'rps>50'")
    return Slo(expr=" ".join(text.split()), metric=metric, op=op, threshold=value)


def parse_slos(texts: Iterable[str]) -> list[Slo]:
    """All expressions; a comma-separated list in one flag is accepted too (handy in CI variables)."""
    return [parse_slo(part) for text in texts for part in text.split(",") if part.strip()]


def endpoint_measures(endpoints: Iterable[dict[str, object]]) -> dict[str, float | None]:
    """`connect_success` and `roundtrip_pNN` from the run's per-request-name stats (the websocket scenario
    names its requests `connect` and `round-trip`); absent names measure None, so their gates fail."""
    by_name = {str(e.get("name")): e for e in endpoints}
    values: dict[str, float | None] = dict.fromkeys(("connect_success", *ROUNDTRIP_METRICS))
    connect = by_name.get("connect")
    if connect is not None:
        requests = int(str(connect.get("requests") or 0))
        failures = int(str(connect.get("failures") or 0))
        values["connect_success"] = round(100.0 * (requests - failures) / requests, 4) if requests else None
    trip = by_name.get("round-trip")
    latency = trip.get("latency_ms") if trip is not None else None
    if isinstance(latency, dict):
        for metric in ROUNDTRIP_METRICS:
            value = latency.get(metric.removeprefix("roundtrip_"))
            values[metric] = None if value is None else float(value)
    return values


def judge(slos: Iterable[Slo], measured: dict[str, float | None]) -> list[SloResult]:
    """Each gate against the measured values (keys as in METRICS, latencies in ms, rates in percent)."""
    results = []
    for slo in slos:
        actual = measured.get(slo.metric)
        results.append(SloResult(slo.expr, slo.metric, actual, unit_of(slo.metric), slo.holds(actual)))
    return results
