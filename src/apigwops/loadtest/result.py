"""The result of a load test, as written to `summary.json` and read back by `apigwops loadtest check`.

Top-level `requests`, `failures`, `rps`, `latency_ms`, `status_counts`, `slos` and `passed` are the contract in
DESIGN.md and always describe the whole run; `judged_on` says whether the gates looked at the whole run or at
the steady state (`--exclude-ramp`), whose numbers are under `steady`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apigwops.loadtest.checks import REQUESTS_CHECK, CheckResult, judge_requests
from apigwops.loadtest.cpu import CpuReport
from apigwops.loadtest.slo import Slo, SloResult, endpoint_measures, judge
from apigwops.loadtest.stats import Totals

SUMMARY_FORMAT = "apigwops-loadtest-summary/1"


@dataclass
class LoadtestReport:
    run: dict[str, Any]
    whole: Totals
    steady: Totals | None
    judged_on: str
    slos: list[SloResult]
    checks: list[CheckResult] = field(default_factory=list)
    cpu: CpuReport = field(default_factory=lambda: CpuReport(None, None, 0))
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    cloudwatch: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False
    files: dict[str, str] = field(default_factory=dict)
    signal: str | None = None  # what interrupted the run: SIGINT, SIGTERM or SIGHUP

    @property
    def passed(self) -> bool:
        """Every gate and check held, and the run actually sent traffic. Without SLOs, the `requests` check
        (no failed request) is the gate."""
        return (
            self.whole.requests > 0
            and all(s.passed for s in self.slos)
            and all(c.passed for c in self.checks)
        )

    @property
    def judged(self) -> Totals:
        return self.steady if self.judged_on == "steady" and self.steady is not None else self.whole

    def rejudge(self, slos: list[Slo], *, exclude_ramp: bool) -> None:
        """Judge again with other gates (`loadtest check`); scenario checks keep their verdicts."""
        self.judged_on = "steady" if exclude_ramp and self.steady is not None else "whole"
        self.slos = judge(slos, {**self.judged.measured(), **endpoint_measures(self.endpoints)})
        self.checks = with_requests_check(
            [c for c in self.checks if c.id != REQUESTS_CHECK], self.judged, slos_given=bool(slos)
        )
        if exclude_ramp and self.steady is None:
            self.notes.append(
                "--exclude-ramp: this run has no steady-state snapshot; judged on the whole run"
            )

    def to_dict(self) -> dict[str, Any]:
        whole = self.whole.to_dict()
        return {
            "format": SUMMARY_FORMAT,
            "requests": whole["requests"],
            "failures": whole["failures"],
            "rps": whole["rps"],
            "latency_ms": whole["latency_ms"],
            "mean_ms": whole["mean_ms"],
            "error_rate": self.whole.measured()["error_rate"],
            "status_counts": whole["status_counts"],
            "slos": [
                {"expr": s.expr, "metric": s.metric, "actual": s.actual, "unit": s.unit, "passed": s.passed}
                for s in self.slos
            ],
            "checks": [c.to_dict() for c in self.checks],
            "passed": self.passed,
            "judged_on": self.judged_on,
            "duration_s": whole["duration_s"],
            "steady": self.steady.to_dict() if self.steady else None,
            "latency_reliable": self.cpu.reliable,
            "generator": self.cpu.to_dict(),
            "interrupted": self.interrupted,
            "interrupted_by": self.signal,
            "run": self.run,
            "endpoints": self.endpoints,
            "errors": self.errors,
            "cloudwatch": self.cloudwatch,
            "notes": self.notes,
            "timeseries": self.series,
            "files": self.files,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadtestReport:
        whole = Totals.from_dict(data)
        steady = Totals.from_dict(data["steady"]) if data.get("steady") else None
        slos = [
            SloResult(s["expr"], s.get("metric", ""), s.get("actual"), s.get("unit", ""), bool(s["passed"]))
            for s in data.get("slos", [])
        ]
        return cls(
            run=dict(data.get("run", {})),
            whole=whole,
            steady=steady,
            judged_on=str(data.get("judged_on", "whole")),
            slos=slos,
            checks=[CheckResult.from_dict(c) for c in data.get("checks", [])],
            cpu=CpuReport.from_dict(data.get("generator", {})),
            endpoints=list(data.get("endpoints", [])),
            errors=list(data.get("errors", [])),
            series=list(data.get("timeseries", [])),
            cloudwatch=data.get("cloudwatch"),
            notes=list(data.get("notes", [])),
            interrupted=bool(data.get("interrupted", False)),
            files=dict(data.get("files", {})),
            signal=data.get("interrupted_by"),
        )


def with_requests_check(checks: list[CheckResult], totals: Totals, *, slos_given: bool) -> list[CheckResult]:
    """A run without gates of its own is gated on its requests (none failed, at least one completed); with SLOs,
    or a scenario's own check (tier-limits expects 429s, waf-probe 403s), those decide."""
    if slos_given or checks:
        return checks
    return [judge_requests(totals.requests, totals.failures, totals.status_counts), *checks]
