"""Every generation of what Lambda writes (signals reference §15.1-15.3), read by the one parser, and the
filter pattern that fetches it: lines of each generation must pass `LAMBDA_LOG_REGEX` (the scan engine and
Logs Insights select with it) and come out with the right kind, status, error type and metrics.

Lines are the reference's verbatim shapes; the public AWS documentation examples are in
`test_aws_doc_examples.py`.
"""

from __future__ import annotations

import json
import re

import pytest

from apigwops.evidence.parse.lambdalog import parse_lambda_events, parse_line
from apigwops.evidence.sources.gateway import LAMBDA_LOG_REGEX

RID = "3c1f0b2e-6a8d-4f3e-9b7c-2d5e8f1a4b6c"
T = 1_763_946_123_000

# §15.1, verbatim shapes (the `<uuid>` filled in)
REPORT_TIMEOUT = (
    f"REPORT RequestId: {RID}\tDuration: 180000.00 ms\tBilled Duration: 180000 ms\tMemory Size: 1280 MB\t"
    "Max Memory Used: 1201 MB\tStatus: timeout"
)
REPORT_TIMEOUT_COLD = (
    f"REPORT RequestId: {RID}\tDuration: 180000.00 ms\tBilled Duration: 180000 ms\tMemory Size: 1280 MB\t"
    "Max Memory Used: 113 MB Init Duration: 578.07 ms Status: timeout"
)
REPORT_CRASH = (
    f"REPORT RequestId: {RID}\tDuration: 1.52 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
    "Max Memory Used: 40 MB\tStatus: error Error Type: Runtime.ExitError"
)
INIT_TIMEOUT = "INIT_REPORT Init Duration: 10000.00 ms Phase: init Status: timeout"
INIT_ERROR = (
    "INIT_REPORT Init Duration: 412.31 ms Phase: invoke Status: error Error Type: Runtime.ImportModuleError"
)
OLD_TIMEOUT = f"2026-11-24T01:02:03.456Z {RID} Task timed out after 10.00 seconds"
# §15.2 SnapStart
RESTORE_START = (
    "RESTORE_START Runtime Version: java:21.v27 Runtime Version ARN: arn:aws:lambda:us-east-1::runtime:abc"
)
RESTORE_REPORT = "RESTORE_REPORT Restore Duration: 289.11 ms"
REPORT_RESTORED = (
    f"REPORT RequestId: {RID}\tDuration: 1.18 ms\tBilled Duration: 164 ms\tMemory Size: 512 MB\t"
    "Max Memory Used: 94 MB\tRestore Duration: 289.11 ms\tBilled Restore Duration: 162 ms"
)
# §15.3 JSON log format
JSON_START = json.dumps(
    {
        "time": "2026-11-24T01:02:00.000Z",
        "type": "platform.start",
        "record": {"requestId": RID, "version": "$LATEST"},
    }
)
JSON_REPORT_TIMEOUT = json.dumps(
    {
        "time": "2026-11-24T01:02:10.000Z",
        "type": "platform.report",
        "record": {
            "requestId": RID,
            "metrics": {
                "durationMs": 10000.0,
                "billedDurationMs": 10000,
                "memorySizeMB": 512,
                "maxMemoryUsedMB": 98,
                "initDurationMs": 402.5,
            },
            "status": "timeout",
        },
    }
)
JSON_INIT_REPORT_ERROR = json.dumps(
    {
        "time": "2026-11-24T01:02:00.000Z",
        "type": "platform.initReport",
        "record": {
            "initializationType": "on-demand",
            "phase": "init",
            "status": "error",
            "errorType": "Runtime.ImportModuleError",
            "metrics": {"durationMs": 412.31},
        },
    }
)
JSON_RESTORE_REPORT = json.dumps(
    {
        "time": "2026-11-24T01:02:00.000Z",
        "type": "platform.restoreReport",
        "record": {"status": "success", "metrics": {"durationMs": 289.11}},
    }
)
JSON_APP_ERROR = json.dumps(
    {
        "timestamp": "2026-11-24T01:02:05.000Z",
        "level": "ERROR",
        "requestId": RID,
        "message": {
            "errorType": "KeyError",
            "errorMessage": "'orders'",
            "stackTrace": ['  File "/var/task/app.py"'],
        },
        "errorType": "KeyError",
        "errorMessage": "'orders'",
        "stackTrace": ['  File "/var/task/app.py"'],
    }
)
JSON_APP_INFO = json.dumps(
    {
        "timestamp": "2026-11-24T01:02:05.000Z",
        "level": "INFO",
        "requestId": RID,
        "message": "fetched 3 orders",
    }
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            REPORT_TIMEOUT,
            {"kind": "report", "invocation_status": "timeout", "duration_ms": 180000.0, "request_id": RID},
        ),
        (REPORT_TIMEOUT_COLD, {"kind": "report", "invocation_status": "timeout", "init_duration_ms": 578.07}),
        (REPORT_CRASH, {"kind": "report", "invocation_status": "error", "error_type": "Runtime.ExitError"}),
        (
            INIT_TIMEOUT,
            {"kind": "init", "invocation_status": "timeout", "init_duration_ms": 10000.0, "request_id": None},
        ),
        (
            INIT_ERROR,
            {"kind": "init", "invocation_status": "error", "error_type": "Runtime.ImportModuleError"},
        ),
        (OLD_TIMEOUT, {"kind": "timeout", "invocation_status": "timeout", "request_id": RID}),
        (RESTORE_START, {"kind": "restore"}),
        (RESTORE_REPORT, {"kind": "restore", "restore_duration_ms": 289.11}),
        (REPORT_RESTORED, {"kind": "report", "restore_duration_ms": 289.11, "billed_duration_ms": 164.0}),
        (JSON_START, {"kind": "start", "request_id": RID, "log_format": "json"}),
        (
            JSON_REPORT_TIMEOUT,
            {
                "kind": "report",
                "invocation_status": "timeout",
                "duration_ms": 10000.0,
                "init_duration_ms": 402.5,
            },
        ),
        (
            JSON_INIT_REPORT_ERROR,
            {
                "kind": "init",
                "invocation_status": "error",
                "error_type": "Runtime.ImportModuleError",
                "init_duration_ms": 412.31,
            },
        ),
        (JSON_RESTORE_REPORT, {"kind": "restore", "restore_duration_ms": 289.11}),
        (JSON_APP_ERROR, {"kind": "error", "error_type": "KeyError", "request_id": RID}),
    ],
)
def test_each_generation_is_read_and_fetched(line: str, expected: dict[str, object]) -> None:
    assert re.search(LAMBDA_LOG_REGEX, line), "the collectors' filter would not fetch this line"
    row = parse_line(line)
    for key, value in expected.items():
        assert row.get(key) == value, (key, row)
    assert row["log_format"] == ("json" if line.startswith("{") else "text")


