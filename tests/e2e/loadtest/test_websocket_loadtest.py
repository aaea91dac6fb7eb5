"""`apigwops loadtest run websocket` against the sandbox's WebSocket stage: the ws:// URL and the route keys
resolved through moto (`--api chat-ws-api --stage prod`), real Locust users connecting with the sandbox's
token (header, or the `token` query parameter), one round trip per route, SLOs on connect success, round-trip
percentiles and error rate, and the stage's own access log (read back from moto with boto3) counting the same
connects and messages as Locust."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.functional.sandbox.ws_helpers import ws_access

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("loadtest-websocket")]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    from apigwops.sandbox import Sandbox

    sb = Sandbox.start(seed=7, time_scale=0.005, ship_interval_s=0.5)
    try:
        yield sb
    finally:
        sb.stop()


def _by_name(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in summary["endpoints"]}


@pytest.mark.parametrize("in_query", [False, True], ids=["header-token", "query-token"])
def test_websocket_run_on_the_sandbox_stage(sandbox: Any, tmp_path: Path, in_query: bool) -> None:
    sb = sandbox
    before = {kind: len(ws_access(sb, f'"eventType":"{kind}"')) for kind in ("CONNECT", "MESSAGE")}
    args = [
        "-o", "json", "loadtest", "run", "websocket", "--api", "chat-ws-api", "--stage", "prod",
        "--token", sb.tokens["valid"], "-u", "2", "-t", "3s", "--workers", "1", "--no-cloudwatch",
        "--slo", "connect_success>=100%", "--slo", "roundtrip_p95<5s", "--slo", "error_rate<1%",
        "--report-dir", str(tmp_path),
    ]  # fmt: skip
    if in_query:
        args.append("--token-in-query")
    result = run_cli(*args, env=sb.env())
    assert result.exit_code == 0, result.stderr + result.stdout
    summary = json.loads(result.stdout)
    assert summary["run"]["url"] == sb.websocket.url
    gates = {s["expr"]: s for s in summary["slos"]}
    assert gates["connect_success>=100%"]["actual"] == 100.0
    assert gates["roundtrip_p95<5s"]["actual"] is not None
    assert all(s["passed"] for s in summary["slos"])
    names = _by_name(summary)
    connects, trips = names["connect"]["requests"], names["round-trip"]["requests"]
    assert connects > 0
    # every connection sends one message per route of the API ($connect/$disconnect aside)
    assert trips == connects * 3  # $default, broadcast, sendmessage
    assert sb.tokens["valid"] not in result.stdout + result.stderr
    sb.flush()
    after = {kind: len(ws_access(sb, f'"eventType":"{kind}"')) for kind in ("CONNECT", "MESSAGE")}
    # the stage's independent count: one CONNECT line per connect, one MESSAGE line per round trip
    assert after["CONNECT"] - before["CONNECT"] == connects
    assert after["MESSAGE"] - before["MESSAGE"] == trips


def test_a_failing_route_fails_the_round_trip_gate(sandbox: Any, tmp_path: Path) -> None:
    """ws-no-route: every message is answered {"message": "Forbidden", ...}: round trips fail, connects do not."""
    sb = sandbox
    sb.set_faults({"ws-no-route": 1.0})
    try:
        result = run_cli(
            "-o", "json", "loadtest", "run", "websocket", "--api", "chat-ws-api", "--stage", "prod",
            "--token", sb.tokens["valid"], "--route", "sendmessage", "-u", "1", "-t", "2s", "--workers", "1",
            "--no-cloudwatch", "--slo", "connect_success>99%", "--slo", "error_rate<1%",
            "--report-dir", str(tmp_path), env=sb.env(),
        )  # fmt: skip
    finally:
        sb.set_faults({})
    assert result.exit_code == 1, result.stderr
    summary = json.loads(result.stdout)
    gates = {s["expr"]: s for s in summary["slos"]}
    assert gates["connect_success>99%"]["passed"]
    assert not gates["error_rate<1%"]["passed"]
    names = _by_name(summary)
    assert names["round-trip"]["failures"] == names["round-trip"]["requests"] > 0
    assert any("Forbidden" in e.get("error", "") for e in summary["errors"]), summary["errors"]
