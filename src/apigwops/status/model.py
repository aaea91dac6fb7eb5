"""The status of every stage: numbers for the window, a per-period series, alarms in ALARM; the worst first."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from apigwops.alarms.recommended import Coverage, StageRef
from apigwops.diagnose.severity import AlarmLevels
from apigwops.model import Check
from apigwops.timewindow import Window

LATENCY_ALARM_MS = AlarmLevels().p99_latency_ms  # the seed's p99 latency alarm level


@dataclass
class StageStatus:
    ref: StageRef
    requests: float = 0.0
    errors_4xx: float = 0.0
    errors_5xx: float = 0.0
    latency_p99_ms: float | None = None
    latency_max_ms: float | None = None
    integration_p99_ms: float | None = None
    integration_max_ms: float | None = None
    series: dict[str, list[float | None]] = field(default_factory=dict)  # requests, 4xx, 5xx per period
    alarms: list[str] = field(default_factory=list)  # alarm names in ALARM that watch this stage

    @property
    def rate_4xx(self) -> float | None:
        return self.errors_4xx / self.requests if self.requests else None

    @property
    def rate_5xx(self) -> float | None:
        return self.errors_5xx / self.requests if self.requests else None

    def badness(self) -> tuple[float, ...]:
        """Sort key, larger is worse: alarms firing, then 5xx rate, slow p99, 4xx rate, then traffic."""
        latency = self.latency_p99_ms if self.latency_p99_ms is not None else (self.latency_max_ms or 0.0)
        return (
            float(bool(self.alarms)),
            self.rate_5xx or 0.0,
            float(latency >= LATENCY_ALARM_MS),
            self.rate_4xx or 0.0,
            latency,
            self.requests,
        )

    def symptom(self) -> str:
        if self.errors_5xx:
            return "5xx"
        latency = self.latency_p99_ms if self.latency_p99_ms is not None else self.latency_max_ms
        if latency is not None and latency >= LATENCY_ALARM_MS:
            return "latency"
        return "auto"

    def diagnose_command(self, since: str, *, name_is_unique: bool = True) -> str:
        """The exact `apigwops diagnose` command for this stage (from its alarm when one is firing)."""
        region = f" --region {shlex.quote(self.ref.region)}"
        if self.alarms:
            return f"apigwops diagnose --alarm {shlex.quote(self.alarms[0])}{region}"
        api = self.ref.api_name if name_is_unique and self.ref.api_name else self.ref.api_id
        symptom = self.symptom()
        head = "apigwops diagnose" + (f" {symptom}" if symptom != "auto" else "")
        return (
            f"{head} --api {shlex.quote(api)} --stage {shlex.quote(self.ref.stage)} --since {since}{region}"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "region": self.ref.region,
            "api": self.ref.api_name,
            "api_id": self.ref.api_id,
            "type": self.ref.api_type,
            "stage": self.ref.stage,
            "requests": self.requests,
            "4xx": self.errors_4xx,
            "5xx": self.errors_5xx,
            "rate_4xx": self.rate_4xx,
            "rate_5xx": self.rate_5xx,
            "latency_p99_ms": self.latency_p99_ms,
            "latency_max_ms": self.latency_max_ms,
            "integration_latency_p99_ms": self.integration_p99_ms,
            "integration_latency_max_ms": self.integration_max_ms,
            "series": self.series,
            "alarms_in_alarm": list(self.alarms),
        }


@dataclass
class RegionStatus:
    region: str
    stages: list[StageStatus]
    other_alarms: list[str] = field(default_factory=list)  # in ALARM but not mapped to a stage
    checks: list[Check] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)
    coverage: list[Coverage] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "stages": len(self.stages),
            "other_alarms_in_alarm": self.other_alarms,
            "checks": [c.as_json() for c in self.checks],
            "api_calls": self.api_calls,
        }


@dataclass
class StatusReport:
    window: Window
    since: str
    period_s: int
    regions: list[RegionStatus]

    def stages(self) -> list[StageStatus]:
        every = [s for r in self.regions for s in r.stages]
        return sorted(every, key=lambda s: s.badness(), reverse=True)

    def worst(self) -> StageStatus | None:
        ranked = self.stages()
        if not ranked:
            return None
        top = ranked[0]
        return top if (top.alarms or top.errors_5xx or top.errors_4xx or top.requests) else None

    def worst_command(self) -> str | None:
        top = self.worst()
        if top is None:
            return None
        names = [s.ref.api_name for s in self.stages() if s.ref.region == top.ref.region]
        return top.diagnose_command(
            self.since, name_is_unique=names.count(top.ref.api_name) <= 1 or _same_api(self, top)
        )

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "window": self.window.as_json(),
            "period_s": self.period_s,
            "regions": [r.as_json() for r in self.regions],
            "stages": [s.as_json() for s in self.stages()],
            "worst": None,
        }
        top = self.worst()
        if top is not None:
            out["worst"] = {
                "api": top.ref.api_name,
                "stage": top.ref.stage,
                "region": top.ref.region,
                "command": self.worst_command(),
            }
        if any(r.coverage for r in self.regions):
            out["alarm_coverage"] = [c.as_json() for r in self.regions for c in r.coverage]
        return out


def _same_api(report: StatusReport, top: StageStatus) -> bool:
    """A name shared only by stages of one API is still unique as an API name."""
    ids = {
        s.ref.api_id
        for s in report.stages()
        if s.ref.region == top.ref.region and s.ref.api_name == top.ref.api_name
    }
    return len(ids) == 1
