"""Lambda's log generations as diagnose sees them (signals reference §15.1-15.3): SnapStart restores and JSON
platform reports count as cold starts, init failures are `lambda-init-failure` with their error type, and the
Lambda-logs check says which log format was read against the function's LoggingConfig.LogFormat."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.loader import load_playbooks
from apigwops.evidence.parse.lambdalog import parse_lambda_events
from apigwops.evidence.sources.gateway import log_format_read
from tests.builders.stage import FUNCTION, ONSET_MINUTE, Stage, healthy

N = 40
PLAYBOOKS = load_playbooks()


def _uuid(n: int) -> str:
    return f"{n:08x}-7e1a-4c2b-9d3e-{n:012x}"


def _slow_cold_requests(api_type: str, report: str) -> Stage:
    """Requests slowed by a cold start, each joined to its invocation by the integration request id."""
    stage = healthy(api_type)
    stage.traffic(N, start=ONSET_MINUTE, latency=1250, integration_latency=1200)
    lines = []
    for i, row in enumerate(stage.rows[-N:]):
        rid = _uuid(i + 1)
        row["integration_request_id"] = rid
        end = row["time"] + timedelta(milliseconds=1200)
        if report == "snapstart":
            lines += [
                (
                    row["time"],
                    "RESTORE_START Runtime Version: java:21.v27 Runtime Version ARN: arn:aws:lambda:us-east-1::runtime:abc",
                ),
                (row["time"], "RESTORE_REPORT Restore Duration: 889.11 ms"),
                (
                    end,
                    f"REPORT RequestId: {rid}\tDuration: 301.18 ms\tBilled Duration: 464 ms\tMemory Size: 512 MB\t"
                    "Max Memory Used: 94 MB\tRestore Duration: 889.11 ms\tBilled Restore Duration: 162 ms",
                ),
            ]
        else:
            record = {
                "requestId": rid,
                "metrics": {
                    "durationMs": 301.18,
                    "billedDurationMs": 302,
                    "memorySizeMB": 512,
                    "maxMemoryUsedMB": 94,
                    "initDurationMs": 889.11,
                },
                "status": "success",
            }
            lines.append(
                (
                    end,
                    json.dumps(
                        {"time": "2026-11-24T01:12:00.000Z", "type": "platform.report", "record": record}
                    ),
                )
            )
    stage.lambda_text(lines)
    return stage


@pytest.mark.parametrize("api_type", ["REST", "HTTP"])
@pytest.mark.parametrize("report", ["snapstart", "json"])
def test_snapstart_restores_and_json_init_durations_are_cold_starts(api_type: str, report: str) -> None:
    findings = diagnose(_slow_cold_requests(api_type, report).build(), playbooks=PLAYBOOKS).findings
    top = findings[0]
    assert (top.id, top.count) == ("lambda-cold-starts", N), [(f.id, f.count) for f in findings]
    assert any("longest Init or Restore Duration 889 ms (40 cold starts" in e.detail for e in top.evidence), (
        top.evidence
    )


def _init_failures(api_type: str, line: str) -> Stage:
    """Every invocation of the function fails its init; the access log has no integration request id and the
    stage no execution logs, so the join is by function and time (§15.5)."""
    stage = healthy(api_type).with_stage(logging_level="OFF")
    status = 502 if api_type == "REST" else 500
    values = (
        {"error_type": "INTEGRATION_FAILURE", "error_message": "Internal server error"}
        if api_type == "REST"
        else {}
    )
    stage.traffic(N, status=status, start=ONSET_MINUTE, latency=480, integration_request_id=None, **values)
    stage.lambda_text([(row["time"] + timedelta(milliseconds=400), line) for row in stage.rows[-N:]])
    return stage


INIT_IMPORT_ERROR_JSON = json.dumps(
    {
        "time": "2026-11-24T01:12:00.000Z",
        "type": "platform.initReport",
        "record": {
            "initializationType": "on-demand",
            "phase": "init",
            "status": "error",
            "errorType": "Runtime.ImportModuleError",
            "metrics": {"durationMs": 380.2},
        },
    }
)
INIT_TIMEOUT_TEXT = "INIT_REPORT Init Duration: 10000.00 ms Phase: init Status: timeout"
INIT_EXIT_TEXT = (
    "INIT_REPORT Init Duration: 212.40 ms Phase: invoke Status: error Error Type: Runtime.ExitError"
)


@pytest.mark.parametrize("api_type", ["REST", "HTTP"])
@pytest.mark.parametrize(
    ("line", "error_type"),
    [
        (INIT_IMPORT_ERROR_JSON, "Runtime.ImportModuleError"),
        (INIT_TIMEOUT_TEXT, "timeout"),
        (INIT_EXIT_TEXT, "Runtime.ExitError"),
    ],
)
def test_init_failures_are_their_own_finding_with_their_error_type(
    api_type: str, line: str, error_type: str
) -> None:
    report = diagnose(_init_failures(api_type, line).build(), playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert (top.id, top.count, top.share) == ("lambda-init-failure", N, 1.0), [
        (f.id, f.count) for f in report.findings
    ]
    assert top.title.endswith(f"({error_type})")
    assert any(f"{N} failed inits of {FUNCTION} in the window" in e.detail for e in top.evidence), (
        top.evidence
    )


def test_an_init_failure_elsewhere_in_the_window_is_not_joined_to_unrelated_errors() -> None:
    """Init failures an hour away from the 502s (another deploy) do not explain them."""
    stage = healthy().with_stage(logging_level="OFF")
    stage.traffic(
        N,
        status=502,
        start=ONSET_MINUTE,
        latency=300,
        integration_request_id=None,
        integration_error="Lambda Customer Function Error:boom",
    )
    early = stage.rows[0]["time"]
    stage.lambda_text([(early, INIT_TIMEOUT_TEXT)])
    top = diagnose(stage.build(), playbooks=PLAYBOOKS).findings[0]
    assert (top.id, top.count) == ("lambda-function-error", N)


def test_the_lambda_check_says_which_format_was_read() -> None:
    text = parse_lambda_events(FUNCTION, [1, 2], ["START RequestId: a Version: $LATEST", "END RequestId: a"])
    reason, detail = log_format_read("/aws/lambda/orders-fn", text, "JSON")
    assert reason == "the function is set to JSON logs but its lines in the window are text"
    assert detail["read"] == {"text": 2}
    assert detail["log_format"] == "JSON"
    both = pd.concat([text, parse_lambda_events(FUNCTION, [3], [INIT_IMPORT_ERROR_JSON])])
    reason, _ = log_format_read("/aws/lambda/orders-fn", both, "JSON")
    assert reason == "2 lines are text although the function is set to JSON (format changed)"
    assert log_format_read("/aws/lambda/orders-fn", text, "Text")[0] == ""
