"""Turns the plugin's final Locust stats into the numbers apigwops reports and judges.

Percentiles are computed here from Locust's response-time histogram (the same rounding and the same rule as
`locust.stats.calculate_response_time_percentile`), for the whole run and, by subtracting the snapshot taken
when spawning completed, for the steady state alone. Locust's `--json-file` has no aggregate row and no
percentiles, and its `_stats.csv` is written once a second, so neither is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apigwops.errors import UsageError

PERCENTILES = {"p50": 0.50, "p90": 0.90, "p95": 0.95, "p99": 0.99}
RESULT_FORMAT = "apigwops-locust-final/1"


def percentile(histogram: dict[float, int], fraction: float) -> float | None:
    """Locust's rule: the smallest recorded value with at most (1 - fraction) of requests above it."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    wanted = int(total * fraction)
    seen = 0
    for value in sorted(histogram, reverse=True):
        seen += histogram[value]
        if total - seen <= wanted:
            return float(value)
    return None


@dataclass(frozen=True)
class Totals:
    """Counts and latencies over one span of the run (all of it, or the steady state)."""

    requests: int
    failures: int
    duration_s: float
    latency_ms: dict[str, float | None]
    status_counts: dict[str, int]
    mean_ms: float | None = None  # exact (Locust's total response time / requests); compared with CloudWatch

    @property
    def rps(self) -> float:
        return round(self.requests / self.duration_s, 2) if self.duration_s > 0 else 0.0

    def _share(self, count: int) -> float | None:
        return round(100.0 * count / self.requests, 4) if self.requests else None

    def measured(self) -> dict[str, float | None]:
        """The values SLO gates are judged on: latencies in ms, rates in percent, rps."""
        values: dict[str, float | None] = {k: self.latency_ms.get(k) for k in PERCENTILES}
        values["error_rate"] = self._share(self.failures)
        values["status_429"] = self._share(self.status_counts.get("429", 0))
        values["rps"] = self.rps
        return values

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "failures": self.failures,
            "rps": self.rps,
            "duration_s": round(self.duration_s, 3),
            "latency_ms": self.latency_ms,
            "mean_ms": self.mean_ms,
            "status_counts": dict(sorted(self.status_counts.items())),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Totals:
        return cls(
            requests=int(data["requests"]),
            failures=int(data["failures"]),
            duration_s=float(data.get("duration_s") or 0.0),
            latency_ms={k: (None if v is None else float(v)) for k, v in data["latency_ms"].items()},
            status_counts={str(k): int(v) for k, v in data.get("status_counts", {}).items()},
            mean_ms=data.get("mean_ms"),
        )


@dataclass(frozen=True)
class NamedStats:
    method: str
    name: str
    requests: int
    failures: int
    latency_ms: dict[str, float | None]


@dataclass(frozen=True)
class LocustRun:
    """The parsed final stats of one Locust run."""

    started: float
    ended: float
    whole: Totals
    steady: Totals | None
    by_name: list[NamedStats]
    errors: list[dict[str, Any]]
    series: list[dict[str, Any]]
    extras: dict[str, Any] = field(default_factory=dict)
    ramp_end: float | None = None
    missing_token: int = 0  # 403 Missing Authentication Token answers


def _histogram(entry: dict[str, Any]) -> dict[float, int]:
    return {float(k): int(v) for k, v in entry.get("response_times", {}).items()}


def _latencies(histogram: dict[float, int], max_ms: float | None) -> dict[str, float | None]:
    values: dict[str, float | None] = {k: percentile(histogram, f) for k, f in PERCENTILES.items()}
    values["max"] = None if max_ms is None or not histogram else round(float(max_ms), 3)
    return values


def _mean(entry: dict[str, Any]) -> float | None:
    requests = int(entry.get("requests") or 0)
    if not requests or entry.get("total_ms") is None:
        return None
    return round(float(entry["total_ms"]) / requests, 3)


def _span(entry: dict[str, Any], fallback_start: float, fallback_end: float) -> float:
    start = entry.get("first_ts") or fallback_start
    end = entry.get("last_ts") or fallback_end
    return max(float(end) - float(start), 0.0)


def parse_result(raw: dict[str, Any]) -> LocustRun:
    """Parse the plugin's JSON; a file from something else is a usage error, not a crash."""
    if raw.get("format") != RESULT_FORMAT or "total" not in raw:
        raise UsageError("not an apigwops Locust result (missing format marker); was the plugin loaded?")
    started = float(raw.get("started") or raw["total"].get("first_ts") or 0.0)
    ended = float(raw.get("ended") or started)
    total = raw["total"]
    histogram = _histogram(total)
    whole = Totals(
        requests=int(total["requests"]),
        failures=int(total["failures"]),
        duration_s=_span(total, started, ended),
        latency_ms=_latencies(histogram, total.get("max_ms")),
        status_counts={str(k): int(v) for k, v in raw.get("status_counts", {}).items()},
        mean_ms=_mean(total),
    )
    steady, ramp_end = _steady(raw, whole, histogram, ended)
    by_name = [
        NamedStats(
            e["method"] or "",
            e["name"],
            int(e["requests"]),
            int(e["failures"]),
            _latencies(_histogram(e), e.get("max_ms")),
        )
        for e in raw.get("entries", [])
    ]
    return LocustRun(
        started=started,
        ended=ended,
        whole=whole,
        steady=steady,
        by_name=by_name,
        errors=list(raw.get("errors", [])),
        series=list(raw.get("series", [])),
        extras=dict(raw.get("extras", {})),
        ramp_end=ramp_end,
        missing_token=int(raw.get("missing_token") or 0),
    )


def _steady(
    raw: dict[str, Any], whole: Totals, histogram: dict[float, int], ended: float
) -> tuple[Totals | None, float | None]:
    """Whole run minus the snapshot taken when all users were running (exact histograms, exact counts)."""
    ramp = raw.get("ramp")
    if not ramp:
        return None, None
    before = ramp["total"]
    before_hist = _histogram(before)
    diff = {k: n - before_hist.get(k, 0) for k, n in histogram.items() if n - before_hist.get(k, 0) > 0}
    before_status = {str(k): int(v) for k, v in ramp.get("status_counts", {}).items()}
    status = {k: v - before_status.get(k, 0) for k, v in whole.status_counts.items()}
    last = float(raw["total"].get("last_ts") or ended)
    ramp_end = float(ramp["t"])
    steady = Totals(
        requests=whole.requests - int(before["requests"]),
        failures=whole.failures - int(before["failures"]),
        duration_s=max(last - ramp_end, 0.0),
        latency_ms=_latencies(diff, max(diff) if diff else None),
        status_counts={k: v for k, v in status.items() if v > 0},
        mean_ms=_mean(
            {
                "requests": whole.requests - int(before["requests"]),
                "total_ms": float(raw["total"].get("total_ms") or 0.0) - float(before.get("total_ms") or 0.0),
            }
        ),
    )
    return steady, ramp_end