def test_an_info_application_line_is_not_fetched_nor_an_error() -> None:
    assert not re.search(LAMBDA_LOG_REGEX, JSON_APP_INFO)
    assert parse_line(JSON_APP_INFO)["kind"] == "other"


def test_the_frame_carries_status_error_type_and_format_per_line() -> None:
    lines = [JSON_START, JSON_REPORT_TIMEOUT, INIT_ERROR, REPORT_RESTORED]
    frame = parse_lambda_events("orders-fn", [T + i for i in range(len(lines))], lines)
    assert list(frame["kind"]) == ["start", "report", "init", "report"]
    assert list(frame["invocation_status"].fillna("-")) == ["-", "timeout", "error", "success"]
    assert list(frame["log_format"]) == ["json", "json", "text", "text"]
    assert frame["restore_duration_ms"].iloc[3] == 289.11
    assert frame["memory_size_mb"].iloc[1] == 512


def test_the_logs_insights_query_filters_with_the_same_pattern() -> None:
    """Logs Insights (the default engine on AWS) selects Lambda lines with the same regex as the scan engine."""
    from apigwops.evidence.logs.queries import events_query

    query = events_query(LAMBDA_LOG_REGEX)
    literal = query.split("| filter @message like ", 1)[1].split("\n", 1)[0]
    assert literal == f"/{LAMBDA_LOG_REGEX}/"  # no "/" to escape: Insights reads it as written
    for needle in ("INIT_REPORT", "RESTORE_REPORT", "Status: ", "platform\\.", "Task timed out"):
        assert needle in literal
