"""Every WebSocket fault through the real path: real WebSocket traffic (the `websockets` client) to the sandbox's
WebSocket stage, its access, execution and Lambda logs and metrics shipped into moto's server, `apigwops
diagnose` in-process with the real collector, and the finding the signals reference §4.10 names ranked first.

`CASES` says which finding each fault must produce; the Lambda faults on WebSocket routes keep their REST/HTTP
finding ids, attributed to the route that failed.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.functional.sandbox.ws_helpers import handshake_status, send, wait_for_log, ws_connect
from typer.testing import CliRunner

from apigwops.cli import app
from apigwops.sandbox import FAULTS

pytestmark = [pytest.mark.e2e]

HEALTHY, FAULTY = 3, 6


@dataclass(frozen=True)
class WsCase:
    fault: str
    finding: str
    symptom: str  # the finding's symptom family: connect, message, disconnect or callback
    traffic: str  # how the faulty traffic is sent (see _FAULTY)
    route: str = "sendmessage"  # the route a Lambda cause must be attributed to

    @property
    def id(self) -> str:
        return self.fault


CASES = [
    WsCase("ws-connect-throttled", "ws-connect-throttled", "connect", "connects"),
    WsCase("ws-connect-deny", "ws-connect-authorizer-deny", "connect", "connects"),
    WsCase("ws-connect-error", "ws-connect-integration-error", "connect", "connects"),
    WsCase("ws-no-route", "ws-route-not-found", "message", "messages"),
    WsCase("ws-message-too-large", "ws-message-too-large", "disconnect", "closes"),
    WsCase("ws-idle-disconnects", "ws-idle-timeout", "disconnect", "closes"),
    WsCase("ws-connection-duration-limit", "ws-connection-duration-limit", "disconnect", "closes"),
    WsCase("ws-stale-connection", "ws-gone-connection", "callback", "messages"),
    WsCase("lambda-error", "lambda-function-error", "message", "messages"),
    # the sandbox's lambda-timeout function runs past the 29 s integration timeout: API Gateway gives up first,
    # which is integration-timeout whatever the function did afterwards (§15.5, as on REST/HTTP)
    WsCase("lambda-timeout", "integration-timeout", "message", "messages"),
    WsCase("lambda-throttled", "lambda-throttled", "message", "messages"),
    WsCase("permission-missing", "lambda-permission-missing", "message", "messages"),
    WsCase("lambda-error", "lambda-function-error", "message", "messages", route="broadcast"),
]
# Lambda faults that mean nothing on a WebSocket stage for diagnosis: a WebSocket stage cannot log a response
# latency, so a cold start is no failing event (it shows as IntegrationLatency only).
NOT_A_WEBSOCKET_SYMPTOM = {"cold-starts"}


def test_every_websocket_fault_has_its_case() -> None:
    covered = {c.fault for c in CASES}
    expected = {f for f in FAULTS if f.startswith("ws-")}
    expected |= {"lambda-error", "lambda-timeout", "lambda-throttled", "permission-missing"}
    assert covered == expected
    assert set(FAULTS) >= NOT_A_WEBSOCKET_SYMPTOM


@pytest.fixture(scope="module")
def sandbox() -> Any:
    from apigwops.sandbox import Sandbox

    sb = Sandbox.start(seed=11, time_scale=0.005, ship_interval_s=0.5)
    try:
        yield sb
    finally:
        sb.stop()


def _session(sb: Any, route: str = "sendmessage", messages: int = 2) -> None:
    """A healthy client: connect with the header token, send, read each answer, close normally."""
    with ws_connect(sb) as ws:
        for _ in range(messages):
            send(ws, route)
            if route == "sendmessage":
                ws.recv(timeout=15)


def _connects(sb: Any, case: WsCase) -> None:
    for _ in range(FAULTY):
        status, _body = handshake_status(sb)
        assert status >= 400


def _messages(sb: Any, case: WsCase) -> None:
    """One connection per message, opened while healthy (so that $connect stays healthy and the message is the
    symptom; a connection held across messages could meet the scaled idle timeout), the fault only while the
    message is sent and answered (a failing message is answered on every route), then healed for $disconnect."""
    from websockets.exceptions import ConnectionClosed

    for _ in range(FAULTY):
        with ws_connect(sb) as ws:
            sb.set_faults({case.fault: 1.0})
            try:
                send(ws, case.route)
                with contextlib.suppress(TimeoutError, ConnectionClosed):
                    ws.recv(timeout=15)
            finally:
                sb.set_faults({})


def _closes(sb: Any, case: WsCase) -> None:
    from websockets.exceptions import ConnectionClosed

    sb.set_faults({case.fault: 1.0})
    try:
        for _ in range(FAULTY):
            with ws_connect(sb) as ws:
                send(ws, "sendmessage")
                try:
                    while True:
                        ws.recv(timeout=15)
                except ConnectionClosed:
                    pass
    finally:
        sb.set_faults({})


_FAULTY: dict[str, Callable[[Any, WsCase], None]] = {
    "connects": _connects,
    "messages": _messages,
    "closes": _closes,
}


def _diagnose(sb: Any, start: datetime, end: datetime, symptom: str = "auto") -> dict[str, Any]:
    args = ["--endpoint-url", sb.moto_endpoint, "--region", sb.region, "-o", "json", "diagnose", symptom]
    args += ["--api", sb.websocket.api_id, "--stage", "prod", "--start", start.isoformat()]
    args += ["--end", end.isoformat()]
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1), (result.output, result.stderr)
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.fault}-{c.route}")
def test_websocket_fault_is_named_first(sandbox: Any, case: WsCase) -> None:
    sb = sandbox
    sb.set_faults({})
    time.sleep(0.05)
    start = datetime.now(UTC) - timedelta(milliseconds=50)
    try:
        for _ in range(HEALTHY):
            _session(sb)
        if case.traffic == "connects":
            sb.set_faults({case.fault: 1.0})
        _FAULTY[case.traffic](sb, case)
    finally:
        sb.set_faults({})
    # $disconnect runs after the client saw the close: wait until the last one is in the log
    wait_for_log(sb, "lambda", "disconnectStatusCode")
    time.sleep(1.0)
    sb.flush()
    end = datetime.now(UTC) + timedelta(seconds=2)  # log times may run ahead by the simulated latency
    doc = _diagnose(sb, start, end)
    causes = [f for f in doc["findings"] if f["id"] != "logging-blind-spot"]
    assert causes, doc
    top = causes[0]
    assert top["id"] == case.finding, [(f["id"], f["share"], f["count"]) for f in doc["findings"]]
    assert top["symptom"] == case.symptom
    assert top["share"] == 1.0, doc["findings"]
    assert 1 <= top["count"] <= FAULTY
    if case.finding.startswith("lambda-"):
        assert case.route in top["title"], top
