"""`cost estimate --api user-api --stage prod` against the sandbox: real HTTP traffic through the local REST
stage, metrics shipped into moto by the sandbox, then the estimate read back through the CLI.

The sandbox provisions the four usage-plan tiers (free, basic, premium, internal), a Lambda function behind
the routes, a stage and a WAF web ACL; moto lacks GetUsage, so the estimate shares the stage's `Count` across
the plans and says so.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e

REQUESTS = {"free": 12, "premium": 18}


@pytest.fixture
def sandbox(moto_endpoint: str) -> Iterator[Any]:
    from apigwops.sandbox import Sandbox

    sb = Sandbox.start(moto_endpoint=moto_endpoint, seed=3)
    try:
        yield sb
    finally:
        sb.stop()


def test_estimate_from_sandbox_traffic(sandbox: Any) -> None:
    statuses = []
    for tier, count in REQUESTS.items():
        for _ in range(count):
            request = urllib.request.Request(
                f"{sandbox.rest.url}/users", headers={"x-api-key": sandbox.keys[tier]}
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as err:
                statuses.append(err.code)
    sandbox.flush()
    result = run_cli(
        "-o", "json", "cost", "estimate", "--api", "user-api", "--stage", "prod", "--days", "1",
        "--response-kb", "2", env=sandbox.env(),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    api = next(c for c in doc["components"] if c["component"] == "api-requests")
    assert api["quantity"] == len(statuses) * 30  # one day of traffic, projected to 30 days
    assert {t["tier"] for t in doc["tiers"]} == {"free-tier", "basic-tier", "premium-tier", "internal-tier"}
    assert {c["component"] for c in doc["components"]} >= {
        "lambda-requests",
        "lambda-duration",
        "waf-web-acls",
    }
    assert any("GetUsage" in a for a in doc["assumptions"])
    assert doc["worst_case"]["usd"] > doc["total_usd"]
