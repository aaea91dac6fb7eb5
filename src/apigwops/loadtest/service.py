"""The load-test core the CLI calls: run Locust, judge the result, write the reports. No Typer, no rich.

`run_loadtest(runtime, request)` for a new run and `check_saved(directory, slos, exclude_ramp=...)` to judge a
saved one again both return a `LoadtestReport`; the caller maps `report.passed` to the exit code.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apigwops.loadtest.checks import CheckResult, judge_throttle, judge_waf, reached_nothing
from apigwops.loadtest.config import RunPlan
from apigwops.loadtest.cpu import CpuReport
from apigwops.loadtest.result import LoadtestReport, with_requests_check
from apigwops.loadtest.scenarios import Scenario
from apigwops.loadtest.slo import Slo, endpoint_measures, judge
from apigwops.loadtest.stats import LocustRun, Totals, parse_result
from apigwops.loadtest.target import Target

if TYPE_CHECKING:
    from apigwops.runtime import Runtime

MAX_ERRORS_REPORTED = 20


@dataclass
class LoadtestRequest:
    """A checked run: build it with `request.build_request` (which applies the guardrails), not by hand."""

    plan: RunPlan
    slos: list[Slo] = field(default_factory=list)
    exclude_ramp: bool = False
    report_dir: Path | None = None
    scenario: Scenario | None = None
    throttle: tuple[float, float] | None = None  # (rate, burst) the key's usage plan documents
    target: Target | None = None
    cloudwatch: bool = True
    chart: bool = True
    html: Path | None = None  # Locust's --html: a copy of locust.html here
    default_route: bool = False  # smoke/ramp/soak load GET / because no route was named or learned


def progress_line(point: dict[str, Any], started: float | None) -> str:
    """One line per second on stderr: enough to see a run going wrong without waiting for its end."""
    elapsed = float(point.get("t", 0)) - (started or float(point.get("t", 0)))
    p95 = point.get("p95_ms")
    return (
        f"t+{elapsed:4.0f}s  users {point.get('users', 0):>4}  rps {point.get('rps', 0):>8.1f}  "
        f"requests {point.get('requests', 0):>7}  failures {point.get('failures', 0):>5}  "
        f"p95 {'-' if p95 is None else f'{p95:g} ms'}"
    )


def scenario_checks(
    scenario: Scenario | None, run: LocustRun, throttle: tuple[float, float] | None
) -> list[CheckResult]:
    """The verdicts a scenario exists for (throttle, WAF); they gate the exit code like SLOs do."""
    if scenario is None or scenario.check is None:
        return []
    if scenario.check == "throttle":
        if throttle is None:
            return [CheckResult("throttle", False, "no usage-plan rate and burst to compare against")]
        return [judge_throttle(run.extras.get("throttle"), *throttle)]
    if scenario.check == "waf":
        return [judge_waf(run.extras.get("waf"))]
    return []


def build_report(
    request: LoadtestRequest,
    run: LocustRun,
    cpu: CpuReport,
    *,
    interrupted: bool = False,
    timed_out: bool = False,
    signal: str | None = None,
) -> LoadtestReport:
    """Judge one parsed run: pure, so it is tested without Locust."""
    notes = []
    nothing = reached_nothing(
        run.whole.requests, run.whole.status_counts, run.missing_token, request.plan.url
    )
    if nothing:
        notes.append(nothing)
    elif request.default_route and run.missing_token:
        notes.append(
            f"GET / is not a route of this API: {run.missing_token} of {run.whole.requests} requests were answered"
            " 403 Missing Authentication Token; name the routes with --route 'GET /path'"
        )
    judged_on = "whole"
    if request.exclude_ramp:
        if run.steady is not None:
            judged_on = "steady"
        else:
            notes.append(
                "--exclude-ramp: all users never ran at once, so there is no steady state; judged the whole run"
            )
    judged = run.steady if judged_on == "steady" and run.steady is not None else run.whole
    if not cpu.reliable:
        notes.append(f"latency unreliable: {cpu.to_dict()['advice']}")
    if timed_out:
        notes.append("stopped by the hard deadline (run time plus grace); numbers cover the part that ran")
    if run.whole.requests == 0:
        notes.append("no requests completed: check the URL, the route and that the target is up")
    run_info = {
        **request.plan.describe(),
        "api": _target_info(request.target) if request.target and request.target.api_id else None,
        "started": _iso(run.started),
        "ended": _iso(run.ended),
        "ramp_ended": _iso(run.ramp_end) if run.ramp_end else None,
    }
    endpoints: list[dict[str, Any]] = [
        {
            "method": e.method,
            "name": e.name,
            "requests": e.requests,
            "failures": e.failures,
            "latency_ms": e.latency_ms,
        }
        for e in run.by_name
    ]
    return LoadtestReport(
        run=run_info,
        whole=run.whole,
        steady=run.steady,
        judged_on=judged_on,
        slos=judge(request.slos, {**judged.measured(), **endpoint_measures(endpoints)}),
        checks=with_requests_check(
            scenario_checks(request.scenario, run, request.throttle), judged, slos_given=bool(request.slos)
        ),
        cpu=cpu,
        endpoints=endpoints,
        errors=sorted(run.errors, key=lambda e: -int(e.get("occurrences", 0)))[:MAX_ERRORS_REPORTED],
        series=run.series,
        notes=notes,
        interrupted=interrupted,
        signal=signal if interrupted else None,
    )


def _iso(epoch: float | None) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds") if epoch else None


def run_loadtest(runtime: Runtime, request: LoadtestRequest) -> LoadtestReport:
    """Run Locust against the target and judge it; reports go to request.report_dir when given.

    An interrupted run (Ctrl-C) still returns its report, marked `interrupted`; KeyboardInterrupt is raised
    only when Locust was stopped before it had any result to give.
    """
    from apigwops.loadtest.reports import write_reports
    from apigwops.loadtest.runner import run_locust

    plan = request.plan
    runtime.progress.step(
        f"locust: {plan.users} users at {plan.spawn_rate:g}/s for {plan.duration_s:g}s, {plan.workers} process(es)"
        f" -> {plan.url}"
    )
    started: list[float] = []

    def on_progress(point: dict[str, Any]) -> None:
        if not started:
            started.append(float(point.get("t", 0)) - 1.0)
        runtime.progress.step(progress_line(point, started[0]))

    with tempfile.TemporaryDirectory(prefix="apigwops-loadtest-") as scratch:
        workdir = request.report_dir or Path(scratch)
        outcome = run_locust(plan, workdir, on_progress)
        if outcome.raw is None:
            raise KeyboardInterrupt
        run = parse_result(outcome.raw)
        report = build_report(
            request,
            run,
            outcome.cpu,
            interrupted=outcome.interrupted,
            timed_out=outcome.timed_out,
            signal=outcome.signal_name,
        )
        if report.notes and report.notes[0].startswith(("reached nothing", "GET / is not a route")):
            runtime.progress.warn(report.notes[0])
        if request.html is not None and outcome.html is not None:
            shutil.copyfile(outcome.html, request.html)
            report.files["locust_html"] = str(request.html)
        if not outcome.cpu.reliable:
            runtime.progress.warn(f"latency unreliable: {outcome.cpu.to_dict()['advice']}")
        if request.cloudwatch and request.target and request.target.api_id:
            report.cloudwatch = _cloudwatch(runtime, request.target, run)
        if request.report_dir:
            write_reports(report, request.report_dir, chart=request.chart)
    return report


def _cloudwatch(runtime: Runtime, target: Target, run: LocustRun) -> dict[str, Any]:
    from apigwops.loadtest.target import flush_sandbox

    if flush_sandbox(target.url):
        runtime.progress.step("asked the sandbox to ship this minute's metrics")
    return fetch_cloudwatch(runtime, _target_info(target), run.started, run.ended, run.whole)


def _target_info(target: Target) -> dict[str, Any]:
    return {
        "api_name": target.api_name,
        "api_id": target.api_id,
        "api_type": target.api_type,
        "stage": target.stage,
    }


def fetch_cloudwatch(
    runtime: Runtime, api: dict[str, Any], started: float, ended: float, locust: Totals
) -> dict[str, Any]:
    """The stage's metrics for a run window, beside Locust's; a note instead when CloudWatch has none yet."""
    from apigwops.loadtest.cloudwatch import beside, stage_metrics

    runtime.progress.step("reading the stage's CloudWatch metrics for the run window")
    result = stage_metrics(
        runtime,
        api_type=api.get("api_type"),
        api_name=api.get("api_name"),
        api_id=api.get("api_id"),
        stage=str(api.get("stage") or ""),
        start=datetime.fromtimestamp(started, UTC),
        end=datetime.fromtimestamp(ended, UTC),
    )
    if "metrics" in result and all(v is None for v in result["metrics"].values()):
        result["note"] = (
            "no datapoints yet: CloudWatch publishes per minute, a few minutes late; "
            "read them later with 'apigwops loadtest check DIR --cloudwatch'"
        )
    if "metrics" in result:
        result["beside"] = beside(locust, result["metrics"])
    return result


def check_saved(
    directory: Path,
    slos: list[Slo],
    *,
    exclude_ramp: bool = False,
    rewrite: bool = True,
    runtime: Runtime | None = None,
) -> LoadtestReport:
    """Judge a saved run (its summary.json) with these gates; rewrites the judged reports unless told not to.

    With a runtime, also (re)reads the stage's CloudWatch metrics for the run's window, which CloudWatch
    publishes minutes after the run ended."""
    from apigwops.errors import UsageError
    from apigwops.loadtest.reports import read_summary, write_reports

    report = read_summary(directory)
    report.rejudge(slos, exclude_ramp=exclude_ramp)
    if runtime is not None:
        api = report.run.get("api")
        if not api:
            raise UsageError(
                "--cloudwatch: this run targeted a URL, not --api/--stage, so there is no stage to read"
            )
        started, ended = (datetime.fromisoformat(report.run[k]).timestamp() for k in ("started", "ended"))
        report.cloudwatch = fetch_cloudwatch(runtime, api, started, ended, report.whole)
    if rewrite and directory.is_dir():
        write_reports(report, directory, chart=False)
    return report
