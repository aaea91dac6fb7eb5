"""Per-bucket traffic numbers for the incident timeline: requests, 4xx, 5xx and p99 latency.

Access logs give exact numbers (one row per request); when the collector kept only a sample of the rows
(Logs Insights returns at most 10,000) its per-minute `request_counts` table supplies the complete counts. When the stage has no access logs the CloudWatch metrics
table is the fallback: the API type's traffic metrics (`apitypes`: REST `Count`, `4XXError`, `5XXError`; HTTP
`Count`, `4xx`, `5xx`; WebSocket `MessageCount`, `ClientError`, `ExecutionError`) and the `Latency` p99 datapoints (the
largest p99 of a bucket's datapoints stands in for the bucket's p99; percentiles cannot be merged exactly).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from apigwops.apitypes import profile
from apigwops.buckets import Grid, bucket_size
from apigwops.timewindow import Window

if TYPE_CHECKING:
    import pandas as pd

    from apigwops.model import Evidence

TimelineSource = Literal["access-logs", "metrics", "none"]


@dataclass(frozen=True)
class Bucket:
    start: datetime
    requests: int
    client_errors: int  # 4xx
    server_errors: int  # 5xx
    p99_ms: float | None


@dataclass(frozen=True)
class Timeline:
    window: Window
    bucket_seconds: int
    buckets: tuple[Bucket, ...]
    source: TimelineSource

    @property
    def total_requests(self) -> int:
        return sum(b.requests for b in self.buckets)

    @property
    def span(self) -> tuple[datetime, datetime]:
        """From the first bucket's start to the last one's end: the x axis (clock-aligned, so it may reach
        a little outside the window at either end)."""
        grid = Grid(self.window, self.bucket_seconds)
        return grid.origin, grid.end()


def bucket_seconds_for(window: Window, max_buckets: int = 60) -> int:
    """Clock-aligned sizes a reader finds natural (`apigwops.buckets`), from one minute up."""
    return bucket_size(window, max_buckets, min_seconds=60)


def build_timeline(evidence: Evidence, *, max_buckets: int = 60) -> Timeline:
    """The timeline of the evidence's window, from access logs when there are any, else from metrics."""
    window = evidence.window
    grid = Grid(window, bucket_seconds_for(window, max_buckets))
    requests = evidence.requests
    if len(requests) and "time" in requests and "status" in requests:
        buckets = _from_requests(requests, grid)
        counts = getattr(evidence, "request_counts", None)  # complete when `requests` is a sample
        if counts is not None and len(counts):
            buckets = _with_counts(buckets, counts, grid)
        return Timeline(window, grid.size, buckets, "access-logs")
    metrics = evidence.metrics
    if len(metrics) and "metric" in metrics:
        buckets = _from_metrics(metrics, grid, profile(evidence.api.type).traffic_metrics)
        if any(b.requests for b in buckets):
            return Timeline(window, grid.size, buckets, "metrics")
    empty = tuple(Bucket(grid.start(i), 0, 0, 0, None) for i in range(grid.count))
    return Timeline(window, grid.size, empty, "none")


def _from_requests(requests: pd.DataFrame, grid: Grid) -> tuple[Bucket, ...]:
    import pandas as pd

    count = grid.count
    frame = pd.DataFrame(
        {
            "bucket": grid.index(requests["time"]),
            "status": pd.to_numeric(requests["status"], errors="coerce").astype("Float64"),
            "latency": (
                pd.to_numeric(requests["response_latency"], errors="coerce").astype("Float64")
                if "response_latency" in requests
                else pd.Series(pd.NA, index=requests.index, dtype="Float64")
            ),
        }
    )
    frame = frame[(frame["bucket"] >= 0) & (frame["bucket"] < count)]
    frame = frame.assign(
        c4=((frame["status"] >= 400) & (frame["status"] < 500)).fillna(False),
        c5=((frame["status"] >= 500) & (frame["status"] < 600)).fillna(False),
    )
    grouped = frame.groupby("bucket")
    totals = grouped.size()
    c4, c5 = grouped["c4"].sum(), grouped["c5"].sum()
    p99 = grouped["latency"].quantile(0.99)
    return tuple(
        Bucket(
            grid.start(i),
            int(totals.get(i, 0)),
            int(c4.get(i, 0)),
            int(c5.get(i, 0)),
            _float_or_none(p99.get(i)),
        )
        for i in range(grid.count)
    )


def _with_counts(buckets: tuple[Bucket, ...], counts: pd.DataFrame, grid: Grid) -> tuple[Bucket, ...]:
    """Request and error counts from the per-minute counts table; p99 stays from the (sampled) rows."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "bucket": grid.index(counts["minute"]),
            "status": pd.to_numeric(counts["status"], errors="coerce").astype("Float64"),
            "count": pd.to_numeric(counts["count"], errors="coerce").fillna(0).astype("int64"),
        }
    )
    frame = frame[(frame["bucket"] >= 0) & (frame["bucket"] < grid.count)]
    status = frame["status"]
    grouped = frame.groupby("bucket")["count"]
    total = grouped.sum()
    c4 = (
        frame["count"]
        .where(((status >= 400) & (status < 500)).fillna(False), 0)
        .groupby(frame["bucket"])
        .sum()
    )
    c5 = (
        frame["count"]
        .where(((status >= 500) & (status < 600)).fillna(False), 0)
        .groupby(frame["bucket"])
        .sum()
    )
    return tuple(
        Bucket(b.start, int(total.get(i, 0)), int(c4.get(i, 0)), int(c5.get(i, 0)), b.p99_ms)
        for i, b in enumerate(buckets)
    )


def _from_metrics(metrics: pd.DataFrame, grid: Grid, names: Mapping[str, str]) -> tuple[Bucket, ...]:
    import pandas as pd

    frame = metrics[metrics["namespace"].astype("string") == "AWS/ApiGateway"]
    frame = frame.assign(bucket=grid.index(frame["timestamp"]))
    frame = frame[(frame["bucket"] >= 0) & (frame["bucket"] < grid.count)]
    value = pd.to_numeric(frame["value"], errors="coerce")
    name = frame["metric"].astype("string")
    stat = frame["stat"].astype("string").str.lower()

    def summed(names: tuple[str, ...]) -> pd.Series:
        chosen = name.isin(names) & (stat == "sum")
        return value[chosen].groupby(frame["bucket"][chosen]).sum()

    total, c4, c5 = summed((names["count"],)), summed((names["4xx"],)), summed((names["5xx"],))
    latency = name.eq("Latency") & stat.eq("p99")
    p99 = value[latency].groupby(frame["bucket"][latency]).max()
    return tuple(
        Bucket(
            grid.start(i),
            int(total.get(i, 0)),
            int(c4.get(i, 0)),
            int(c5.get(i, 0)),
            _float_or_none(p99.get(i)),
        )
        for i in range(grid.count)
    )


def _float_or_none(value: object) -> float | None:
    import math

    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number
