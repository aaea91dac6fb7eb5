"""CloudWatch metrics for one stage: API Gateway, every integrated Lambda function, and WAF per rule.

All series go into as few GetMetricData calls as possible (500 queries per call, `NextToken` pages for long
windows). Percentiles (p50/p90/p99 of Latency, IntegrationLatency and Lambda Duration) go in a separate call:
an endpoint that cannot serve extended statistics (moto raises on `p99`) then costs only that call, and the
caller reports it as the skipped check `metrics-percentiles`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from apigwops.apitypes import CACHE_METRICS, profile
from apigwops.buckets import ceil, floor
from apigwops.model import METRIC_COLUMNS, ApiInfo, LambdaFunction, StageConfig
from apigwops.timewindow import Window

if TYPE_CHECKING:
    import pandas as pd

MAX_QUERIES_PER_CALL = 500
PERCENTILES = ("p50", "p90", "p99")

_LAMBDA_METRICS = (
    ("Invocations", ("Sum",)),
    ("Errors", ("Sum",)),
    ("Throttles", ("Sum",)),
    ("Duration", ("Average", "Maximum")),
    ("ConcurrentExecutions", ("Maximum",)),
)
_WAF_METRICS = (("AllowedRequests", ("Sum",)), ("BlockedRequests", ("Sum",)), ("CountedRequests", ("Sum",)))
WAF_ALL_RULES = "ALL"  # the Rule dimension value of web-ACL totals


@dataclass(frozen=True)
class MetricSpec:
    namespace: str
    metric: str
    stat: str
    dimensions: tuple[tuple[str, str], ...]  # sorted by name

    @property
    def dimensions_key(self) -> str:
        return ",".join(f"{name}={value}" for name, value in self.dimensions)


def _specs(
    namespace: str, table: Sequence[tuple[str, tuple[str, ...]]], dims: dict[str, str]
) -> list[MetricSpec]:
    ordered = tuple(sorted(dims.items()))
    return [MetricSpec(namespace, metric, stat, ordered) for metric, stats in table for stat in stats]


def api_dimensions(api: ApiInfo) -> dict[str, str]:
    """REST metrics are keyed by API *name* (two APIs with one name share them); HTTP and WebSocket by id."""
    return profile(api.type).dimensions(api.name, api.id, api.stage)


def metric_specs(
    api: ApiInfo,
    stage: StageConfig,
    functions: Sequence[LambdaFunction] = (),
    *,
    web_acl_metric: str | None = None,
    waf_rule_metrics: Sequence[str] = (),
    region: str | None = None,
) -> list[MetricSpec]:
    """Every plain-statistic series diagnose reads (percentiles are separate: `percentile_specs`)."""
    table = list(profile(api.type).metrics)
    if stage.caching_enabled and profile(api.type).cache:
        table += CACHE_METRICS
    specs = _specs("AWS/ApiGateway", table, api_dimensions(api))
    for function in functions:
        specs += _specs("AWS/Lambda", _LAMBDA_METRICS, {"FunctionName": function.name})
    if web_acl_metric:
        for rule in (WAF_ALL_RULES, *waf_rule_metrics):
            dims = {"WebACL": web_acl_metric, "Rule": rule, **({"Region": region} if region else {})}
            specs += _specs("AWS/WAFV2", _WAF_METRICS, dims)
    return specs


def percentile_specs(api: ApiInfo, functions: Sequence[LambdaFunction] = ()) -> list[MetricSpec]:
    metrics = profile(api.type).percentile_metrics
    specs = _specs("AWS/ApiGateway", [(m, PERCENTILES) for m in metrics], api_dimensions(api))
    for function in functions:
        specs += _specs("AWS/Lambda", [("Duration", PERCENTILES)], {"FunctionName": function.name})
    return specs


def period_for(window: Window) -> int:
    """One-minute points for incident windows; coarser for long ones (CloudWatch keeps 1-minute data 15 days)."""
    if window.end - window.start <= timedelta(hours=3):
        return 60
    if window.end - window.start <= timedelta(days=1):
        return 300
    return 3600


def fetch_metrics(
    client: Any, specs: Sequence[MetricSpec], window: Window, *, period: int | None = None
) -> pd.DataFrame:
    """GetMetricData in batches of 500 queries, following NextToken; one row per datapoint (METRIC_COLUMNS)."""

    step = period or period_for(window)
    rows: list[dict[str, Any]] = []
    for first in range(0, len(specs), MAX_QUERIES_PER_CALL):
        batch = specs[first : first + MAX_QUERIES_PER_CALL]
        queries = [
            {
                "Id": f"m{first + i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": spec.namespace,
                        "MetricName": spec.metric,
                        "Dimensions": [{"Name": n, "Value": v} for n, v in spec.dimensions],
                    },
                    "Period": step,
                    "Stat": spec.stat,
                },
                "ReturnData": True,
            }
            for i, spec in enumerate(batch)
        ]
        request: dict[str, Any] = {
            "MetricDataQueries": queries,
            # whole periods on the clock, as GetMetricData advises and diagnose's buckets are (apigwops.buckets)
            "StartTime": floor(window.start, step),
            "EndTime": ceil(window.end, step),
            "ScanBy": "TimestampAscending",
        }
        while True:
            answer = client.get_metric_data(**request)
            for result in answer.get("MetricDataResults", []):
                spec = specs[int(result["Id"][1:])]
                for timestamp, value in zip(
                    result.get("Timestamps", []), result.get("Values", []), strict=False
                ):
                    rows.append(
                        {
                            "namespace": spec.namespace,
                            "metric": spec.metric,
                            "stat": spec.stat,
                            "dimensions": spec.dimensions_key,
                            "timestamp": timestamp,
                            "value": float(value),
                        }
                    )
            token = answer.get("NextToken")
            if not token:
                break
            request["NextToken"] = token
    return metrics_frame(rows)


def metrics_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(METRIC_COLUMNS))
    for column in ("namespace", "metric", "stat", "dimensions"):
        frame[column] = frame[column].astype("string")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True).astype("datetime64[ms, UTC]")
    frame["value"] = frame["value"].astype("float64")
    return frame.sort_values(["namespace", "metric", "stat", "dimensions", "timestamp"]).reset_index(
        drop=True
    )


DERIVED_NAMESPACE = "apigwops/derived"
TIMEOUT_RATIO = "DurationMaximumToTimeout"


def timeout_ratios(frame: pd.DataFrame, functions: Sequence[LambdaFunction]) -> pd.DataFrame:
    """Lambda `Duration` Maximum over each function's configured timeout, per datapoint (1.0 = timing out).

    Written as rows of the metrics table (namespace `apigwops/derived`) so playbooks compare like with like.
    """
    rows: list[dict[str, Any]] = []
    durations = frame[
        (frame["namespace"] == "AWS/Lambda") & (frame["metric"] == "Duration") & (frame["stat"] == "Maximum")
    ]
    for function in functions:
        if not function.timeout_s:
            continue
        dims = f"FunctionName={function.name}"
        for point in durations[durations["dimensions"] == dims].itertuples(index=False):
            rows.append(
                {
                    "namespace": DERIVED_NAMESPACE,
                    "metric": TIMEOUT_RATIO,
                    "stat": "Maximum",
                    "dimensions": dims,
                    "timestamp": point.timestamp,
                    "value": float(point.value) / (function.timeout_s * 1000.0),  # type: ignore[arg-type]
                }
            )
    return metrics_frame(rows)
