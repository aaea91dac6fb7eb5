"""`diagnose --alarm`: the glue between the alarm and a diagnosis, kept out of the CLI module.

`from_alarm` resolves the alarm into the stage, window and symptom (the command line still wins where given);
`add_alarm` adds the additive `alarm` key to the report and puts the alarm checks first in `checks`
(`render.alarm.render_alarm` prints it above the findings).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apigwops.alarms.target import AlarmTarget
    from apigwops.runtime import Runtime


def from_alarm(
    runtime: Runtime,
    alarm: str,
    api: str | None,
    stage: str | None,
    since: str | None,
    start: str | None,
    end: str | None,
    symptom: str,
) -> tuple[Runtime, AlarmTarget, str]:
    from apigwops.alarms.target import resolve_alarm
    from apigwops.timewindow import resolve_window

    explicit = (
        resolve_window(since=since, start=start, end=end, now=runtime.clock)
        if (since or start or end)
        else None
    )
    runtime.progress.step(f"reading alarm {alarm}")
    aws, target = resolve_alarm(runtime.aws, alarm, runtime.clock(), api=api, stage=stage, window=explicit)
    if aws is not runtime.aws:
        runtime = dataclasses.replace(runtime, aws=aws)
    runtime.progress.step(
        f"alarm {target.read.alarm.name} -> {target.api} stage {target.stage}, symptom {target.symptom}"
    )
    return runtime, target, target.symptom if symptom == "auto" else symptom


def add_alarm(document: dict[str, Any], target: AlarmTarget) -> dict[str, Any]:
    out = dict(document)
    out["alarm"] = target.as_json()
    out["checks"] = [c.as_json() for c in target.checks] + list(document.get("checks", []))
    return out
