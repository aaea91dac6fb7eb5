"""The Logs Insights engine with botocore's Stubber (moto's Insights ignores filter/stats/parse, and lacks StopQuery).

Requests are checked with `expected_params` (query text, seconds not ms, limit); responses are shaped as AWS
documents GetQueryResults: `results` as lists of {field, value}, `statistics`, `status`. Stubber validates both
against the service model. The last test shows both engines yield the same tables from the same lines.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pandas as pd
import pytest
from botocore.stub import Stubber

from apigwops.errors import ServiceError
from apigwops.evidence.logs.insights import InsightsEngine
from apigwops.evidence.logs.queries import access_queries, events_query
from apigwops.evidence.logs.scan import ScanEngine
from apigwops.evidence.parse.logformat import compile_format
from apigwops.progress import RecordingProgress
from apigwops.runtime import Runtime
from apigwops.timewindow import Window

GROUP = "/aws/apigateway/user-api-prod"
FMT = (
    '$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol"'
    " $context.status $context.responseLength $context.requestId $context.integrationErrorMessage"
)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _stats(matched: float = 10.0, scanned_bytes: float = 2048.0) -> dict[str, float]:
    return {"recordsMatched": matched, "recordsScanned": matched * 2, "bytesScanned": scanned_bytes}


def _row(**fields: str) -> list[dict[str, str]]:
    return [{"field": k, "value": v} for k, v in fields.items()]


def _insights_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _client() -> Any:
    return boto3.client("logs", region_name="us-east-1")


WINDOW = Window(datetime(2026, 11, 24, 1, 0, tzinfo=UTC), datetime(2026, 11, 24, 1, 10, tzinfo=UTC))


def _start(stubber: Stubber, query: str, query_id: str, limit: int = 10_000) -> None:
    stubber.add_response(
        "start_query",
        {"queryId": query_id},
        {
            "logGroupName": GROUP,
            "startTime": int(WINDOW.start.timestamp()),
            "endTime": int(WINDOW.end.timestamp()),
            "queryString": query,
            "limit": limit,
        },
    )


def test_queries_are_generated_from_the_format() -> None:
    queries = access_queries(compile_format(FMT))
    assert queries.counts.startswith("parse @message /")
    assert "(?<f_status>" in queries.counts
    assert queries.counts.endswith("| stats count(*) as requests by bin(1m), f_status")
    body = queries.counts.split("\n")[0][len("parse @message /") : -1]
    assert re.search(r"(?<!\\)/", body) is None  # every "/" inside the Insights regex literal is escaped
    assert r"[A-Z]+\/[\d.]+" in body
    failing, ok = queries.rows
    assert "| filter not ispresent(f_status) or not (f_status like /^[123]\\d\\d$/)" in failing
    assert "| filter f_status like /^[123]\\d\\d$/" in ok
    assert failing.endswith("| fields @timestamp, @message\n| sort @timestamp asc\n| limit 10000")


def test_poll_reports_progress_then_returns_rows() -> None:
    client = _client()
    progress = RecordingProgress()
    clock = FakeClock(WINDOW.end)
    engine = InsightsEngine(client, progress=progress, clock=clock, sleep=clock.sleep)
    query = events_query(r"Method completed with status: 5\d\d")
    assert "| filter @message like /Method completed with status: 5\\d\\d/" in query
    with Stubber(client) as stubber:
        _start(stubber, query, "q1")
        stubber.add_response(
            "get_query_results",
            {"status": "Running", "results": [], "statistics": _stats(5, 1e6)},
            {"queryId": "q1"},
        )
        stubber.add_response(
            "get_query_results",
            {
                "status": "Complete",
                "statistics": _stats(2, 3e6),
                "results": [
                    _row(
                        **{
                            "@timestamp": "2026-11-24 01:02:03.456",
                            "@message": "(r1) Method completed with status: 502",
                            "@ptr": "p1",
                        }
                    ),
                    _row(
                        **{
                            "@timestamp": "2026-11-24 01:02:04.000",
                            "@message": "(r2) Method completed with status: 504",
                            "@ptr": "p2",
                        }
                    ),
                ],
            },
            {"queryId": "q1"},
        )
        events = engine.read_events(GROUP, WINDOW, regex=r"Method completed with status: 5\d\d")
        stubber.assert_no_pending_responses()
    assert events.messages == [
        "(r1) Method completed with status: 502",
        "(r2) Method completed with status: 504",
    ]
    assert events.times[0] == int(datetime(2026, 11, 24, 1, 2, 3, 456000, tzinfo=UTC).timestamp() * 1000)
    assert events.bytes_scanned == 3_000_000
    assert any("1.0 MB scanned" in s for s in progress.steps)
    assert any("1/1 queries done" in s and "3.0 MB" in s for s in progress.steps)


def test_timeout_stops_the_query() -> None:
    client = _client()
    clock = FakeClock(WINDOW.end)
    engine = InsightsEngine(client, clock=clock, sleep=clock.sleep, timeout_s=3, poll_interval_s=1)
    query = events_query(None)
    with Stubber(client) as stubber:
        _start(stubber, query, "q-slow")
        for _ in range(4):
            stubber.add_response(
                "get_query_results", {"status": "Running", "results": []}, {"queryId": "q-slow"}
            )
        stubber.add_response("stop_query", {"success": True}, {"queryId": "q-slow"})
        with pytest.raises(ServiceError, match="did not finish within 3s; they were stopped"):
            engine.read_events(GROUP, WINDOW)
        stubber.assert_no_pending_responses()


def test_ctrl_c_stops_every_running_query_and_propagates() -> None:
    client = _client()

    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    engine = InsightsEngine(client, sleep=interrupted)
    fmt = compile_format(FMT)
    queries = access_queries(fmt)
    with Stubber(client) as stubber:
        for i, text in enumerate([queries.counts, *queries.rows]):
            _start(stubber, text, f"q{i}")
        stubber.add_response("get_query_results", {"status": "Complete", "results": []}, {"queryId": "q0"})
        stubber.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q1"})
        stubber.add_response("get_query_results", {"status": "Scheduled", "results": []}, {"queryId": "q2"})
        stubber.add_response("stop_query", {"success": True}, {"queryId": "q1"})
        stubber.add_response("stop_query", {"success": True}, {"queryId": "q2"})
        with pytest.raises(KeyboardInterrupt):
            engine.read_access_log(GROUP, fmt, WINDOW)
        stubber.assert_no_pending_responses()


def test_failed_query_is_a_service_error() -> None:
    client = _client()
    engine = InsightsEngine(client, sleep=lambda _s: None)
    with Stubber(client) as stubber:
        _start(stubber, events_query(None), "q")
        stubber.add_response("get_query_results", {"status": "Failed", "results": []}, {"queryId": "q"})
        with pytest.raises(ServiceError, match="ended with status Failed"):
            engine.read_events(GROUP, WINDOW)


def _lines(window: Window) -> list[tuple[int, str, int]]:
    """60 CLF lines over the window: (epoch ms, line, status); some 5xx/4xx, one with a spaced route key."""
    start = int(window.start.timestamp() * 1000)
    out = []
    for i in range(60):
        t = start + i * 9_000 + 123
        status = 502 if i % 7 == 0 else 429 if i % 11 == 0 else 200
        when = datetime.fromtimestamp(t / 1000, tz=UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
        err = 'Lambda said "boom"' if status == 502 else "-"
        line = f'198.51.100.{i} - - [{when}] "GET GET /pets/{{id}} HTTP/1.1" {status} 12 rid-{i:03d} {err}'
        out.append((t, line, status))
    return out


def test_both_engines_give_the_same_tables_on_the_same_lines(runtime: Runtime, write_logs) -> None:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    window = Window(end - timedelta(minutes=10), end)
    lines = _lines(window)
    garbage = (lines[5][0] + 1, "this is not an access log line")
    write_logs(GROUP, [(t, m) for t, m, _ in lines] + [garbage])
    fmt = compile_format(FMT)
    scanned = ScanEngine(runtime.aws.client("logs"), slice_seconds=120).read_access_log(GROUP, fmt, window)

    # What Insights answers for the same lines: counts per (minute, status) and the rows, split by status.
    def minute(ms: int) -> str:
        return _insights_time(ms - ms % 60_000)

    counts = Counter((minute(t), str(s)) for t, _, s in lines)
    count_rows = [
        _row(**{"bin(1m)": m, "f_status": s, "requests": str(n)}) for (m, s), n in sorted(counts.items())
    ]
    count_rows.append(_row(**{"bin(1m)": minute(garbage[0]), "requests": "1"}))  # no status parsed
    failing = [(t, m) for t, m, s in lines if s >= 400] + [garbage[:2]]
    ok = [(t, m) for t, m, s in lines if s < 400]

    def rows(events: list[tuple[int, str]]) -> list[list[dict[str, str]]]:
        return [
            _row(**{"@timestamp": _insights_time(t), "@message": m, "@ptr": f"p{t}"})
            for t, m in sorted(events)
        ]

    client = _client()
    queries = access_queries(fmt)
    engine = InsightsEngine(client, sleep=lambda _s: None)
    with Stubber(client) as stubber:
        for i, text in enumerate([queries.counts, *queries.rows]):
            stubber.add_response(
                "start_query",
                {"queryId": f"q{i}"},
                {
                    "logGroupName": GROUP,
                    "startTime": int(window.start.timestamp()),
                    "endTime": int(window.end.timestamp()),
                    "queryString": text,
                    "limit": 10_000,
                },
            )
        for i, result in enumerate([count_rows, rows(failing), rows(ok)]):
            stubber.add_response(
                "get_query_results",
                {"status": "Complete", "results": result, "statistics": _stats(len(result), 1000.0)},
                {"queryId": f"q{i}"},
            )
        insights = engine.read_access_log(GROUP, fmt, window)

    pd.testing.assert_frame_equal(insights.requests, scanned.requests)
    pd.testing.assert_frame_equal(insights.counts, scanned.counts)
    assert insights.unparsed == scanned.unparsed == 1
    assert insights.lines == scanned.lines == 61
    assert not insights.sampled
    assert not scanned.sampled
    assert insights.bytes_scanned == 3000
    assert len(insights.requests) == 60
    assert insights.requests["route"].eq("GET /pets/{id}").all()
    assert (
        insights.requests.loc[insights.requests["status"] == 502, "integration_error"]
        .eq('Lambda said "boom"')
        .all()
    )


def test_cancel_flag_from_the_collector_stops_queries() -> None:
    client = _client()
    flag = {"set": False}

    def sleep(_seconds: float) -> None:
        flag["set"] = True  # Ctrl-C arrived in the main thread while we waited

    engine = InsightsEngine(client, sleep=sleep, cancelled=lambda: flag["set"])
    with Stubber(client) as stubber:
        _start(stubber, events_query(None), "q")
        stubber.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q"})
        stubber.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q"})
        stubber.add_response("stop_query", {"success": True}, {"queryId": "q"})
        with pytest.raises(KeyboardInterrupt):
            engine.read_events(GROUP, WINDOW)
        stubber.assert_no_pending_responses()


def test_row_limit_marks_the_requests_as_a_subset_but_counts_stay_complete() -> None:
    fmt = compile_format('{"requestId":"$context.requestId","status":"$context.status"}')
    queries = access_queries(fmt, limit=2)
    client = _client()
    engine = InsightsEngine(client, sleep=lambda _s: None, row_limit=2)
    line = '{{"requestId":"r{}","status":"{}"}}'
    with Stubber(client) as stubber:
        for i, text in enumerate([queries.counts, *queries.rows]):
            _start(stubber, text, f"q{i}", limit=2)
        counts = [_row(**{"bin(1m)": "2026-11-24 01:02:00.000", "f_status": "200", "requests": "5"})]
        ok = [
            _row(**{"@timestamp": f"2026-11-24 01:02:0{i}.000", "@message": line.format(i, 200)})
            for i in range(2)
        ]
        for i, result in enumerate([counts, [], ok]):
            stubber.add_response(
                "get_query_results", {"status": "Complete", "results": result}, {"queryId": f"q{i}"}
            )
        got = engine.read_access_log(GROUP, fmt, WINDOW)
    assert got.sampled
    assert got.lines == 5
    assert len(got.requests) == 2
    assert got.counts["count"].tolist() == [5]


def test_format_without_status_reads_all_rows_in_one_query() -> None:
    fmt = compile_format("$context.requestId $context.identity.sourceIp")
    queries = access_queries(fmt)
    assert queries.status_field is None
    assert len(queries.rows) == 1
    assert queries.counts == "stats count(*) as requests by bin(1m)"
    assert "filter" not in queries.rows[0]


def test_an_insights_that_ignores_stats_is_refused_not_believed() -> None:
    """moto's Insights returns raw rows for a stats query; counting those would be wrong, so it is an error."""
    fmt = compile_format('{"requestId":"$context.requestId","status":"$context.status"}')
    queries = access_queries(fmt)
    client = _client()
    engine = InsightsEngine(client, sleep=lambda _s: None)
    raw = [
        _row(**{"@timestamp": "1795504927000", "@message": '{"requestId":"r1","status":"200"}', "@ptr": "p"})
    ]
    with Stubber(client) as stubber:
        for i, text in enumerate([queries.counts, *queries.rows]):
            _start(stubber, text, f"q{i}")
        for i in range(3):
            stubber.add_response(
                "get_query_results", {"status": "Complete", "results": raw}, {"queryId": f"q{i}"}
            )
        with pytest.raises(ServiceError, match="ignored the stats query"):
            engine.read_access_log(GROUP, fmt, WINDOW)


def test_emulator_epoch_timestamps_are_understood_too() -> None:
    client = _client()
    engine = InsightsEngine(client, sleep=lambda _s: None)
    with Stubber(client) as stubber:
        _start(stubber, events_query(None), "q")
        rows = [
            _row(**{"@timestamp": "1795504927000", "@message": "a"}),
            _row(**{"@timestamp": "2026-11-24 01:02:03.456", "@message": "b"}),
        ]
        stubber.add_response("get_query_results", {"status": "Complete", "results": rows}, {"queryId": "q"})
        events = engine.read_events(GROUP, WINDOW)
    assert events.times == [
        1795504927000,
        int(datetime(2026, 11, 24, 1, 2, 3, 456000, tzinfo=UTC).timestamp() * 1000),
    ]
