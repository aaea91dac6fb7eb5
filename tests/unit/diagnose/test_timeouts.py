"""Both timeout directions, as the signals reference defines them (§4.5 C50, §4.6 C52, §4.7 C55, §15.5):

- the function hits its own Timeout first (shorter than the integration timeout): the client gets 502 (REST) /
  500 (HTTP) and the finding is `lambda-timeout`;
- the function outlives the integration timeout: API Gateway answers 504 (REST) / 503 (HTTP) without ever
  learning the invocation's request id, and the finding is `integration-timeout`, whatever the function did
  afterwards; its evidence says what the function did meanwhile, read from the function's own log in each of
  Lambda's log generations (§15.1-15.3).

Lambda lines are the reference's verbatim shapes, read through the real parser (`Stage.lambda_text`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.features import prepare_requests
from apigwops.diagnose.loader import load_playbooks
from tests.builders.stage import FUNCTION, ONSET_MINUTE, Stage, healthy

N = 40
PLAYBOOKS = load_playbooks()


def _uuid(n: int) -> str:
    return f"{n:08x}-1b2c-4d3e-8f4a-{n:012x}"


def _function_timeout(stage: Stage, seconds: float) -> Stage:
    assert stage.config is not None
    return stage.with_config(functions=(replace(stage.config.functions[0], timeout_s=seconds),))


def _report(rid: str, duration_ms: float, generation: str, *, status: str) -> list[str]:
    """The lines a finished or timed-out invocation leaves, per generation (§15.1, §15.3)."""
    if generation == "json":
        record = {
            "requestId": rid,
            "metrics": {
                "durationMs": duration_ms,
                "billedDurationMs": int(duration_ms),
                "memorySizeMB": 1280,
                "maxMemoryUsedMB": 1201,
            },
            "status": status,
        }
        return [json.dumps({"time": "2026-11-24T01:12:00.000Z", "type": "platform.report", "record": record})]
    report = (
        f"REPORT RequestId: {rid}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {int(duration_ms)} ms\t"
        "Memory Size: 1280 MB\tMax Memory Used: 1201 MB"
    )
    if generation == "old":
        lines = [f"END RequestId: {rid}", report]
        if status == "timeout":
            lines.insert(
                0, f"2026-11-24T01:12:00.000Z {rid} Task timed out after {duration_ms / 1000:.2f} seconds"
            )
        return lines
    return [f"END RequestId: {rid}", f"{report}\tStatus: {status}"]


def _outlived(api_type: str, generation: str, *, finished: int, timed_out: int) -> Stage:
    """A Lambda route whose function (Timeout 60 s) outlives the integration timeout: API Gateway answers at
    the limit with no integration request id (§15.5); the function finishes later or hits its own limit."""
    stage = _function_timeout(healthy(api_type), 60)
    if api_type == "REST":
        values = {"error_type": "INTEGRATION_TIMEOUT", "error_message": "Endpoint request timed out"}
        stage.traffic(N, status=504, start=ONSET_MINUTE, latency=29010, integration_request_id=None, **values)
    else:
        stage.traffic(
            N,
            status=503,
            start=ONSET_MINUTE,
            latency=30004,
            integration_latency=30001,
            error_message="Service Unavailable",
            integration_request_id=None,
        )
    lines = []
    for i, row in enumerate(stage.rows[-N:][: finished + timed_out]):
        rid = _uuid(i + 1)
        lines.append((row["time"], f"START RequestId: {rid} Version: $LATEST"))
        if i < finished:
            end, duration, status = row["time"] + timedelta(seconds=41), 41000.0, "success"
        else:
            end, duration, status = row["time"] + timedelta(seconds=60), 60000.0, "timeout"
        lines += [(end, line) for line in _report(rid, duration, generation, status=status)]
    stage.lambda_text(lines)
    return stage


@pytest.mark.parametrize("api_type", ["REST", "HTTP"])
@pytest.mark.parametrize("generation", ["old", "current", "json"])
def test_a_function_outliving_the_integration_timeout_is_an_integration_timeout(
    api_type: str, generation: str
) -> None:
    stage = _outlived(api_type, generation, finished=25, timed_out=15)
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert (top.id, top.count, top.share) == ("integration-timeout", N, 1.0), report.findings
    assert top.symptom == ("504" if api_type == "REST" else "503")
    assert f"Lambda function {FUNCTION}" in top.title
    lambda_lines = [e.detail for e in top.evidence if e.source == "lambda-log"]
    assert lambda_lines == [
        f"meanwhile {FUNCTION} ran past the integration timeout in 40 invocations (longest 60,000 ms): "
        "25 finished on their own after API Gateway had answered, 15 ended at the function's own timeout"
    ]
    limit = "29 s" if api_type == "REST" else "30 s"
    assert f"Lower {FUNCTION}'s timeout (60 s) below the integration timeout ({limit})" in top.remediation[0]
    assert not any(f.id == "lambda-timeout" for f in report.findings)


def test_an_integration_timeout_without_lambda_logs_is_still_an_integration_timeout() -> None:
    """No rule depends on the function's log or an integration request id for the 504 (§15.5)."""
    stage = _outlived("REST", "current", finished=0, timed_out=0)
    stage.lambda_lines.clear()
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    assert [(f.id, f.count) for f in report.findings] == [("integration-timeout", N)]


