"""A fault per AWS service, for diagnose and capture: denied, throttled past retries, hanging, reset (issue 13).

The fault proxy (fault_proxy.py, the one issue 11 added) sits between apigwops and moto's server and breaks
one operation of one service; everything else is answered by moto. Each case asserts what a user relies on:
a partial report (exit 0 or 1, a JSON document; for capture a bundle), the broken source named in its check
with the real IAM action (or "did not answer in time" / "cannot reach" for a hang or a reset), the other
sources intact, and a bounded wall time (a hang costs the client's read timeout, set to 1 s here, not more).
Commands run in-process through `apigwops.cli.run`, the console script's own exit-code mapping.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.functional.aws.moto_world import REGION, World, fresh_world
from tests.functional.evidence.fault_proxy import FaultProxy, Rule
from tests.functional.evidence.test_denied_sources import seed

from apigwops.aws import config as aws_config
from apigwops.cli import run
from apigwops.timewindow import iso

WALL_BOUND_S = 60  # a hang must cost the read timeout (1 s) per attempt, not the proxy's forever


@dataclass(frozen=True)
class Target:
    service: str
    needles: tuple[str, ...]
    check: str
    action: str  # the IAM action the check must name when denied
    call: str  # the call a throttled check names


TARGETS = [
    Target(
        "apigateway",
        ("GET /restapis/", "/deployments"),
        "config-deployments",
        "apigateway:GET",
        "apigateway:GetDeployments",
    ),
    Target(
        "logs",
        ("FilterLogEvents", "/aws/apigateway/user-api"),
        "access-logs",
        "logs:FilterLogEvents",
        "logs:FilterLogEvents",
    ),
    Target(
        "cloudwatch", ("GetMetricData",), "metrics", "cloudwatch:GetMetricData", "cloudwatch:GetMetricData"
    ),
    Target(
        "wafv2",
        ("GetSampledRequests",),
        "waf-sampled-requests",
        "wafv2:GetSampledRequests",
        "wafv2:GetSampledRequests",
    ),
    Target(
        "lambda",
        ("GET /2015-03-31/functions/users-fn/configuration",),
        "config-lambda:users-fn",
        "lambda:GetFunctionConfiguration",
        "lambda:GetFunctionConfiguration",
    ),
]
FAULTS = ["deny", "throttle", "hang", "reset"]
EXPECTED_REASON = {
    "deny": "AccessDenied: {action}",
    "throttle": "throttled after retries: {call}",
    "hang": "did not answer in time",
    "reset": "cannot reach",
}


@pytest.fixture
def world(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(aws_config, "READ_TIMEOUT_S", 1)  # the hang ends at the client's read timeout
    return fresh_world(moto_endpoint)


def _window() -> tuple[datetime, datetime]:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    return end - timedelta(minutes=20), end


def _assert_check(checks: dict[str, dict[str, str]], target: Target, fault: str) -> None:
    check = checks[target.check]
    assert check["status"] in ("skipped", "error"), check
    reason = check.get("reason", "")
    expected = EXPECTED_REASON[fault].format(action=target.action, call=target.call)
    assert expected in reason, (fault, target.service, reason)
    assert "\n" not in reason


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("target", TARGETS, ids=[t.service for t in TARGETS])
def test_diagnose_keeps_a_partial_report(
    world: World, target: Target, fault: str, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = _window()
    seed(world, start + timedelta(minutes=2))
    began = time.monotonic()
    with FaultProxy(world.endpoint, [Rule(target.needles, fault)]) as proxy:  # type: ignore[arg-type]
        args = ["--endpoint-url", proxy.url, "--region", REGION, "-o", "json", "diagnose"]
        code = run([*args, "--api", "user-api", "--stage", "prod", "--start", iso(start), "--end", iso(end)])
    elapsed = time.monotonic() - began
    out, err = capsys.readouterr()
    assert fault in proxy.hits, f"the rule for {target.service} never matched a request"
    assert code in (0, 1), err
    assert "Traceback" not in err
    doc = json.loads(out)
    checks = {c["id"]: c for c in doc["checks"]}
    _assert_check(checks, target, fault)
    if target.check != "access-logs":
        assert checks["access-logs"]["status"] == "ok"  # one source failing never costs the others
    assert elapsed < WALL_BOUND_S


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("target", TARGETS, ids=[t.service for t in TARGETS])
def test_capture_saves_the_rest_and_names_the_failure(
    world: World, target: Target, fault: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = _window()
    seed(world, start + timedelta(minutes=2))
    out_dir = tmp_path / "bundle"
    began = time.monotonic()
    with FaultProxy(world.endpoint, [Rule(target.needles, fault)]) as proxy:  # type: ignore[arg-type]
        args = ["--endpoint-url", proxy.url, "--region", REGION, "capture", "--api", "user-api"]
        code = run(
            [*args, "--stage", "prod", "--start", iso(start), "--end", iso(end), "--out", str(out_dir)]
        )
    elapsed = time.monotonic() - began
    _, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    manifest = json.loads((out_dir / "manifest.json").read_text())
    checks = {c["id"]: c for c in manifest["sources"]}
    _assert_check(checks, target, fault)
    assert manifest["tables"]["requests"]["rows"] == (0 if target.check == "access-logs" else 100)
    assert elapsed < WALL_BOUND_S


def test_a_denied_resolve_is_one_line_exit_254(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """Without GetRestApis there is no API to diagnose: one line naming the call, exit 254, no report."""
    start, end = _window()
    with FaultProxy(world.endpoint, [Rule(("GET /restapis",), "deny")]) as proxy:
        args = ["--endpoint-url", proxy.url, "--region", REGION, "-o", "json", "diagnose"]
        code = run([*args, "--api", "user-api", "--stage", "prod", "--start", iso(start), "--end", iso(end)])
    out, err = capsys.readouterr()
    assert code == 254, err
    assert out == ""
    errors = [line for line in err.splitlines() if line.startswith("apigwops: error:")]
    assert len(errors) == 1
    assert "AccessDenied on GetRestApis" in errors[0]
