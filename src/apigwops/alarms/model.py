"""CloudWatch alarms as plain data: what an alarm watches, its threshold and state, and its state changes.

DescribeAlarms returns three shapes: a metric alarm (`MetricName`/`Dimensions`/`Statistic`), a metric-math alarm
(`Metrics`: `MetricStat` entries plus `Expression` entries, the threshold applying to the expression that has
`ReturnData`), and a composite alarm (`AlarmRule` over other alarms' states). All three parse into `Alarm`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

AlarmKind = Literal["metric", "math", "composite"]

# Composite rules name their children as ALARM("name"), OK(name), INSUFFICIENT_DATA("arn:...:alarm:name").
_RULE_CHILD = re.compile(r"\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(\"[^\"]+\"|[^)\s]+)\s*\)")
ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$")


@dataclass(frozen=True)
class MetricRef:
    """One metric an alarm reads; `id` is the metric-math query id (None for a plain metric alarm)."""

    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    period: int | None = None
    id: str | None = None

    def dims(self) -> dict[str, str]:
        return dict(self.dimensions)

    def as_json(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "name": self.metric,
            "statistic": self.stat,
            "dimensions": self.dims(),
        }


@dataclass(frozen=True)
class Alarm:
    name: str
    arn: str
    kind: AlarmKind
    state: str
    state_reason: str = ""
    state_updated: datetime | None = None
    reason_data: dict[str, Any] = field(default_factory=dict)
    threshold: float | None = None
    comparison: str | None = None
    period: int | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    metrics: tuple[MetricRef, ...] = ()
    expressions: tuple[tuple[str, str], ...] = ()  # (query id, expression) of a metric-math alarm
    rule: str | None = None  # composite alarms only

    def children(self) -> list[str]:
        """The alarm names a composite rule refers to (ARNs reduced to names), in rule order."""
        if not self.rule:
            return []
        names: list[str] = []
        for token in _RULE_CHILD.findall(self.rule):
            name = token.strip('"')
            parsed = parse_arn(name)
            name = parsed[1] if parsed else name
            if name not in names:
                names.append(name)
        return names

    def evaluation_range_s(self) -> int:
        """How far back the alarm looks when it decides (period x evaluation periods)."""
        period = self.period or next((m.period for m in self.metrics if m.period), None) or 60
        return period * (self.evaluation_periods or 1)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "arn": self.arn,
            "type": self.kind,
            "state": self.state,
            "state_reason": self.state_reason,
            "threshold": self.threshold,
            "comparison": self.comparison,
            "period_s": self.period or next((m.period for m in self.metrics if m.period), None),
            "evaluation_periods": self.evaluation_periods,
            "datapoints_to_alarm": self.datapoints_to_alarm,
            "metrics": [m.as_json() for m in self.metrics],
            "expressions": [{"id": i, "expression": e} for i, e in self.expressions],
            "rule": self.rule,
        }


@dataclass(frozen=True)
class Transition:
    """One StateUpdate item of DescribeAlarmHistory."""

    timestamp: datetime
    old_state: str
    new_state: str
    summary: str


def parse_arn(text: str) -> tuple[str, str] | None:
    """'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:my alarm' -> ('eu-west-1', 'my alarm'); else None."""
    match = ARN_PATTERN.match(text.strip())
    return (match.group(1), match.group(3)) if match else None


def _utc(value: Any) -> datetime | None:
    """botocore parses timestamps with the endpoint's offset (tzlocal for some emulators); keep UTC throughout."""
    return value.astimezone(UTC) if isinstance(value, datetime) else None


def _dimensions(raw: list[dict[str, Any]] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(d["Name"]), str(d["Value"])) for d in raw or []))


def _reason_data(raw: Any) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def parse_metric_alarm(raw: dict[str, Any]) -> Alarm:
    """A MetricAlarms item; a non-empty `Metrics` list makes it a metric-math alarm."""
    queries = raw.get("Metrics") or []
    metrics: list[MetricRef] = []
    expressions: list[tuple[str, str]] = []
    for query in queries:
        stat = query.get("MetricStat")
        if stat:
            metric = stat.get("Metric", {})
            metrics.append(
                MetricRef(
                    str(metric.get("Namespace", "")),
                    str(metric.get("MetricName", "")),
                    _dimensions(metric.get("Dimensions")),
                    str(stat.get("Stat", "")),
                    stat.get("Period"),
                    str(query.get("Id", "")),
                )
            )
        elif query.get("Expression"):
            expressions.append((str(query.get("Id", "")), str(query["Expression"])))
    if not queries and raw.get("MetricName"):
        metrics.append(
            MetricRef(
                str(raw.get("Namespace", "")),
                str(raw["MetricName"]),
                _dimensions(raw.get("Dimensions")),
                str(raw.get("ExtendedStatistic") or raw.get("Statistic") or ""),
                raw.get("Period"),
            )
        )
    return Alarm(
        name=str(raw["AlarmName"]),
        arn=str(raw.get("AlarmArn", "")),
        kind="math" if queries else "metric",
        state=str(raw.get("StateValue", "")),
        state_reason=str(raw.get("StateReason", "")),
        state_updated=_utc(raw.get("StateUpdatedTimestamp")),
        reason_data=_reason_data(raw.get("StateReasonData")),
        threshold=raw.get("Threshold"),
        comparison=raw.get("ComparisonOperator"),
        period=raw.get("Period"),
        evaluation_periods=raw.get("EvaluationPeriods"),
        datapoints_to_alarm=raw.get("DatapointsToAlarm"),
        metrics=tuple(metrics),
        expressions=tuple(expressions),
    )


def parse_composite_alarm(raw: dict[str, Any]) -> Alarm:
    return Alarm(
        name=str(raw["AlarmName"]),
        arn=str(raw.get("AlarmArn", "")),
        kind="composite",
        state=str(raw.get("StateValue", "")),
        state_reason=str(raw.get("StateReason", "")),
        state_updated=_utc(raw.get("StateUpdatedTimestamp")),
        reason_data=_reason_data(raw.get("StateReasonData")),
        rule=str(raw.get("AlarmRule", "")),
    )


def parse_transition(item: dict[str, Any]) -> Transition | None:
    """A StateUpdate history item; its HistoryData JSON holds oldState/newState (aws-cli describe-alarm-history)."""
    if item.get("HistoryItemType", "StateUpdate") != "StateUpdate" or not item.get("Timestamp"):
        return None
    data = _reason_data(item.get("HistoryData"))
    old = str((data.get("oldState") or {}).get("stateValue", ""))
    new = str((data.get("newState") or {}).get("stateValue", ""))
    summary = str(item.get("HistorySummary", ""))
    if not new:
        # "Alarm updated from OK to ALARM"
        match = re.search(r"from (\w+) to (\w+)", summary)
        if not match:
            return None
        old, new = match.group(1), match.group(2)
    return Transition(_utc(item["Timestamp"]) or item["Timestamp"], old, new, summary)
