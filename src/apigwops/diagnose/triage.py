"""Triage before playbooks: status breakdown, error rate and p99 over time, the onset, and the worst routes.

Access logs are the source when present (one row per request); otherwise the stage metrics (Count, 4XXError
and 5XXError on REST; Count, 4xx and 5xx on HTTP APIs) still give the breakdown and the onset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apigwops.apitypes import profile
from apigwops.buckets import Grid
from apigwops.model import Evidence
from apigwops.timewindow import Window

if TYPE_CHECKING:
    import pandas as pd

MAX_BUCKETS = 30
MIN_FINE_BUCKET_S = 5
MIN_RISE = 0.01  # an onset needs the error rate at least 1 point above the baseline
MIN_ONSET_FAILURES = 2  # ... in buckets with at least two failures
MIN_SPIKE_FAILURES = 3  # a one-bucket incident needs three


@dataclass
class Bucket:
    start: datetime  # clock-aligned (apigwops.buckets)
    requests: int
    failures: int
    p99_ms: float | None
    partial: bool = False  # the window covers only part of it (first or last bucket)

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


@dataclass
class Triage:
    source: str  # "access-logs", "metrics" or "none"
    requests: int
    status: dict[str, int]
    buckets: list[Bucket] = field(default_factory=list)
    onset: datetime | None = None
    routes: list[dict[str, Any]] = field(default_factory=list)
    bucket_seconds: int = 60


def bucket_seconds(window_seconds: float, *, per_request: bool = False) -> int:
    """Clock-aligned buckets (`apigwops.buckets`): whole minutes, widened so a long window still fits in
    MAX_BUCKETS (chart width).

    With every request's row at hand (`per_request`), a short window gets buckets down to 5 s: a 5-minute
    window of one-minute buckets could not place an onset (nor draw a chart) at all.
    """
    from apigwops.buckets import bucket_size

    origin = datetime(2000, 1, 1, tzinfo=UTC)
    window = Window(origin, origin + timedelta(seconds=window_seconds))
    return bucket_size(window, MAX_BUCKETS, min_seconds=MIN_FINE_BUCKET_S if per_request else 60)


def rows_are_complete(evidence: Evidence) -> bool:
    """True when the requests table holds every request (scan, bundles), not a Logs Insights sample."""
    check = evidence.check("access-logs")
    return check is not None and check.status == "ok" and not check.detail.get("sampled")


def triage(evidence: Evidence, frame: pd.DataFrame) -> Triage:
    complete = not frame.empty and rows_are_complete(evidence)
    size = bucket_seconds(evidence.window.seconds, per_request=complete)
    if not frame.empty:
        result = _from_requests(frame, evidence, size, use_counts=not complete)
    else:
        result = _from_metrics(evidence, size)
    result.bucket_seconds = size
    result.onset = find_onset(result.buckets)
    return result


def _from_requests(frame: pd.DataFrame, evidence: Evidence, size: int, *, use_counts: bool = True) -> Triage:
    import pandas as pd

    status = frame["status"]
    classes = (status // 100).astype("Int64").astype("string").fillna("?") + "xx"
    counts = {str(k): int(v) for k, v in classes.value_counts().sort_index().items() if k != "?xx"}
    breakdown = {"2xx": counts.get("2xx", 0), "4xx": counts.get("4xx", 0), "5xx": counts.get("5xx", 0)}
    breakdown.update({k: v for k, v in counts.items() if k not in breakdown})
    offset = Grid(evidence.window, size).index(frame["time"])
    grouped = frame.assign(_bucket=offset).groupby("_bucket", dropna=True)
    stats = pd.DataFrame(
        {
            "requests": grouped.size(),
            "failures": grouped["failed"].sum(),
            "p99": grouped["response_latency"].quantile(0.99),
        }
    )
    requests = len(frame)
    counts_table = evidence.request_counts
    if use_counts and counts_table is not None and not counts_table.empty:
        # rows may be a sample (Logs Insights returns at most 10,000 per query); the counts are complete
        requests, breakdown, complete = _from_counts(counts_table, evidence, size)
        stats = stats.drop(columns=["requests", "failures"]).join(complete, how="outer")
    buckets = _dense_buckets(evidence, size, stats.fillna({"requests": 0, "failures": 0}))
    return Triage("access-logs", requests, breakdown, buckets, routes=_routes(frame))


def _from_counts(
    table: pd.DataFrame, evidence: Evidence, size: int
) -> tuple[int, dict[str, int], pd.DataFrame]:
    """Totals, status classes and per-bucket requests/failures from the per-minute status counts."""
    import pandas as pd

    status = pd.to_numeric(table["status"], errors="coerce")
    count = pd.to_numeric(table["count"], errors="coerce").fillna(0)
    classes = (status // 100).astype("Int64").astype("string").fillna("?") + "xx"
    by_class = count.groupby(classes).sum()
    breakdown = {"2xx": 0, "4xx": 0, "5xx": 0}
    breakdown.update({str(k): int(v) for k, v in by_class.items() if k != "?xx"})
    offset = Grid(evidence.window, size).index(table["minute"]).fillna(-1).astype("int64")
    complete = pd.DataFrame(
        {
            "requests": count.groupby(offset.to_numpy()).sum(),
            "failures": count.where(status >= 400, 0).groupby(offset.to_numpy()).sum(),
        }
    )
    return int(count.sum()), breakdown, complete


def _dense_buckets(evidence: Evidence, size: int, stats: pd.DataFrame) -> list[Bucket]:
    import pandas as pd

    grid = Grid(evidence.window, size)
    requests = stats["requests"].to_dict()
    failures = stats["failures"].to_dict()
    p99s = stats["p99"].to_dict()
    buckets = []
    for i in range(grid.count):
        p99 = p99s.get(i)
        buckets.append(
            Bucket(
                start=grid.start(i),
                requests=int(requests.get(i, 0)),
                failures=int(failures.get(i, 0)),
                p99_ms=None if p99 is None or pd.isna(p99) else float(p99),
                partial=grid.partial(i),
            )
        )
    return buckets


def _routes(frame: pd.DataFrame, limit: int = 10) -> list[dict[str, Any]]:
    import pandas as pd

    grouped = frame.groupby(frame["route"].astype("string").fillna("?"))
    table = grouped.agg(
        requests=("failed", "size"),
        client_errors=("status", lambda s: int(((s >= 400) & (s < 500)).sum())),
        server_errors=("status", lambda s: int((s >= 500).sum())),
        p99_ms=("response_latency", lambda s: s.quantile(0.99)),
    )
    table["failures"] = table["client_errors"] + table["server_errors"]
    table = table.sort_values(["failures", "requests"], ascending=False).head(limit)
    rows = []
    for route, row in table.iterrows():
        p99 = row["p99_ms"]
        rows.append(
            {
                "route": str(route),
                "requests": int(row["requests"]),
                "4xx": int(row["client_errors"]),
                "5xx": int(row["server_errors"]),
                "p99_ms": None if pd.isna(p99) else round(float(p99), 1),
            }
        )
    return rows


def _from_metrics(evidence: Evidence, size: int) -> Triage:
    import pandas as pd

    metrics = evidence.metrics
    names = profile(evidence.api.type).traffic_metrics
    if metrics.empty:
        return Triage("none", 0, {"2xx": 0, "4xx": 0, "5xx": 0})
    gateway = metrics[metrics["namespace"] == "AWS/ApiGateway"]

    def series(metric: str) -> pd.Series:
        rows = gateway[gateway["metric"] == metric]
        offset = Grid(evidence.window, size).index(rows["timestamp"]).fillna(-1).astype("int64")
        return pd.to_numeric(rows["value"], errors="coerce").groupby(offset.to_numpy()).sum()

    count, c4, c5 = series(names["count"]), series(names["4xx"]), series(names["5xx"])
    if count.empty and c4.empty and c5.empty:
        return Triage("none", 0, {"2xx": 0, "4xx": 0, "5xx": 0})
    stats = pd.DataFrame({"requests": count, "failures": c4.add(c5, fill_value=0)}).fillna(0)
    stats["p99"] = float("nan")
    requests, errors4, errors5 = int(count.sum()), int(c4.sum()), int(c5.sum())
    status = {"2xx": max(0, requests - errors4 - errors5), "4xx": errors4, "5xx": errors5}
    return Triage("metrics", requests, status, _dense_buckets(evidence, size, stats))


def find_onset(buckets: list[Bucket]) -> datetime | None:
    """The first bucket whose error rate rose above the baseline and stayed there for the next bucket too.

    Baseline is the lower quartile of the busy buckets' error rates and its noise the deviation within the lower
    half, so one noisy bucket is not an onset; a lone one-bucket incident is, when it holds most of the failures.
    Errors from the first bucket on give no onset: the window shows no baseline to leave. Partial buckets (the
    window's ragged ends) take no part, so a window a few seconds longer or shorter finds the same onset; and a
    bucket needs MIN_ONSET_FAILURES failures to count as elevated (one background error in a quiet bucket is
    a high rate, not a rise).
    """
    import statistics

    busy = [b for b in buckets if b.requests and not b.partial]
    if len(busy) < 3:
        return None
    rates = sorted(b.error_rate for b in busy)
    baseline = rates[len(rates) // 4]
    lower_half = rates[: max(1, len(rates) // 2)]
    spread = statistics.median(abs(r - baseline) for r in lower_half)
    threshold = baseline + max(MIN_RISE, 3 * spread)
    elevated = [b.error_rate >= threshold and b.failures >= MIN_ONSET_FAILURES for b in busy]
    if elevated[0]:
        return None
    for i in range(1, len(busy)):
        if elevated[i] and (i + 1 < len(busy) and elevated[i + 1]):
            return busy[i].start
    # a short incident (one bucket) still has an onset when it holds most of the window's failures
    failures = sum(b.failures for b in busy)
    spikes = [b for b, up in zip(busy, elevated, strict=True) if up]
    if len(spikes) == 1 and spikes[0].failures * 2 >= failures and spikes[0].failures >= MIN_SPIKE_FAILURES:
        return spikes[0].start
    return None
