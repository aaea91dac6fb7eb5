"""The seed's recommended alarms for a stage, which of them exist, and the commands that add the missing ones.

The set (issue 15, from the project seed): 5XX errors > 10 in 5 minutes, 4XX errors > 100 in 5 minutes, p99
latency > 3 s, p99 integration latency > 2 s, and (REST stages with caching) cache hit rate < 50 %. Metric names
and dimensions follow the API type (signals reference §6.1-6.3): REST `5XXError`/`4XXError` keyed by `ApiName`,
HTTP `5xx`/`4xx` keyed by `ApiId`. WebSocket APIs have no 4xx/5xx or Latency metrics; their equivalents
(`IntegrationError`, `ClientError`, `IntegrationLatency`) carry the same thresholds [inferred mapping].

apigwops stays read-only: this module only prints `aws cloudwatch put-metric-alarm` commands and a
CloudFormation snippet; it never calls PutMetricAlarm.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from apigwops.alarms.model import Alarm
from apigwops.diagnose.severity import AlarmLevels
from apigwops.model import ApiType

NAMESPACE = "AWS/ApiGateway"
PERIOD_S = 300
CACHE_HIT_EXPRESSION = "100 * hits / (hits + misses)"


@dataclass(frozen=True)
class StageRef:
    region: str
    api_id: str
    api_name: str
    api_type: ApiType
    stage: str
    caching: bool = False

    def dimensions(self) -> dict[str, str]:
        """REST metrics are keyed by API name, HTTP and WebSocket metrics by API id (§6.1-6.3)."""
        if self.api_type == "REST":
            return {"ApiName": self.api_name, "Stage": self.stage}
        return {"ApiId": self.api_id, "Stage": self.stage}

    def label(self) -> str:
        return f"{self.api_name}/{self.stage}"


@dataclass(frozen=True)
class Recommendation:
    key: str  # 5xx | 4xx | latency-p99 | integration-latency-p99 | cache-hit-rate
    metric: str  # for cache-hit-rate: CacheHitCount (with CacheMissCount in the expression)
    statistic: str  # Sum or an extended statistic such as p99
    threshold: float
    comparison: str
    description: str

    @property
    def extended(self) -> bool:
        return self.statistic.startswith("p")


CACHE_HIT_RATE_PERCENT = 50.0  # the seed's cache alarm: hit rate below 50 %


def recommended_for(stage: StageRef, levels: AlarmLevels | None = None) -> list[Recommendation]:
    """The recommended alarms for a stage. Thresholds are the seed's alarm levels (`diagnose.severity`), the
    levels diagnose scales severity against, so one place holds them."""
    lv = levels or AlarmLevels()
    e5, e4 = lv.errors_5xx_per_5min, lv.errors_4xx_per_5min
    p99, integ = lv.p99_latency_ms, lv.integration_latency_ms
    over = "GreaterThanThreshold"
    integration = Recommendation(
        "integration-latency-p99",
        "IntegrationLatency",
        "p99",
        integ,
        over,
        f"p99 integration latency > {integ:g} ms",
    )
    if stage.api_type == "WEBSOCKET":
        return [
            Recommendation(
                "5xx", "IntegrationError", "Sum", e5, over, f"integration errors > {e5:g} in 5 minutes"
            ),
            Recommendation("4xx", "ClientError", "Sum", e4, over, f"client errors > {e4:g} in 5 minutes"),
            integration,
        ]
    rest = stage.api_type == "REST"
    out = [
        Recommendation(
            "5xx", "5XXError" if rest else "5xx", "Sum", e5, over, f"5XX errors > {e5:g} in 5 minutes"
        ),
        Recommendation(
            "4xx", "4XXError" if rest else "4xx", "Sum", e4, over, f"4XX errors > {e4:g} in 5 minutes"
        ),
        Recommendation("latency-p99", "Latency", "p99", p99, over, f"p99 latency > {p99:g} ms"),
        integration,
    ]
    if rest and stage.caching:
        rate = CACHE_HIT_RATE_PERCENT
        out.append(
            Recommendation(
                "cache-hit-rate",
                "CacheHitCount",
                "Sum",
                rate,
                "LessThanThreshold",
                f"cache hit rate < {rate:g} %",
            )
        )
    return out


def _watches(alarm: Alarm, stage: StageRef, rec: Recommendation) -> bool:
    """An alarm covers a recommendation when it reads that metric for that stage (any threshold)."""
    wanted = stage.dimensions()
    return any(
        m.namespace == NAMESPACE and m.metric == rec.metric and m.dims() == wanted for m in alarm.metrics
    )


@dataclass(frozen=True)
class Coverage:
    stage: StageRef
    present: dict[str, list[str]]  # recommendation key -> alarm names that cover it
    missing: list[Recommendation]

    def as_json(self) -> dict[str, Any]:
        return {
            "api": self.stage.api_name,
            "api_id": self.stage.api_id,
            "type": self.stage.api_type,
            "stage": self.stage.stage,
            "region": self.stage.region,
            "present": self.present,
            "missing": [
                {
                    "key": r.key,
                    "description": r.description,
                    "command": put_metric_alarm_command(self.stage, r),
                }
                for r in self.missing
            ],
        }


def coverage(stage: StageRef, alarms: list[Alarm], levels: AlarmLevels | None = None) -> Coverage:
    present: dict[str, list[str]] = {}
    missing: list[Recommendation] = []
    for rec in recommended_for(stage, levels):
        names = sorted(a.name for a in alarms if _watches(a, stage, rec))
        if names:
            present[rec.key] = names
        else:
            missing.append(rec)
    return Coverage(stage, present, missing)


def alarm_name_for(stage: StageRef, rec: Recommendation) -> str:
    return f"{stage.api_name}-{stage.stage}-{rec.key}"


def _cache_metrics(stage: StageRef) -> list[dict[str, Any]]:
    dims = [{"Name": k, "Value": v} for k, v in stage.dimensions().items()]

    def stat(query_id: str, metric: str) -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {"Namespace": NAMESPACE, "MetricName": metric, "Dimensions": dims},
                "Period": PERIOD_S,
                "Stat": "Sum",
            },
            "ReturnData": False,
        }

    return [
        stat("hits", "CacheHitCount"),
        stat("misses", "CacheMissCount"),
        {"Id": "rate", "Expression": CACHE_HIT_EXPRESSION, "Label": "cache hit rate (%)", "ReturnData": True},
    ]


def put_metric_alarm_command(stage: StageRef, rec: Recommendation) -> str:
    """A ready-to-run AWS CLI command (values shell-quoted) that creates the recommended alarm."""
    q = shlex.quote
    parts = [
        "aws cloudwatch put-metric-alarm",
        f"--region {q(stage.region)}",
        f"--alarm-name {q(alarm_name_for(stage, rec))}",
        f"--alarm-description {q('apigwops recommended: ' + rec.description)}",
    ]
    if rec.key == "cache-hit-rate":
        parts.append(f"--metrics {q(json.dumps(_cache_metrics(stage), separators=(',', ':')))}")
    else:
        dims = " ".join(q(f"Name={k},Value={v}") for k, v in stage.dimensions().items())
        parts += [f"--namespace {NAMESPACE}", f"--metric-name {q(rec.metric)}", f"--dimensions {dims}"]
        parts.append(
            f"--extended-statistic {rec.statistic}" if rec.extended else f"--statistic {rec.statistic}"
        )
        parts.append(f"--period {PERIOD_S}")
    parts += [
        "--evaluation-periods 1",
        f"--threshold {rec.threshold:g}",
        f"--comparison-operator {rec.comparison}",
        "--treat-missing-data notBreaching",
    ]
    return " \\\n  ".join(parts)


def _logical_id(stage: StageRef, rec: Recommendation) -> str:
    raw = f"{stage.api_name}{stage.stage}{rec.key}".title()
    return "".join(ch for ch in raw if ch.isalnum()) + "Alarm"


def cloudformation_resources(missing: list[tuple[StageRef, Recommendation]]) -> dict[str, Any]:
    """`AWS::CloudWatch::Alarm` resources for the missing alarms, as a template dict (render it as YAML)."""
    resources: dict[str, Any] = {}
    for stage, rec in missing:
        props: dict[str, Any] = {
            "AlarmName": alarm_name_for(stage, rec),
            "AlarmDescription": f"apigwops recommended: {rec.description}",
            "EvaluationPeriods": 1,
            "Threshold": rec.threshold,
            "ComparisonOperator": rec.comparison,
            "TreatMissingData": "notBreaching",
        }
        if rec.key == "cache-hit-rate":
            props["Metrics"] = _cache_metrics(stage)
        else:
            props.update(
                {
                    "Namespace": NAMESPACE,
                    "MetricName": rec.metric,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in stage.dimensions().items()],
                    "Period": PERIOD_S,
                    ("ExtendedStatistic" if rec.extended else "Statistic"): rec.statistic,
                }
            )
        resources[_logical_id(stage, rec)] = {"Type": "AWS::CloudWatch::Alarm", "Properties": props}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
