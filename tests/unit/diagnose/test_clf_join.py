"""A stage that logs the console's CLF format (§8.1 verbatim): no integration request id, no latency, no error
fields. The execution log names the Lambda request id (§15.4), and that id is what joins a 502 to the
function's REPORT. Every table goes through the real parsers: access log, execution log, Lambda log."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.features import prepare_requests
from apigwops.diagnose.loader import load_playbooks
from apigwops.evidence.parse.accesslog import parse_access_lines
from apigwops.evidence.parse.execlog import parse_execution_events
from apigwops.evidence.parse.logformat import compile_format
from apigwops.model import Evidence
from tests.builders.stage import START, Stage

PLAYBOOKS = load_playbooks()
# §8.1, verbatim (with the console's `\` continuations)
REST_CLF = (
    "$context.identity.sourceIp $context.identity.caller  \\\n$context.identity.user [$context.requestTime] \\\n"
    '"$context.httpMethod $context.resourcePath $context.protocol" \\\n'
    "$context.status $context.responseLength $context.requestId $context.extendedRequestId"
)
N = 30


def _ms(at: object) -> int:
    return int(at.timestamp() * 1000)  # type: ignore[attr-defined]


def _clf_stage(function_timeout_first: bool) -> tuple[Evidence, list[str]]:
    """Healthy 200s, then N failures: the function timing out at 10 s (502), or outliving the 29 s integration
    timeout (504) and finishing at 41 s."""
    stage = Stage()
    assert stage.config is not None
    fn = replace(stage.config.functions[0], timeout_s=10 if function_timeout_first else 60)
    stage.with_config(functions=(fn,)).with_stage(access_log_format=REST_CLF)
    access, access_times, exec_lines, exec_times, lambda_lines = [], [], [], [], []
    lambda_ids = []
    for i in range(60 + N):
        at = START + timedelta(seconds=20 * i)
        rid = f"{i:08x}-0c3e-4b6a-9f21-{i:012x}"
        lrid = f"{i:08x}-5a5a-4c4c-8d8d-{i:012x}"
        failing = i >= 60
        status = (502 if function_timeout_first else 504) if failing else 200
        stamp = at.strftime("%d/%b/%Y:%H:%M:%S +0000")
        access.append(
            f'198.51.100.7 - - [{stamp}] "GET /orders/{{id}} HTTP/1.1" {status} 36 {rid} Kq4{i:05d}xFpjoEFaQ='
        )
        access_times.append(_ms(at))
        lambda_lines.append((at, f"START RequestId: {lrid} Version: $LATEST"))
        if not failing:
            lambda_lines.append(
                (
                    at + timedelta(milliseconds=70),
                    f"REPORT RequestId: {lrid}\tDuration: 61.20 ms\tBilled Duration: 62 ms\tMemory Size: 512 MB\tMax Memory Used: 80 MB",
                )
            )
            continue
        lambda_ids.append(lrid)
        if function_timeout_first:
            end = at + timedelta(seconds=10)
            message = (
                "Lambda execution failed with status 200 due to customer function error: Task timed out after "
                f"10.00 seconds. Lambda request id: {lrid}"
            )
            lambda_lines.append(
                (
                    end,
                    f"REPORT RequestId: {lrid}\tDuration: 10000.00 ms\tBilled Duration: 10000 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tStatus: timeout",
                )
            )
        else:
            end = at + timedelta(milliseconds=29010)
            message = (
                "Execution failed due to a timeout error"  # no Lambda request id: no answer came (§15.5)
            )
            lambda_lines.append(
                (
                    at + timedelta(seconds=41),
                    f"REPORT RequestId: {lrid}\tDuration: 41000.00 ms\tBilled Duration: 41000 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB",
                )
            )
        exec_lines += [
            f"({rid}) Starting execution for request: {rid}",
            f"({rid}) {message}",
            f"({rid}) Method completed with status: {status}",
        ]
        exec_times += [_ms(at), _ms(end), _ms(end)]
    stage.lambda_text(lambda_lines)
    fmt = compile_format(REST_CLF)
    parsed = parse_access_lines(fmt, access, access_times)
    assert parsed.unparsed == 0
    evidence = replace(
        stage.build(),
        requests=parsed.requests,
        execution_logs=parse_execution_events(exec_times, exec_lines),
        missing_fields=fmt.missing_fields("REST"),
    )
    return evidence, lambda_ids


def test_clf_lambda_timeout_is_joined_through_the_execution_logs_lambda_request_id() -> None:
    evidence, lambda_ids = _clf_stage(function_timeout_first=True)
    assert {"integration_request_id", "integration_error", "response_latency"} <= evidence.missing_fields
    frame, _ = prepare_requests(evidence, None)
    failing = frame[frame["status"] == 502].sort_values("time")
    assert list(failing["lambda_request_id"]) == lambda_ids
    assert failing["lambda_timed_out"].all()
    assert not frame.loc[frame["status"] == 200, "lambda_timed_out"].any()
    top = diagnose(evidence, playbooks=PLAYBOOKS).findings[0]
    assert (top.id, top.symptom, top.count, top.share) == ("lambda-timeout", "502", N, 1.0)


def test_clf_integration_timeout_with_the_function_finishing_later() -> None:
    evidence, _ = _clf_stage(function_timeout_first=False)
    frame, _ = prepare_requests(evidence, None)
    assert frame.loc[frame["status"] == 504, "lambda_request_id"].isna().all()  # nothing names the invocation
    top = diagnose(evidence, playbooks=PLAYBOOKS).findings[0]
    assert (top.id, top.symptom, top.count) == ("integration-timeout", "504", N)
    assert any(
        "ran past the integration timeout in 30 invocations (longest 41,000 ms): 30 finished on their own"
        in e.detail
        for e in top.evidence
    ), top.evidence
    assert "Lower orders-fn's timeout (60 s) below the integration timeout (29 s)" in top.remediation[0]
