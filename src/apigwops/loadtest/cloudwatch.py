"""The stage's own CloudWatch metrics for the run window, shown beside Locust's numbers.

Two views of one run disagree for good reasons (requests lost before the gateway, client-side queueing), and
seeing both is how a user tells the API's latency from the network's. Metric names and dimensions per API type
follow the API Gateway metrics docs, from the API type's profile (`apitypes`: REST ApiName+Stage,
4XXError/5XXError; HTTP ApiId+Stage, 4xx/5xx; WebSocket ApiId+Stage, MessageCount/ClientError/ExecutionError). Anything unavailable is skipped with the reason, never fatal: the load test itself already ran.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apigwops.apitypes import profile

if TYPE_CHECKING:
    from apigwops.loadtest.stats import Totals
    from apigwops.runtime import Runtime


def _queries(dimensions: list[dict[str, str]], names: dict[str, str], period: int) -> list[dict[str, Any]]:
    queries = []
    for label, metric in {**names, "Latency": "Latency", "IntegrationLatency": "IntegrationLatency"}.items():
        stat = "Average" if "Latency" in label else "Sum"
        queries.append(
            {
                "Id": label.lower().replace("4", "c4").replace("5", "c5"),
                "Label": label,
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/ApiGateway", "MetricName": metric, "Dimensions": dimensions},
                    "Period": period,
                    "Stat": stat,
                },
            }
        )
    return queries


def stage_metrics(
    runtime: Runtime,
    *,
    api_type: str | None,
    api_name: str | None,
    api_id: str | None,
    stage: str,
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    """{"window", "metrics": {Count, 4XX, 5XX, Latency, IntegrationLatency}} or {"skipped": reason}."""
    from apigwops.aws.errors import skip_reason

    facts = profile(api_type)
    if facts.metric_dimension == "ApiName" and not api_name:
        return {"skipped": "API name unknown"}
    if facts.metric_dimension == "ApiId" and not api_id:
        return {"skipped": "API id unknown"}
    dims = facts.dimensions(api_name or "", api_id or "", stage)
    dimensions = [{"Name": key, "Value": value} for key, value in dims.items()]
    traffic = facts.traffic_metrics
    names = {"Count": traffic["count"], "4XX": traffic["4xx"], "5XX": traffic["5xx"]}
    window_start = start.replace(second=0, microsecond=0)
    window_end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
    try:
        response = runtime.aws.client("cloudwatch").get_metric_data(
            MetricDataQueries=_queries(dimensions, names, 60),
            StartTime=window_start,
            EndTime=window_end,
        )
    except Exception as exc:  # botocore errors: a skipped source, not a failed run
        return {"skipped": skip_reason(exc, "cloudwatch", "GetMetricData")}
    metrics: dict[str, float | None] = {}
    for series in response.get("MetricDataResults", []):
        values = [float(v) for v in series.get("Values", [])]
        label = series.get("Label", series.get("Id"))
        if not values:
            metrics[label] = None
        elif "Latency" in label:
            metrics[label] = round(sum(values) / len(values), 2)
        else:
            metrics[label] = sum(values)
    return {
        "window": {"start": window_start.isoformat(), "end": window_end.isoformat()},
        "metrics": metrics,
        "note": "CloudWatch publishes API Gateway metrics per minute, up to a few minutes late",
    }


def beside(locust: Totals, metrics: dict[str, float | None]) -> list[dict[str, Any]]:
    """Locust's view and the stage's view of the same run, row by row. They differ for good reasons: requests
    lost before the gateway, Locust's own queueing, and CloudWatch's per-minute granularity (a neighbouring
    minute's traffic from someone else is counted too)."""

    def by_class(prefix: str) -> int:
        return sum(n for code, n in locust.status_counts.items() if code.startswith(prefix))

    return [
        {"metric": "requests", "locust": locust.requests, "cloudwatch": metrics.get("Count")},
        {"metric": "4xx responses", "locust": by_class("4"), "cloudwatch": metrics.get("4XX")},
        {"metric": "5xx responses", "locust": by_class("5"), "cloudwatch": metrics.get("5XX")},
        {"metric": "mean latency (ms)", "locust": locust.mean_ms, "cloudwatch": metrics.get("Latency")},
        {
            "metric": "integration latency (ms)",
            "locust": None,
            "cloudwatch": metrics.get("IntegrationLatency"),
        },
    ]
