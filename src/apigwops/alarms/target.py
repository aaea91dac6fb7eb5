"""From an alarm to what `diagnose` needs: the API and stage, the symptom and the window.

- API and stage come from the watched metric's dimensions: REST metrics are keyed `ApiName`+`Stage`, HTTP and
  WebSocket metrics `ApiId`+`Stage` (signals reference §6.1-6.3); a Lambda metric's `FunctionName` maps back to
  the APIs that integrate the function (`functions.py`).
- The symptom comes from the metric (`SYMPTOM_BY_METRIC`).
- The window ends now (or when the alarm went back to OK) and starts at the last transition to ALARM, minus the
  alarm's own evaluation range, minus a lead-in so that the diagnosis has a healthy baseline to compare with.
- Metric-math alarms: the `MetricStat` queries that name an API are used; expressions are evaluated by CloudWatch
  and are listed as not resolved. Composite alarms: the children in ALARM are tried first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from apigwops.alarms.functions import apis_integrating
from apigwops.alarms.model import Alarm, MetricRef
from apigwops.alarms.read import AlarmRead
from apigwops.aws.session import AwsContext
from apigwops.errors import UsageError
from apigwops.model import Check
from apigwops.timewindow import Window

LEAD_IN = timedelta(minutes=30)
NEVER_FIRED_WINDOW = timedelta(minutes=30)
APIGW = "AWS/ApiGateway"
LAMBDA = "AWS/Lambda"

SYMPTOM_BY_METRIC: dict[tuple[str, str], str] = {
    (APIGW, "5XXError"): "5xx",
    (APIGW, "5xx"): "5xx",
    (APIGW, "4XXError"): "auto",
    (APIGW, "4xx"): "auto",
    (APIGW, "Latency"): "latency",
    (APIGW, "IntegrationLatency"): "latency",
    (APIGW, "Count"): "auto",
    (APIGW, "CacheHitCount"): "latency",
    (APIGW, "CacheMissCount"): "latency",
    (APIGW, "IntegrationError"): "auto",  # WebSocket
    (APIGW, "ExecutionError"): "auto",
    (APIGW, "ClientError"): "auto",
    (LAMBDA, "Errors"): "5xx",
    (LAMBDA, "Throttles"): "5xx",
    (LAMBDA, "Duration"): "latency",
}
# When a math alarm reads several metrics, the most specific symptom wins.
_SPECIFICITY = {"5xx": 2, "latency": 1, "auto": 0}


@dataclass
class AlarmTarget:
    read: AlarmRead
    api: str
    stage: str
    symptom: str
    window: Window
    window_source: str  # history | state | none | command-line
    fired_at: datetime | None = None
    ok_at: datetime | None = None
    used_alarm: Alarm | None = None  # the alarm (or composite child) whose metric named the stage
    used_metric: MetricRef | None = None
    unresolved: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def checks(self) -> tuple[Check, ...]:
        return self.read.checks

    def as_json(self) -> dict[str, Any]:
        """The additive `alarm` key of the diagnose report."""
        alarm = self.read.alarm
        out = alarm.as_json()
        out.update(
            {
                "fired_at": _iso(self.fired_at),
                "returned_to_ok_at": _iso(self.ok_at),
                "window_source": self.window_source,
                "symptom": self.symptom,
                "metric": self.used_metric.as_json() if self.used_metric else None,
                "unresolved": list(self.unresolved),
                "notes": list(self.notes),
            }
        )
        if alarm.kind == "composite":
            out["children"] = [c.as_json() for c in self.read.children]
            out["used_child"] = (
                self.used_alarm.name if self.used_alarm and self.used_alarm is not alarm else None
            )
        return out


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _api_of(metric: MetricRef) -> tuple[str | None, str | None]:
    dims = metric.dims()
    if metric.namespace != APIGW:
        return None, None
    return dims.get("ApiName") or dims.get("ApiId"), dims.get("Stage")


def _candidates(read: AlarmRead) -> list[Alarm]:
    """The alarm itself, or for a composite its children, those in ALARM first."""
    if read.alarm.kind != "composite":
        return [read.alarm]
    return sorted(read.children, key=lambda a: a.state != "ALARM")


def _symptom(metrics: list[MetricRef]) -> str:
    symptoms = [SYMPTOM_BY_METRIC.get((m.namespace, m.metric), "auto") for m in metrics]
    return max(symptoms, key=lambda s: _SPECIFICITY[s], default="auto")


def _unresolved(alarm: Alarm, used: list[MetricRef]) -> list[str]:
    out: list[str] = []
    for query_id, expression in alarm.expressions:
        out.append(
            f"alarm {alarm.name}: expression {query_id} = {expression} is computed by CloudWatch; its threshold "
            "applies to the expression, and apigwops diagnosed from the metrics it reads"
        )
    for metric in alarm.metrics:
        if metric not in used:
            out.append(
                f"alarm {alarm.name}: metric {metric.namespace} {metric.metric} "
                f"({', '.join(f'{k}={v}' for k, v in metric.dimensions) or 'no dimensions'}) names no API stage"
            )
    return out


def _from_lambda(aws: AwsContext, function: str, api: str | None, stage: str | None) -> tuple[str, str, str]:
    """(api, stage, note) for a Lambda alarm; several candidates without --api/--stage is a usage error."""
    found = apis_integrating(aws, function)
    if api:
        found = [a for a in found if api in (a.id, a.name)]
    if stage:
        found = [a for a in found if stage in a.stages]
    if not found:
        raise UsageError(
            f"no API in {aws.region} integrates Lambda function {function!r}"
            + (" with the given --api/--stage" if api or stage else ""),
            hint="pass --api and --stage to diagnose a stage anyway",
        )
    choices = [(a, s) for a in found for s in ((stage,) if stage else a.stages)]
    if len(choices) != 1:
        labels = "; ".join(a.label() for a in found)
        raise UsageError(
            f"Lambda function {function!r} serves several API stages: {labels}",
            hint="choose one with --api and --stage",
        )
    chosen, chosen_stage = choices[0]
    return (
        chosen.id,
        chosen_stage,
        f"function {function} is integrated by {chosen.name} ({chosen.id}, {chosen.type})",
    )


def _locate(
    aws: AwsContext, read: AlarmRead, api: str | None, stage: str | None
) -> tuple[str, str, str, Alarm, MetricRef, list[str], list[str]]:
    notes: list[str] = []
    unresolved: list[str] = []
    for alarm in _candidates(read):
        api_metrics = [m for m in alarm.metrics if _api_of(m)[0]]
        lambda_metrics = [m for m in alarm.metrics if m.namespace == LAMBDA and m.dims().get("FunctionName")]
        if api_metrics:
            metric = api_metrics[0]
            named_api, named_stage = _api_of(metric)
            chosen_stage = stage or named_stage
            if not chosen_stage:
                raise UsageError(
                    f"alarm {alarm.name} watches {named_api} across all stages (no Stage dimension)",
                    hint="choose one with --stage",
                )
            unresolved += _unresolved(alarm, api_metrics)
            return (
                api or str(named_api),
                chosen_stage,
                _symptom(api_metrics),
                alarm,
                metric,
                unresolved,
                notes,
            )
        if lambda_metrics:
            metric = lambda_metrics[0]
            found_api, found_stage, note = _from_lambda(aws, metric.dims()["FunctionName"], api, stage)
            notes.append(note)
            unresolved += _unresolved(alarm, lambda_metrics)
            return found_api, found_stage, _symptom(lambda_metrics), alarm, metric, unresolved, notes
        unresolved += _unresolved(alarm, [])
        if alarm.kind == "composite":
            unresolved.append(f"composite alarm {alarm.name}: nested composite alarms are not followed")
    if api and stage:
        notes.append("no metric of the alarm names an API stage; using --api and --stage")
        return api, stage, "auto", read.alarm, MetricRef("", "", (), ""), unresolved, notes
    raise UsageError(
        f"alarm {read.alarm.name} watches no API Gateway or Lambda metric apigwops can map to an API stage"
        + (f" ({'; '.join(unresolved)})" if unresolved else ""),
        hint="pass --api and --stage to diagnose a stage with the alarm's window",
    )


def _window(
    read: AlarmRead, used: Alarm, now: datetime
) -> tuple[Window, str, datetime | None, datetime | None, str | None]:
    alarm = read.alarm
    fired_at: datetime | None = None
    ok_at: datetime | None = None
    source = "none"
    for index, transition in enumerate(read.transitions):  # newest first
        if transition.new_state == "ALARM":
            fired_at = transition.timestamp
            later = read.transitions[:index]
            ok_at = later[-1].timestamp if later else None
            source = "history"
            break
    if fired_at is None and alarm.state == "ALARM" and alarm.state_updated is not None:
        fired_at, source = alarm.state_updated, "state"
    if fired_at is None:
        note = (
            f"alarm {alarm.name} has not been in ALARM "
            + ("in its history of the last two weeks" if read.transitions or _history_read(read) else "now")
            + f"; diagnosing the last {int(NEVER_FIRED_WINDOW.total_seconds() // 60)} minutes"
        )
        return Window(now - NEVER_FIRED_WINDOW, now), source, None, None, note
    lookback = timedelta(seconds=used.evaluation_range_s())
    start = fired_at - lookback - LEAD_IN
    start = start.replace(second=0, microsecond=0)
    end = now if ok_at is None else min(now, ok_at + timedelta(seconds=used.evaluation_range_s()))
    return Window(start, min(now, max(end, fired_at + timedelta(minutes=1)))), source, fired_at, ok_at, None


def _history_read(read: AlarmRead) -> bool:
    return any(c.id == "alarm-history" and c.status == "ok" for c in read.checks)


def alarm_target(
    aws: AwsContext,
    read: AlarmRead,
    now: datetime,
    *,
    api: str | None = None,
    stage: str | None = None,
    window: Window | None = None,
) -> AlarmTarget:
    """Resolve the alarm to a stage, symptom and window; `api`/`stage`/`window` from the command line win."""
    found_api, found_stage, symptom, used, metric, unresolved, notes = _locate(aws, read, api, stage)
    alarm_window, source, fired_at, ok_at, note = _window(read, used, now)
    if note:
        notes.append(note)
    if source == "state":
        notes.append(
            "the alarm's state history could not be read; the window starts from the time its current ALARM "
            "state began"
        )
    if window is not None:
        alarm_window, source = window, "command-line"
    return AlarmTarget(
        read=read,
        api=found_api,
        stage=found_stage,
        symptom=symptom,
        window=alarm_window,
        window_source=source,
        fired_at=fired_at,
        ok_at=ok_at,
        used_alarm=used,
        used_metric=metric if metric.metric else None,
        unresolved=unresolved,
        notes=notes,
    )


def resolve_alarm(
    aws: AwsContext,
    name_or_arn: str,
    now: datetime,
    *,
    api: str | None = None,
    stage: str | None = None,
    window: Window | None = None,
) -> tuple[AwsContext, AlarmTarget]:
    """Read the alarm (in the ARN's region when an ARN is given) and resolve it; returns the context used."""
    from dataclasses import replace

    from apigwops.alarms.read import alarm_name, read_alarm

    region, name = alarm_name(name_or_arn)
    if region and region != aws.region:
        aws = AwsContext(replace(aws.settings, region=region))
    read = read_alarm(aws, name, now)
    return aws, alarm_target(aws, read, now, api=api, stage=stage, window=window)
