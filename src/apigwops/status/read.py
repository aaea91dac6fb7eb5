"""Read the status of every stage in one or more regions.

Per region: list the stages (`inventory`), then, side by side, the alarms (DescribeAlarms, paged) and the
metrics. The metrics of every stage go into as few GetMetricData calls as the 500-queries-per-call limit allows:
one batch of sums and maxima per period, and one of window-long p99s in a separate call, so that an endpoint
without extended statistics (moto) costs only the p99 columns (the `status-percentiles` check says so).
Regions are read in parallel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from apigwops.alarms.model import Alarm, parse_composite_alarm, parse_metric_alarm
from apigwops.alarms.recommended import StageRef, coverage
from apigwops.aws.errors import skip_reason
from apigwops.aws.paging import run_all
from apigwops.aws.session import AwsContext
from apigwops.diagnose.severity import AlarmLevels
from apigwops.model import Check
from apigwops.status.inventory import list_stages
from apigwops.status.model import RegionStatus, StageStatus, StatusReport
from apigwops.timewindow import Window

MAX_QUERIES_PER_CALL = 500
NAMESPACE = "AWS/ApiGateway"

# role -> metrics (summed when several) and statistic, per API type; WebSocket has no 4xx/5xx or Latency
# metrics, so ClientError stands for 4xx and IntegrationError + ExecutionError for 5xx (§6.3) [inferred mapping].
_ROLES: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "REST": {
        "requests": (("Count",), "Sum"),
        "4xx": (("4XXError",), "Sum"),
        "5xx": (("5XXError",), "Sum"),
        "latency_max": (("Latency",), "Maximum"),
        "integration_max": (("IntegrationLatency",), "Maximum"),
    },
    "HTTP": {
        "requests": (("Count",), "Sum"),
        "4xx": (("4xx",), "Sum"),
        "5xx": (("5xx",), "Sum"),
        "latency_max": (("Latency",), "Maximum"),
        "integration_max": (("IntegrationLatency",), "Maximum"),
    },
    "WEBSOCKET": {
        "requests": (("ConnectCount", "MessageCount"), "Sum"),
        "4xx": (("ClientError",), "Sum"),
        "5xx": (("IntegrationError", "ExecutionError"), "Sum"),
        "integration_max": (("IntegrationLatency",), "Maximum"),
    },
}
_PERCENTILE_ROLES: dict[str, dict[str, str]] = {
    "REST": {"latency_p99": "Latency", "integration_p99": "IntegrationLatency"},
    "HTTP": {"latency_p99": "Latency", "integration_p99": "IntegrationLatency"},
    "WEBSOCKET": {"integration_p99": "IntegrationLatency"},
}


@dataclass(frozen=True)
class Query:
    stage: int  # index into the stage list
    role: str
    metric: str
    stat: str
    period: int


def period_for(window: Window) -> int:
    if window.seconds <= 3 * 3600:
        return 60
    if window.seconds <= 86400:
        return 300
    return 3600


def _queries(stages: Sequence[StageRef], period: int, window_period: int) -> tuple[list[Query], list[Query]]:
    plain: list[Query] = []
    percentiles: list[Query] = []
    for index, ref in enumerate(stages):
        for role, (metrics, stat) in _ROLES[ref.api_type].items():
            plain += [Query(index, role, m, stat, period) for m in metrics]
        percentiles += [
            Query(index, role, m, "p99", window_period) for role, m in _PERCENTILE_ROLES[ref.api_type].items()
        ]
    return plain, percentiles


def _batch(
    client: Any, stages: Sequence[StageRef], queries: Sequence[Query], first: int, window: Window
) -> dict[int, list[tuple[datetime, float]]]:
    """One GetMetricData request of up to 500 queries (ids q<first + i>), its NextToken pages followed."""
    out: dict[int, list[tuple[datetime, float]]] = {}
    request: dict[str, Any] = {
        "MetricDataQueries": [
            {
                "Id": f"q{first + i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": NAMESPACE,
                        "MetricName": q.metric,
                        "Dimensions": [
                            {"Name": k, "Value": v} for k, v in stages[q.stage].dimensions().items()
                        ],
                    },
                    "Period": q.period,
                    "Stat": q.stat,
                },
                "ReturnData": True,
            }
            for i, q in enumerate(queries)
        ],
        "StartTime": window.start,
        "EndTime": window.end,
        "ScanBy": "TimestampAscending",
    }
    while True:
        answer = client.get_metric_data(**request)
        for result in answer.get("MetricDataResults", []):
            points = out.setdefault(int(result["Id"][1:]), [])
            points += list(
                zip(result.get("Timestamps", []), map(float, result.get("Values", [])), strict=False)
            )
        token = answer.get("NextToken")
        if not token:
            return out
        request["NextToken"] = token


def get_metric_data(
    client: Any, stages: Sequence[StageRef], queries: Sequence[Query], window: Window
) -> dict[int, list[tuple[datetime, float]]]:
    """GetMetricData in requests of 500 queries, sent side by side (one round trip for any number of stages,
    as far as the thread pool goes); query index -> datapoints. A failed request fails the whole read."""
    starts = range(0, len(queries), MAX_QUERIES_PER_CALL)
    futures = run_all(
        {
            str(first): partial(
                _batch, client, stages, queries[first : first + MAX_QUERIES_PER_CALL], first, window
            )
            for first in starts
        }
    )
    out: dict[int, list[tuple[datetime, float]]] = {}
    for first in starts:
        out.update(futures[str(first)].result())
    return out


def _buckets(window: Window, period: int) -> list[datetime]:
    count = max(1, math.ceil(window.seconds / period))
    return [window.start + timedelta(seconds=period * i) for i in range(count)]


def _apply(
    rows: list[StageStatus],
    queries: Sequence[Query],
    data: dict[int, list[tuple[datetime, float]]],
    window: Window,
) -> None:
    buckets = _buckets(window, queries[0].period) if queries else []
    for index, query in enumerate(queries):
        row = rows[query.stage]
        points = data.get(index, [])
        values = [v for _, v in points]
        if query.role in ("requests", "4xx", "5xx"):
            series = row.series.setdefault(query.role, [None] * len(buckets))
            for ts, value in points:
                slot = int((ts - window.start).total_seconds() // query.period)
                if 0 <= slot < len(series):
                    series[slot] = (series[slot] or 0.0) + value
            total = sum(values)
            if query.role == "requests":
                row.requests += total
            elif query.role == "4xx":
                row.errors_4xx += total
            else:
                row.errors_5xx += total
        elif values:
            top = max(values)
            attr = {
                "latency_max": "latency_max_ms",
                "integration_max": "integration_max_ms",
                "latency_p99": "latency_p99_ms",
                "integration_p99": "integration_p99_ms",
            }[query.role]
            current = getattr(row, attr)
            setattr(row, attr, top if current is None else max(current, top))


def _alarms(aws: AwsContext, state: str | None) -> list[Alarm]:
    client = aws.client("cloudwatch")
    params: dict[str, Any] = {"AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}
    if state:
        params["StateValue"] = state
    alarms: list[Alarm] = []
    while True:
        page = client.describe_alarms(**params)
        alarms += [parse_metric_alarm(a) for a in page.get("MetricAlarms", [])]
        alarms += [parse_composite_alarm(a) for a in page.get("CompositeAlarms", [])]
        token = page.get("NextToken")
        if not token:
            return alarms
        params["NextToken"] = token


def _attach_alarms(rows: list[StageStatus], alarms: list[Alarm]) -> list[str]:
    """Put each alarm in ALARM on the stages it watches; return those that watch no listed stage."""
    unmapped: list[str] = []
    for alarm in (a for a in alarms if a.state == "ALARM"):
        hit = False
        for metric in alarm.metrics:
            if metric.namespace != NAMESPACE:
                continue
            dims = metric.dims()
            for row in rows:
                ref = row.ref
                key = ref.api_name if ref.api_type == "REST" else ref.api_id
                named = dims.get("ApiName") if ref.api_type == "REST" else dims.get("ApiId")
                if named == key and dims.get("Stage", ref.stage) == ref.stage:
                    if alarm.name not in row.alarms:
                        row.alarms.append(alarm.name)
                    hit = True
        if not hit:
            unmapped.append(alarm.name)
    return sorted(unmapped)


def read_region(
    aws: AwsContext,
    window: Window,
    *,
    with_coverage: bool = False,
    api: str | None = None,
    stage: str | None = None,
    levels: AlarmLevels | None = None,
) -> RegionStatus:
    before = dict(aws.calls)
    refs, inventory_checks = list_stages(aws, api=api, stage=stage)
    rows = [StageStatus(ref) for ref in refs]
    period = period_for(window)
    window_period = max(60, int(window.seconds) // 60 * 60)
    plain, percentiles = _queries(refs, period, window_period)
    cloudwatch = aws.client("cloudwatch")
    tasks: dict[str, Any] = {"alarms": lambda: _alarms(aws, None if with_coverage else "ALARM")}
    if plain:
        tasks["plain"] = lambda: get_metric_data(cloudwatch, refs, plain, window)
        tasks["percentiles"] = lambda: get_metric_data(cloudwatch, refs, percentiles, window)
    futures = run_all(tasks)
    checks: list[Check] = [Check("status-stages", "ok", detail={"stages": len(refs)}), *inventory_checks]
    region = RegionStatus(aws.region, rows, checks=checks)
    if plain:
        exc = futures["plain"].exception()
        if exc is not None:
            checks.append(Check("status-metrics", "error", skip_reason(exc, "cloudwatch", "GetMetricData")))
        else:
            _apply(rows, plain, futures["plain"].result(), window)
            checks.append(Check("status-metrics", "ok", detail={"queries": len(plain)}))
        exc = futures["percentiles"].exception()
        if exc is not None:
            checks.append(
                Check(
                    "status-percentiles",
                    "skipped",
                    skip_reason(exc, "cloudwatch", "GetMetricData") + " (p99)",
                )
            )
        else:
            _apply(rows, percentiles, futures["percentiles"].result(), window)
            checks.append(Check("status-percentiles", "ok", detail={"queries": len(percentiles)}))
    exc = futures["alarms"].exception()
    if exc is not None:
        checks.append(Check("status-alarms", "skipped", skip_reason(exc, "cloudwatch", "DescribeAlarms")))
    else:
        alarms = futures["alarms"].result()
        region.other_alarms = _attach_alarms(rows, alarms)
        checks.append(Check("status-alarms", "ok", detail={"alarms": len(alarms)}))
        if with_coverage:
            metric_alarms = [a for a in alarms if a.kind != "composite"]
            region.coverage = [coverage(ref, metric_alarms, levels) for ref in refs]
    region.api_calls = {k: v - before.get(k, 0) for k, v in aws.calls.items() if v - before.get(k, 0)}
    return region


def context_for(aws: AwsContext, region: str) -> AwsContext:
    """The same profile and endpoint in another region (the given context when the region is its own)."""
    if region == aws.region:
        return aws
    return AwsContext(replace(aws.settings, region=region))


def read_status(
    aws: AwsContext,
    window: Window,
    since: str,
    *,
    regions: Sequence[str] = (),
    with_coverage: bool = False,
    api: str | None = None,
    stage: str | None = None,
    levels: AlarmLevels | None = None,
) -> StatusReport:
    """Every stage of every region (the context's own when none is given), regions read in parallel."""
    wanted = list(dict.fromkeys(regions)) or [aws.region]
    contexts = {r: context_for(aws, r) for r in wanted}
    futures = run_all(
        {
            r: partial(
                read_region, c, window, with_coverage=with_coverage, api=api, stage=stage, levels=levels
            )
            for r, c in contexts.items()
        }
    )
    results: list[RegionStatus] = []
    for region in wanted:
        exc = futures[region].exception()
        if exc is not None:
            from apigwops.aws.errors import translate

            known = translate(exc)
            if known is None or len(wanted) == 1:
                raise known or exc
            results.append(RegionStatus(region, [], checks=[Check("status-region", "error", known.message)]))
        else:
            results.append(futures[region].result())
    if (api or stage) and not any(r.stages for r in results):
        from apigwops.errors import NotFoundError

        wanted_text = " ".join(
            f"{flag} {value}" for flag, value in (("--api", api), ("--stage", stage)) if value
        )
        raise NotFoundError(
            f"no API stage matches {wanted_text} in {', '.join(wanted)}",
            hint="run 'apigwops status' without them to list every stage",
        )
    return StatusReport(window, since, period_for(window), results)
