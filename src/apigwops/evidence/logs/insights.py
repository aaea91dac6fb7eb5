"""The Logs Insights engine: queries start together, are polled together, and are always stopped on the way out.

A running query costs money and counts against the account's concurrent-query quota, so on a timeout, on
Ctrl-C (KeyboardInterrupt) or on any error every query that has not finished is stopped with StopQuery before
the exception goes on. Progress reports records and bytes scanned while the queries run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apigwops.errors import ServiceError
from apigwops.evidence.logs.engine import AccessLogResult, EngineName, LogEvents
from apigwops.evidence.logs.queries import BIN_FIELD, COUNT_FIELD, ROW_LIMIT, access_queries, events_query
from apigwops.progress import NullProgress, Progress
from apigwops.runtime import utcnow

if TYPE_CHECKING:
    import pandas as pd

    from apigwops.evidence.parse.logformat import AccessLogFormat
    from apigwops.timewindow import Window

DONE = "Complete"
FAILED = frozenset({"Failed", "Cancelled", "Timeout", "Unknown"})
DEFAULT_TIMEOUT_S = 300.0


@dataclass
class QueryResult:
    rows: list[dict[str, str]] = field(default_factory=list)
    records_matched: float = 0.0
    records_scanned: float = 0.0
    bytes_scanned: float = 0.0


class InsightsEngine:
    name: EngineName = "insights"

    def __init__(
        self,
        client: Any,
        *,
        progress: Progress | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] | None = None,
        poll_interval_s: float = 1.0,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        row_limit: int = ROW_LIMIT,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        import time

        self._client = client
        self._progress = progress or NullProgress()
        self._clock = clock
        self._sleep = sleep or time.sleep
        self._poll = poll_interval_s
        self._timeout = timeout_s
        self._limit = row_limit
        # Ctrl-C reaches only the main thread; a collector running us in a worker thread asks us to stop here.
        self._cancelled = cancelled or (lambda: False)

    def run(self, group: str, window: Window, queries: Sequence[str]) -> list[QueryResult]:
        """Start every query, poll until all complete; stop the unfinished ones on any way out."""
        ids: list[str] = []
        pending: set[int] = set()
        try:
            for text in queries:
                started = self._client.start_query(
                    logGroupName=group,
                    startTime=int(window.start.timestamp()),  # Insights takes seconds, FilterLogEvents ms
                    endTime=int(window.end.timestamp()),
                    queryString=text,
                    limit=self._limit,
                )
                ids.append(started["queryId"])
                pending.add(len(ids) - 1)
            return self._wait(group, ids, pending)
        except BaseException:
            self._stop([ids[i] for i in sorted(pending)])
            raise

    def _wait(self, group: str, ids: list[str], pending: set[int]) -> list[QueryResult]:
        results = [QueryResult() for _ in ids]
        deadline = self._clock().timestamp() + self._timeout
        while True:
            for index in sorted(pending):
                answer = self._client.get_query_results(queryId=ids[index])
                stats = answer.get("statistics", {})
                result = results[index]
                result.records_matched = float(stats.get("recordsMatched", 0.0))
                result.records_scanned = float(stats.get("recordsScanned", 0.0))
                result.bytes_scanned = float(stats.get("bytesScanned", 0.0))
                status = answer.get("status", "Unknown")
                if status == DONE:
                    result.rows = [{c["field"]: c.get("value", "") for c in row} for row in answer["results"]]
                    pending.discard(index)
                elif status in FAILED:
                    pending.discard(index)
                    raise ServiceError(f"Logs Insights query on {group} ended with status {status}")
            scanned = sum(r.records_scanned for r in results)
            scanned_bytes = sum(r.bytes_scanned for r in results)
            self._progress.step(
                f"Logs Insights {group}: {len(ids) - len(pending)}/{len(ids)} queries done, "
                f"{scanned:,.0f} records, {scanned_bytes / 1e6:,.1f} MB scanned"
            )
            if not pending:
                return results
            if self._cancelled():
                raise KeyboardInterrupt
            if self._clock().timestamp() >= deadline:
                raise ServiceError(
                    f"Logs Insights queries on {group} did not finish within {self._timeout:.0f}s; they were stopped",
                    hint="narrow the window with --since, or use --logs-engine scan",
                )
            self._sleep(self._poll)

    def _stop(self, query_ids: Sequence[str]) -> None:
        for query_id in query_ids:
            try:
                self._client.stop_query(queryId=query_id)
            except Exception:  # already finished, or an endpoint without StopQuery: nothing left to stop
                continue

    def read_events(
        self, group: str, window: Window, *, regex: str | None = None, limit: int | None = None
    ) -> LogEvents:
        row_limit = min(limit or self._limit, self._limit)
        (result,) = self.run(group, window, [events_query(regex, row_limit)])
        times, messages = _events(result.rows)
        return LogEvents(
            times=times,
            messages=messages,
            bytes_scanned=int(result.bytes_scanned),
            truncated=len(result.rows) >= row_limit,
        )

    def read_access_log(self, group: str, fmt: AccessLogFormat, window: Window) -> AccessLogResult:
        from apigwops.evidence.parse.accesslog import parse_access_lines

        queries = access_queries(fmt, limit=self._limit)
        counts_result, *row_results = self.run(group, window, [queries.counts, *queries.rows])
        if any(COUNT_FIELD not in row for row in counts_result.rows):
            # An emulator whose Insights ignores stats/parse/filter (moto) returns raw rows instead.
            raise ServiceError(
                "this endpoint's Logs Insights ignored the stats query (an emulator?)",
                hint="use --logs-engine scan",
            )
        times: list[int] = []
        messages: list[str] = []
        for result in row_results:
            part_times, part_messages = _events(result.rows)
            times += part_times
            messages += part_messages
        parsed = parse_access_lines(fmt, messages, times)
        counts = _counts(counts_result.rows, queries.status_field)
        total = int(counts["count"].sum())
        return AccessLogResult(
            requests=parsed.requests,
            counts=counts,
            lines=total,
            unparsed=parsed.unparsed,
            unparsed_examples=parsed.unparsed_examples,
            bytes_scanned=int(sum(r.bytes_scanned for r in (counts_result, *row_results))),
            sampled=any(len(r.rows) >= self._limit for r in row_results) or len(messages) < total,
        )


def _events(rows: list[dict[str, str]]) -> tuple[list[int], list[str]]:
    return [_epoch_ms(r.get("@timestamp", "")) for r in rows], [r.get("@message", "") for r in rows]


def _epoch_ms(value: str) -> int:
    """AWS answers "2026-11-24 01:02:03.456" (UTC); emulators (moto) answer epoch milliseconds."""
    text = value.strip()
    if text.isdigit():
        number = int(text)
        return number if number > 100_000_000_000 else number * 1000
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def _counts(rows: list[dict[str, str]], status_field: str | None) -> pd.DataFrame:
    """`stats count(*) by bin(1m), status` rows -> REQUEST_COUNT_COLUMNS ("-" and absent statuses are NA)."""
    import pandas as pd

    from apigwops.evidence.parse.accesslog import request_counts, to_utc_times

    if not rows:
        return request_counts(pd.DataFrame({"time": pd.Series(dtype="datetime64[ms, UTC]"), "status": []}))
    frame = pd.DataFrame(
        {
            "minute": to_utc_times(pd.Series([r.get(BIN_FIELD) for r in rows], dtype=object)),
            "status": pd.to_numeric(
                pd.Series([r.get(status_field) if status_field else None for r in rows], dtype=object),
                errors="coerce",
            ).astype("Int64"),
            "count": [int(float(r.get(COUNT_FIELD, "0"))) for r in rows],
        }
    )
    counts = frame.groupby(["minute", "status"], dropna=False)["count"].sum().reset_index()
    counts["status"] = counts["status"].astype("Int64")
    counts["count"] = counts["count"].astype("int64")
    return counts.sort_values(["minute", "status"], na_position="last").reset_index(drop=True)
