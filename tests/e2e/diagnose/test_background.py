"""A healthy stage with a little background noise does not page: real HTTP traffic to the sandbox's REST and
HTTP stages with `background-errors` at 0.2% (Lambda errors, signals §4.5 C47), logs and metrics shipped into
moto's server, then `apigwops diagnose` in-process with the real collector: exit 0 with the default
`--fail-on medium`, the errors still listed as a low-severity `lambda-function-error` with the numbers behind
the severity. On a build where severity ignores impact the same run exits 1 with a `high` finding.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.functional.sandbox.helpers import call
from typer.testing import CliRunner

from apigwops.cli import app

pytestmark = [pytest.mark.e2e]

REQUESTS = 2000  # per stage, sequential (parallel requests would start new environments: cold starts)
RATE = 0.002


@pytest.fixture(scope="module")
def sandbox() -> Any:
    from apigwops.sandbox import Sandbox

    sb = Sandbox.start(seed=23, time_scale=0.005, ship_interval_s=0.5)
    try:
        yield sb
    finally:
        sb.stop()


def test_a_healthy_stage_with_background_errors_exits_0(sandbox: Any) -> None:
    sb = sandbox
    call(sb.rest.url + "/users/0", headers={"x-api-key": sb.keys["internal"]})  # warm both environments
    call(sb.http.url + "/users/0")
    start = datetime.now(UTC) - timedelta(milliseconds=50)
    sb.set_faults({"background-errors": RATE})
    errors = {"REST": 0, "HTTP": 0}
    try:
        for i in range(REQUESTS):
            rest = call(sb.rest.url + f"/users/{i}", headers={"x-api-key": sb.keys["internal"]})
            http = call(sb.http.url + f"/users/{i}")
            errors["REST"] += rest.status == 502
            errors["HTTP"] += http.status == 500
    finally:
        sb.set_faults({})
    sb.flush()
    end = datetime.now(UTC) + timedelta(seconds=1)
    assert all(1 <= n <= 10 for n in errors.values()), errors  # noise happened, and it stayed noise
    for api_type, api in (("REST", "user-api"), ("HTTP", sb.http.api_id)):
        args = ["--endpoint-url", sb.moto_endpoint, "--region", sb.region, "-o", "json", "diagnose"]
        args += ["--api", api, "--stage", "prod", "--start", start.isoformat(), "--end", end.isoformat()]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, (api_type, result.output)
        doc = json.loads(result.stdout)
        assert REQUESTS <= doc["traffic"]["requests"] <= REQUESTS + 1  # + the warm-up, when logged late
        found = {f["id"]: f for f in doc["findings"]}
        noise = found["lambda-function-error"]
        assert noise["count"] == errors[api_type]
        assert noise["severity"] in ("info", "low")
        impact = next(e["detail"] for e in noise["evidence"] if e["source"] == "impact")
        assert impact.startswith(f"{errors[api_type]} errors in {doc['traffic']['requests']:,} requests"), (
            impact
        )
        assert "no rise from the baseline" in impact
        assert doc["onset"] is None
