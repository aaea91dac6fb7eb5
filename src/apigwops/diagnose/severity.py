"""Severity follows impact: a playbook's `severity` is the severity at full impact, scaled by this window.

An on-call engineer is paged when an alarm fires, so a cause is judged the way the seed's alarms judge a stage
(5XXError > 10 in 5 minutes, 4XXError > 100 in 5 minutes, p99 Latency > 3 s, IntegrationLatency > 2 s) plus two
things an alarm cannot see: how much of all traffic the cause hurts, and whether it rose above the window's own
baseline (an onset its requests follow). The rule, in `scale`:

1. **full impact** (the playbook's severity): above the alarm level, or at least 5% of all requests;
2. **partial** (at most `medium`): it rose from the baseline, or it hurts at least 1% of requests;
3. **a trickle** (none of the above): `low` when the playbook says `medium` or worse, else `info`.

A WebSocket stage's causes (symptoms connect, message, disconnect, callback) are judged by the same rule with
events in place of requests: the cause's failing events against all the stage's events, its events per 5 minutes
against the alarm level of their status class (`impact.family_of`), and the rise from the baseline.

Context notes (`recent-change`, `logging-blind-spot`) describe the incident, not a cause, and keep their
playbook severity. Pure: numbers in, a severity and one line of evidence out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from apigwops.diagnose.schema import SEVERITY_ORDER

ALARM_PERIOD_S = 300
FULL_SHARE = 0.05  # a cause that fails at least 5% of all requests is at full impact, alarm or not
PARTIAL_SHARE = 0.01  # ... and one that fails 1% is worth a look (at most medium)
PARTIAL_CAP = "medium"
SEVERITIES = tuple(SEVERITY_ORDER)
Family = Literal["5xx", "4xx", "latency"]


@dataclass(frozen=True)
class AlarmLevels:
    """The seed's alarm thresholds (CloudWatch alarms on the stage); a value above the level alarms."""

    errors_5xx_per_5min: float = 10
    errors_4xx_per_5min: float = 100
    p99_latency_ms: float = 3000
    integration_latency_ms: float = 2000

    def with_overrides(self, overrides: dict[str, float]) -> AlarmLevels:
        """Overrides by the names of `KEYS` (what the config file and `--alarm-level` accept)."""
        return replace(self, **{KEYS[name]: float(value) for name, value in overrides.items()})


# user-facing names (config file keys, --alarm-level KEY=VALUE) -> field
KEYS: dict[str, str] = {
    "5xx-per-5min": "errors_5xx_per_5min",
    "4xx-per-5min": "errors_4xx_per_5min",
    "p99-latency-ms": "p99_latency_ms",
    "integration-latency-ms": "integration_latency_ms",
}


@dataclass(frozen=True)
class Impact:
    """What one cause did in the window."""

    family: Family
    count: int  # the requests it explains (failing, or slow for latency)
    requests: int  # all requests in the window
    peak_per_5min: int  # its requests in its busiest clock-aligned 5 minutes
    rose: (
        bool  # the window's error rate rose from its baseline (an onset) and most of these requests follow it
    )
    p99_ms: float | None = None  # latency: the stage's p99 response latency in the window
    integration_p99_ms: float | None = None  # latency: the stage's p99 integration latency
    unit: str = "requests"  # what `requests` counts: "events" on a WebSocket stage (connects, messages, ...)

    @property
    def traffic_share(self) -> float:
        return self.count / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class Judgement:
    severity: str
    level: Literal["full", "partial", "trickle"]
    detail: str  # the numbers behind the severity, for the finding's evidence


def over_alarm(impact: Impact, levels: AlarmLevels) -> bool:
    if impact.family == "latency":
        p99, integration = impact.p99_ms, impact.integration_p99_ms
        return (p99 is not None and p99 > levels.p99_latency_ms) or (
            integration is not None and integration > levels.integration_latency_ms
        )
    return impact.peak_per_5min > alarm_level(impact.family, levels)


def alarm_level(family: Family, levels: AlarmLevels) -> float:
    if family == "5xx":
        return levels.errors_5xx_per_5min
    if family == "4xx":
        return levels.errors_4xx_per_5min
    return levels.p99_latency_ms


def scale(full: str, impact: Impact, levels: AlarmLevels) -> Judgement:
    """The reported severity for a cause whose playbook severity is `full`, and why."""
    alarming = over_alarm(impact, levels)
    if alarming or impact.traffic_share >= FULL_SHARE:
        level: Literal["full", "partial", "trickle"] = "full"
        severity = full
    elif impact.rose or impact.traffic_share >= PARTIAL_SHARE:
        level = "partial"
        severity = min(full, PARTIAL_CAP, key=SEVERITY_ORDER.__getitem__)
    else:
        level = "trickle"
        severity = "low" if SEVERITY_ORDER[full] >= SEVERITY_ORDER["medium"] else "info"
    detail = describe(impact, levels)
    if severity != full:
        detail += f"; severity {severity} ({full} at full impact)"
    return Judgement(severity, level, detail)


def describe(impact: Impact, levels: AlarmLevels) -> str:
    """'5 errors in 5,812 requests (0.09%); 1 per 5 min at peak, alarm level 10; no rise from the baseline'."""
    noun = "slow requests" if impact.family == "latency" else "errors"
    parts = [
        f"{impact.count:,} {noun} in {impact.requests:,} {impact.unit} ({_percent(impact.traffic_share)})"
    ]
    if impact.family == "latency":
        parts.append(_against("p99", impact.p99_ms, levels.p99_latency_ms))
        if impact.integration_p99_ms is not None:
            parts.append(
                _against("integration p99", impact.integration_p99_ms, levels.integration_latency_ms)
            )
    else:
        level = alarm_level(impact.family, levels)
        above = " (above)" if impact.peak_per_5min > level else ""
        parts.append(f"{impact.peak_per_5min:,} per 5 min at peak, alarm level {level:,.0f}{above}")
    parts.append("rose from the baseline" if impact.rose else "no rise from the baseline")
    return "; ".join(parts)


def _against(name: str, value: float | None, level: float) -> str:
    shown = "unknown" if value is None else f"{value:,.0f} ms"
    above = " (above)" if value is not None and value > level else ""
    return f"{name} {shown}, alarm level {level:,.0f} ms{above}"


def _percent(share: float) -> str:
    if share == 0 or share >= 0.01:
        return f"{share:.0%}" if share >= 0.1 or share == 0 else f"{share:.1%}"
    return f"{share:.2%}"
