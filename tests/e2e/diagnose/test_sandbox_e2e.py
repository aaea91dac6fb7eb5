"""End to end: the sandbox's local stages over real HTTP with an incident, logs and metrics shipped into moto's
server, then `apigwops diagnose` (in-process, the real collector against moto) names the cause, per API type.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.functional.sandbox.helpers import call
from typer.testing import CliRunner

from apigwops.cli import app
from apigwops.timewindow import iso

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("diagnose-sandbox")]


@pytest.fixture(scope="module")
def sandbox() -> Any:
    from apigwops.sandbox import Sandbox

    sb = Sandbox.start(seed=5, time_scale=0.005, ship_interval_s=0.5)
    try:
        yield sb
    finally:
        sb.stop()


def _traffic(sb: Any, fault: str) -> tuple[datetime, datetime]:
    sb.set_faults({})
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    for i in range(8):
        call(sb.rest.url + f"/users/{i}", headers={"x-api-key": sb.keys["internal"]})
        call(sb.http.url + f"/users/{i}")
    sb.set_faults({fault: 1.0})
    for i in range(15):
        call(sb.rest.url + f"/users/{i}", headers={"x-api-key": sb.keys["internal"]})
        call(sb.http.url + f"/users/{i}")
    sb.set_faults({})
    sb.flush()
    return start, datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)


@pytest.mark.parametrize(
    ("fault", "symptom", "finding", "statuses"),
    [
        ("lambda-error", "502", "lambda-function-error", ("502", "500")),
        pytest.param(
            "lambda-timeout",
            "504",
            "lambda-timeout",
            ("504", "503"),
            marks=pytest.mark.xfail(
                strict=True,
                reason="the sandbox's lambda-timeout fault outlives the integration timeout (60 s function timeout > 29/30 s), so AWS answers 504/503 = integration-timeout (signals reference §15.5); lambda-timeout needs a sandbox function timing out first (issue 10 item 4)",
            ),
        ),
    ],
)
def test_diagnose_names_the_sandbox_incident(
    sandbox: Any, fault: str, symptom: str, finding: str, statuses: tuple[str, str]
) -> None:
    """The symptom keeps one failure class: the windows of the two incidents may overlap, since the sandbox's
    log times run ahead of the wall clock by the time it simulates."""
    start, end = _traffic(sandbox, fault)
    for api, status in (("user-api", statuses[0]), (sandbox.http.api_id, statuses[1])):
        args = ["--endpoint-url", sandbox.moto_endpoint, "--region", sandbox.region, "-o", "json", "diagnose"]
        args += [symptom, "--api", api, "--stage", "prod", "--start", iso(start), "--end", iso(end)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1, result.output
        doc = json.loads(result.stdout)
        top = doc["findings"][0]
        assert (top["id"], top["symptom"], top["count"], top["share"]) == (finding, status, 15, 1.0), doc
        assert doc["traffic"]["requests"] >= 23
        assert {c["id"] for c in doc["checks"] if c["status"] == "ok"} >= {"access-logs"}
