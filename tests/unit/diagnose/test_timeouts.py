"""A Lambda behind a timed-out integration: its own timeout (`lambda-timeout`) or API Gateway giving up while
the function kept running and finished later without error (`integration-timeout`, §4.7 C55: "Lambda keeps
running (its own Duration can exceed 29 s with no error)"). The function's REPORT line tells them apart."""

from __future__ import annotations

import pytest

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.loader import load_playbooks
from tests.builders.stage import ONSET_MINUTE, Stage, healthy

N = 40
PLAYBOOKS = load_playbooks()


def _timeouts(api_type: str, *, function_finished: bool | None) -> Stage:
    stage = healthy(api_type)
    status, latency = (504, 29010) if api_type == "REST" else (503, 30004)
    values = {"error_type": "INTEGRATION_TIMEOUT"} if api_type == "REST" else {}
    stage.traffic(
        N,
        status=status,
        start=ONSET_MINUTE,
        latency=latency,
        error_message="Endpoint request timed out" if api_type == "REST" else "Service Unavailable",
        **values,
    )
    for row in stage.rows[-N:]:
        rid, at = row["integration_request_id"], row["time"]
        if function_finished is None:
            continue
        if not function_finished:
            stage.lambda_log(
                time=at, request_id=rid, kind="timeout", message="Task timed out after 60.00 seconds"
            )
        stage.lambda_log(
            time=at, request_id=rid, kind="report", duration_ms=60000 if not function_finished else 41000
        )
    return stage


@pytest.mark.parametrize("api_type", ["REST", "HTTP"])
@pytest.mark.parametrize(
    ("function_finished", "finding"),
    [(True, "integration-timeout"), (False, "lambda-timeout"), (None, "lambda-timeout")],
)
def test_the_function_report_decides_which_timeout(
    api_type: str, function_finished: bool | None, finding: str
) -> None:
    """Without Lambda logs (None) the function is presumed to be the slow part, as before."""
    report = diagnose(_timeouts(api_type, function_finished=function_finished).build(), playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert (top.id, top.count, top.share) == (finding, N, 1.0), [(f.id, f.count) for f in report.findings]