def test_an_integration_timeout_with_the_function_timeout_already_short_says_so() -> None:
    stage = _function_timeout(_outlived("REST", "current", finished=0, timed_out=0), 20)
    # the function's log holds only short invocations: the 29 s went before or around the function
    healthy_rows = stage.rows[:5]
    stage.lambda_text(
        [
            (row["time"], line)
            for i, row in enumerate(healthy_rows)
            for line in _report(_uuid(900 + i), 65.0, "current", status="success")
        ]
    )
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert top.id == "integration-timeout"
    assert "already within the integration timeout" in top.remediation[0]
    assert any("no invocation of orders-fn in the window ran past" in e.detail for e in top.evidence)


def _function_timed_out_first(generation: str, *, execution_logs: bool) -> tuple[Stage, list[str]]:
    """REST, function Timeout 10 s < 29 s: the client gets 502 (C50) and the access log is CLF-like (no
    integration request id, no integration error). With execution logs, each request's line is §15.4's."""
    stage = _function_timeout(healthy(), 10)
    if not execution_logs:
        stage.with_stage(logging_level="OFF")
    rids = [_uuid(100 + i) for i in range(N)]
    ids = stage.traffic(
        N,
        status=502,
        start=ONSET_MINUTE,
        latency=10042,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_request_id=None,
    )
    lines = []
    for request_id, rid, row in zip(ids, rids, stage.rows[-N:], strict=True):
        if execution_logs:
            stage.exec_lines.append(
                {
                    "time": row["time"] + timedelta(seconds=10),
                    "request_id": request_id,
                    "message": "Lambda execution failed with status 200 due to customer function error: "
                    f"Task timed out after 10.00 seconds. Lambda request id: {rid}",
                }
            )
        end = row["time"] + timedelta(milliseconds=10030)
        lines.append((row["time"], f"START RequestId: {rid} Version: $LATEST"))
        lines += [(end, line) for line in _report(rid, 10000.0, generation, status="timeout")]
    stage.lambda_text(lines)
    return stage, rids


@pytest.mark.parametrize("generation", ["old", "current", "json"])
def test_a_function_timing_out_first_is_a_lambda_timeout_joined_by_the_execution_logs_id(
    generation: str,
) -> None:
    stage, rids = _function_timed_out_first(generation, execution_logs=True)
    evidence = stage.build()
    frame, _ = prepare_requests(evidence, None)
    failing = frame[frame["status"] == 502]
    assert list(failing["lambda_request_id"]) == rids  # §15.4: the execution log names the invocation
    assert failing["lambda_timed_out"].all()
    report = diagnose(evidence, playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert (top.id, top.symptom, top.count, top.share) == ("lambda-timeout", "502", N, 1.0)
    assert "(10 s)" in top.title
    assert any(
        e.detail.startswith("40 invocations of the function's log ended at its timeout") for e in top.evidence
    )


@pytest.mark.parametrize("generation", ["old", "current", "json"])
def test_without_any_request_id_the_function_timeout_is_joined_by_function_and_time(generation: str) -> None:
    """Execution logging OFF and a CLF access log: only the function, the time and the duration remain."""
    stage, _ = _function_timed_out_first(generation, execution_logs=False)
    # control: function errors of the same function at the same time, ending after 300 ms, are not timeouts
    stage.traffic(10, status=502, start=ONSET_MINUTE, latency=300, integration_request_id=None)
    lines = []
    for i, row in enumerate(stage.rows[-10:]):
        rid = _uuid(500 + i)
        end = row["time"] + timedelta(milliseconds=290)
        lines += [(end, line) for line in _report(rid, 280.0, "current", status="error")]
    stage.lambda_text(lines)
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert (top.id, top.count) == ("lambda-timeout", N), report.findings


def test_a_timeout_in_the_function_report_alone_is_not_taken_for_an_integration_timeout() -> None:
    """A 504 whose function later logged `Status: timeout` at 60 s stays an integration timeout: what the
    function did after API Gateway answered does not change what the client got (§15.5)."""
    stage = _outlived("REST", "current", finished=0, timed_out=N)
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    assert [(f.id, f.count) for f in report.findings] == [("integration-timeout", N)]


def test_a_short_error_ending_next_to_another_invocations_timeout_is_not_that_timeout() -> None:
    """The time join also checks the duration: a 300 ms function error cannot be a 10 s invocation's end."""
    stage, _ = _function_timed_out_first("current", execution_logs=False)
    timeout_end = stage.rows[-1]["time"] + timedelta(milliseconds=10030)
    (short,) = stage.traffic(1, status=502, start=0, latency=300, integration_request_id=None)
    stage.rows[-1]["time"] = timeout_end - timedelta(milliseconds=300)  # ends together with that timeout
    frame, _ = prepare_requests(stage.build(), None)
    flags = dict(zip(frame["request_id"], frame["lambda_timed_out"], strict=True))
    assert not flags[short]
    assert sum(bool(v) for v in flags.values()) == N
