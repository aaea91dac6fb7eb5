"""apigwops loadtest against the local sandbox: --api/--stage resolved through moto, --tier keys from the
sandbox state file, the usage plan's throttle read from moto, and CloudWatch numbers beside Locust's."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("loadtest-sandbox")]


@pytest.fixture(autouse=True)
def _no_ci_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs under CI must not write into the CI job's own step summary."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    """An in-process sandbox plus the state file `sandbox up` would write (for --tier and metric flushing).

    Session-scoped: xdist may interleave other modules' tests on this worker, and a module fixture would then
    start a second sandbox (moto and all) for the rest of these tests."""
    from apigwops.sandbox import Sandbox
    from apigwops.sandbox.state import SandboxState, StageInfo, save_state

    home = tmp_path_factory.mktemp("apigwops-home")
    sb = Sandbox.start(seed=3, time_scale=0.005, ship_interval_s=0.5)
    try:
        stages = [StageInfo(s.api_id, s.api_name, s.stage, s.url, s.api_type) for s in (sb.rest, sb.http)]
        state = SandboxState(
            os.getpid(), sb.moto_endpoint, sb.region, sb.control_url, *stages, sb.keys, sb.tokens
        )
        save_state(state, home / "sandbox.json")
        yield sb, {**sb.env(), "APIGWOPS_HOME": str(home)}
    finally:
        sb.stop()


def test_smoke_on_the_sandbox_stage_with_cloudwatch_beside(
    sandbox: tuple[Any, dict[str, str]], tmp_path: Path
) -> None:
    sb, env = sandbox
    result = run_cli(
        "-o", "json", "loadtest", "run", "smoke", "--api", "user-api", "--stage", "prod", "--tier", "basic",
        "-u", "2", "-t", "3s", "--workers", "1",
        "--slo", "error_rate<1%", "--report-dir", str(tmp_path), env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["run"]["url"] == sb.rest.url  # stage `prod` on loopback: allowed without --allow-prod
    assert summary["status_counts"] == {"200": summary["requests"]}
    # no --route: the GET routes were read from the API (POST /orders is left alone)
    assert sorted(e["name"] for e in summary["endpoints"]) == ["/health", "/users", "/users/{id}"]
    metrics = summary["cloudwatch"]["metrics"]
    assert metrics["Count"] == summary["requests"] > 0
    assert metrics["4XX"] == 0
    assert metrics["Latency"] is not None
    beside = {row["metric"]: row for row in summary["cloudwatch"]["beside"]}
    assert beside["requests"]["locust"] == beside["requests"]["cloudwatch"] == summary["requests"]
    assert beside["mean latency (ms)"]["locust"] == summary["mean_ms"] > 0
    assert "CloudWatch" in (tmp_path / "summary.md").read_text()
    assert sb.keys["basic"] not in result.stdout + result.stderr + (tmp_path / "summary.json").read_text()


def test_http_api_metrics_can_be_read_later_with_check(
    sandbox: tuple[Any, dict[str, str]], tmp_path: Path
) -> None:
    """HTTP API (metrics by ApiId), run without CloudWatch, then `check DIR --cloudwatch` once it has shipped."""
    sb, env = sandbox
    result = run_cli(
        "-o", "json", "loadtest", "run", "smoke", "--api", "user-http-api", "--stage", "prod",
        "--route", "GET /health", "-u", "2", "-t", "2s", "--workers", "1", "--no-cloudwatch",
        "--report-dir", str(tmp_path), env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["cloudwatch"] is None
    assert summary["run"]["api"]["api_type"] == "HTTP"
    sb.flush()
    later = run_cli("-o", "json", "loadtest", "check", str(tmp_path), "--cloudwatch", "--write", env=env)
    assert later.exit_code == 0, later.stderr
    metrics = json.loads(later.stdout)["cloudwatch"]["metrics"]
    assert metrics["Count"] == summary["requests"] > 0
    assert json.loads((tmp_path / "summary.json").read_text())["cloudwatch"]["metrics"] == metrics


def test_tier_limits_on_the_free_tier(sandbox: tuple[Any, dict[str, str]]) -> None:
    _, env = sandbox
    result = run_cli(
        "-o", "json", "loadtest", "run", "tier-limits", "--api", "user-api", "--stage", "prod", "--tier", "free",
        "--route", "GET /users", "-u", "3", "-t", "5s", "--no-cloudwatch", env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (check,) = json.loads(result.stdout)["checks"]
    assert check["passed"] is True, check["detail"]
    # the limits came from the free usage plan in moto, not from flags
    assert (check["data"]["rate"], check["data"]["burst"]) == (5.0, 10.0)
    assert check["data"]["throttled"] > 0


@pytest.mark.parametrize("scenario", ["ramp", "soak"])
def test_ramp_and_soak_on_the_sandbox(sandbox: tuple[Any, dict[str, str]], scenario: str) -> None:
    _, env = sandbox
    result = run_cli(
        "-o", "json", "loadtest", "run", scenario, "--api", "user-api", "--stage", "prod", "--tier", "basic",
        "--route", "GET /health", "-u", "2", "-t", "3s", "--workers", "1", "--no-cloudwatch",
        "--slo", "error_rate<1%", env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["requests"] > 0
    assert summary["status_counts"] == {"200": summary["requests"]}


def test_waf_probe_on_the_sandbox_web_acl(sandbox: tuple[Any, dict[str, str]]) -> None:
    """The sandbox's web ACL carries the SQL-injection and core (XSS) rule groups: those probes get 403;
    whatever else gets through is listed by name."""
    sb, env = sandbox
    result = run_cli(
        "-o", "json", "loadtest", "run", "waf-probe", "--api", "user-api", "--stage", "prod",
        "--api-key", sb.keys["basic"], "--route", "GET /users", "-u", "1", "-t", "20s", "--no-cloudwatch", env=env,
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    (check,) = json.loads(result.stdout)["checks"]
    assert check["data"]["control_status"] == 200
    slipped = {s["id"]: s for s in check["data"]["slipped"]}
    assert not any(pid.startswith(("sqli-", "xss-")) for pid in slipped)
    assert check["data"]["blocked"] >= 6
    assert all(s["status"] != 403 for s in slipped.values())
    assert check["passed"] is (not slipped)
    assert result.exit_code == (1 if slipped else 0)
    for pid in slipped:
        assert pid in check["detail"]
