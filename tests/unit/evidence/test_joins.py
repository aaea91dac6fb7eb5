"""Joins: execution lines by API request id, Lambda invocations by the integration request id."""

from __future__ import annotations

import pandas as pd

from apigwops.evidence.accesslog import parse_access_lines
from apigwops.evidence.execlog import parse_execution_events
from apigwops.evidence.joins import with_execution, with_lambda
from apigwops.evidence.lambdalog import parse_lambda_events
from apigwops.evidence.logformat import compile_format

FMT = '{"requestId":"$context.requestId","status":"$context.status","integrationRequestId":"$context.integration.requestId"}'
L1 = "11111111-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
L2 = "22222222-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
T = 1_763_946_123_000


def _requests() -> pd.DataFrame:
    lines = [
        f'{{"requestId":"r1","status":"200","integrationRequestId":"{L1}"}}',
        f'{{"requestId":"r2","status":"504","integrationRequestId":"{L2}"}}',
        '{"requestId":"r3","status":"403","integrationRequestId":"-"}',
    ]
    return parse_access_lines(compile_format(FMT), lines, event_times=[T, T + 1, T + 2]).requests


def test_execution_lines_join_by_request_id_without_duplicating_requests() -> None:
    execution = parse_execution_events(
        [T, T + 1, T + 2, T + 3],
        [
            "(r2) Starting execution for request: r2",
            "(r2) Execution failed due to a timeout error",
            "(r2) Method completed with status: 504",
            "(r1) Method completed with status: 200",
        ],
    )
    joined = with_execution(_requests(), execution).set_index("request_id")
    assert len(joined) == 3
    assert joined.loc["r2", "execution_status"] == 504
    assert joined.loc["r2", "execution_error"] == "Execution failed due to a timeout error"
    assert joined.loc["r2", "execution_lines"] == 3
    assert pd.isna(joined.loc["r1", "execution_error"])
    assert pd.isna(joined.loc["r3", "execution_status"])


def test_lambda_invocations_join_by_integration_request_id() -> None:
    lam = parse_lambda_events(
        "orders-fn",
        [T, T + 1, T + 2, T + 3],
        [
            f"START RequestId: {L2} Version: $LATEST",
            f"2026-11-24T01:02:03.456Z {L2} Task timed out after 3.00 seconds",
            f"REPORT RequestId: {L2}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 90 MB\tInit Duration: 812.50 ms",
            f"REPORT RequestId: {L1}\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB",
        ],
    )
    joined = with_lambda(_requests(), lam).set_index("request_id")
    assert len(joined) == 3
    assert bool(joined.loc["r2", "lambda_timeout"]) is True
    assert joined.loc["r2", "lambda_init_duration_ms"] == 812.5
    assert joined.loc["r2", "lambda_function"] == "orders-fn"
    assert bool(joined.loc["r1", "lambda_timeout"]) is False
    assert joined.loc["r1", "lambda_duration_ms"] == 12.0
    assert pd.isna(joined.loc["r1", "lambda_init_duration_ms"])
    assert pd.isna(joined.loc["r3", "lambda_function"])
