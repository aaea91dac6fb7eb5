"""Read one alarm (by name or ARN) with its composite children and its state history.

DescribeAlarms gives the definition and the current state; DescribeAlarmHistory gives the transitions, which
is what says when the alarm last went into ALARM even after it has gone back to OK. History is an extra: when
it cannot be read (AccessDenied, an emulator without it) the result is partial and the `alarm-history` check
says why; the current state's timestamp then stands in for the last transition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from apigwops.alarms.model import (
    Alarm,
    Transition,
    parse_arn,
    parse_composite_alarm,
    parse_metric_alarm,
    parse_transition,
)
from apigwops.aws.errors import skip_reason, translate
from apigwops.aws.session import AwsContext
from apigwops.errors import NotFoundError, UsageError
from apigwops.model import Check

HISTORY_DAYS = 14  # CloudWatch keeps alarm history for 30 days; two weeks is plenty to find the last firing
HISTORY_MAX_RECORDS = 100
MAX_NAMES_PER_CALL = 100  # DescribeAlarms AlarmNames limit


@dataclass(frozen=True)
class AlarmRead:
    alarm: Alarm
    children: tuple[Alarm, ...]  # composite alarms: the alarms its rule names that could be read
    transitions: tuple[Transition, ...]  # StateUpdate items, newest first; empty when history was not read
    checks: tuple[Check, ...]


def alarm_name(name_or_arn: str) -> tuple[str | None, str]:
    """(region from the ARN or None, alarm name); a blank value is a usage error."""
    text = name_or_arn.strip()
    if not text:
        raise UsageError("--alarm is empty: give an alarm name or ARN")
    parsed = parse_arn(text)
    if parsed:
        return parsed
    if text.startswith("arn:"):
        raise UsageError(
            f"{text!r} is not a CloudWatch alarm ARN (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME)"
        )
    return None, text


def describe(aws: AwsContext, names: list[str]) -> list[Alarm]:
    """Metric, math and composite alarms by name (100 names per call)."""
    client = aws.client("cloudwatch")
    found: list[Alarm] = []
    for first in range(0, len(names), MAX_NAMES_PER_CALL):
        try:
            page = client.describe_alarms(
                AlarmNames=names[first : first + MAX_NAMES_PER_CALL],
                AlarmTypes=["MetricAlarm", "CompositeAlarm"],
            )
        except Exception as exc:
            known = translate(exc)
            if known is None:
                raise
            raise known from exc
        found += [parse_metric_alarm(a) for a in page.get("MetricAlarms", [])]
        found += [parse_composite_alarm(a) for a in page.get("CompositeAlarms", [])]
    return found


def history(aws: AwsContext, name: str, now: datetime) -> tuple[list[Transition], Check]:
    """The alarm's state changes of the last two weeks, newest first, and the check that says how that went."""
    try:
        answer = aws.client("cloudwatch").describe_alarm_history(
            AlarmName=name,
            HistoryItemType="StateUpdate",
            StartDate=now - timedelta(days=HISTORY_DAYS),
            EndDate=now,
            MaxRecords=HISTORY_MAX_RECORDS,
            ScanBy="TimestampDescending",
        )
    except Exception as exc:
        return [], Check("alarm-history", "skipped", skip_reason(exc, "cloudwatch", "DescribeAlarmHistory"))
    items = [t for t in (parse_transition(i) for i in answer.get("AlarmHistoryItems", [])) if t]
    items.sort(key=lambda t: t.timestamp, reverse=True)
    return items, Check("alarm-history", "ok", detail={"state_changes": len(items)})


def read_alarm(aws: AwsContext, name: str, now: datetime) -> AlarmRead:
    """The alarm, its children (composite) and its history; an unknown name is NotFoundError (exit 2)."""
    found = [a for a in describe(aws, [name]) if a.name == name]
    if not found:
        raise NotFoundError(
            f"no CloudWatch alarm named {name!r} in {aws.region}",
            hint="check the name (or pass the alarm ARN), --region and --profile",
        )
    alarm = found[0]
    checks = [Check("alarm-describe", "ok", detail={"type": alarm.kind, "state": alarm.state})]
    children: list[Alarm] = []
    if alarm.kind == "composite":
        wanted = alarm.children()
        children = describe(aws, wanted) if wanted else []
        missing = sorted(set(wanted) - {c.name for c in children})
        if missing:
            checks.append(
                Check(
                    "alarm-children",
                    "skipped",
                    f"alarms named in the rule but not found: {', '.join(missing)}",
                )
            )
    transitions, history_check = history(aws, name, now)
    checks.append(history_check)
    return AlarmRead(alarm, tuple(children), tuple(transitions), tuple(checks))
