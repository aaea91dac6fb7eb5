"""The demo's last act, the on-call view: `status` over every sandbox stage, then `diagnose --alarm` on the
5XXError alarm the incident fired (the sandbox's alarm evaluator moved it to ALARM in moto).

Uses the same core as the commands (`status.read.read_status`, `alarms.target.resolve_alarm`, the collector
and the engine), so the demo shows what `apigwops status` and `apigwops diagnose --alarm` print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apigwops.runtime import Runtime
    from apigwops.sandbox import Sandbox

STATUS_SINCE = "15m"
DIAGNOSE_KIND = "diagnose"  # the result kind `apigwops diagnose` renders under (cli/diagnose.py DIAGNOSIS)


@dataclass
class OncallView:
    status: dict[str, Any]  # StatusReport.as_json()
    alarm_name: str | None  # the alarm diagnosed, None when none fired
    alarm_report: dict[str, Any] | None  # the diagnose document with its `alarm` key


def fired_alarm(sandbox: Sandbox) -> str:
    """The REST stage's 5XXError alarm: the one the demo's incident (timeouts and function errors) fires."""
    from apigwops.alarms.recommended import StageRef, alarm_name_for, recommended_for

    stage = StageRef(sandbox.region, sandbox.rest.api_id, sandbox.rest.api_name, "REST", sandbox.rest.stage)
    return alarm_name_for(stage, next(r for r in recommended_for(stage) if r.key == "5xx"))


def oncall_view(local: Runtime, sandbox: Sandbox) -> OncallView:
    from apigwops.alarms.entry import add_alarm
    from apigwops.alarms.target import resolve_alarm
    from apigwops.diagnose.engine import diagnose
    from apigwops.evidence.collect import collect_evidence
    from apigwops.status.read import read_status
    from apigwops.timewindow import Window

    now = local.clock()
    local.progress.step("on-call view: apigwops status over every sandbox stage")
    window = Window((now - timedelta(minutes=15)).replace(second=0, microsecond=0), now)
    status = read_status(local.aws, window, STATUS_SINCE)
    name = fired_alarm(sandbox)
    firing = {a for s in status.stages() for a in s.alarms}
    if name not in firing:
        local.progress.step(
            f"alarm {name} did not fire (the incident caused too few 5xx); no alarm to start from"
        )
        return OncallView(status.as_json(), None, None)
    local.progress.step(f"apigwops diagnose --alarm {name}")
    _, target = resolve_alarm(local.aws, name, now)
    evidence = collect_evidence(local, api=target.api, stage=target.stage, window=target.window)
    report = diagnose(evidence, symptom=target.symptom)
    return OncallView(status.as_json(), name, add_alarm(report.as_json(), target))


def render_oncall(runtime: Runtime, view: OncallView) -> None:
    """Print the status table, then the alarm's diagnosis, each under the command that would print it; on a
    terminal only (table output), so that JSON output stays one document."""
    from rich.rule import Rule

    from apigwops.render.alarm import render_alarm
    from apigwops.render.registry import Result, render
    from apigwops.render.status import render_status
    from apigwops.runtime import OutputFormat

    if runtime.out is None or runtime.output != OutputFormat.table or runtime.query is not None:
        return
    runtime.out.print(Rule(f"apigwops status --since {STATUS_SINCE}"))
    render_status(view.status, runtime.out)
    if view.alarm_name and view.alarm_report:
        runtime.out.print(Rule(f"apigwops diagnose --alarm {view.alarm_name}"))
        render_alarm(runtime, view.alarm_report["alarm"])
        render(runtime, Result(DIAGNOSE_KIND, view.alarm_report))
