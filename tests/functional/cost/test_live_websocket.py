"""`cost estimate --api chat-ws-api --stage prod` against the sandbox's WebSocket stage: real WebSocket sessions
(the `websockets` client), the stage's metrics and access log shipped into moto, then the estimate read back
through the CLI: messages from `MessageCount`, connection minutes from the access log's DISCONNECT lines
(`requestTimeEpoch - connectedAt`), both projected from one day to 30."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.functional.sandbox.ws_helpers import send, wait_for_log, ws_access, ws_connect

pytestmark = pytest.mark.e2e

SESSIONS, MESSAGES, HOLD_S = 3, 4, 1.5


@pytest.fixture
def sandbox(moto_endpoint: str) -> Iterator[Any]:
    from apigwops.sandbox import Sandbox

    sb = Sandbox.start(moto_endpoint=moto_endpoint, seed=5)
    try:
        yield sb
    finally:
        sb.stop()


def _component(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in doc["components"] if c["component"] == name)


def _message_count(sb: Any) -> int:
    from datetime import UTC, datetime, timedelta

    from tests.functional.sandbox.helpers import client

    now = datetime.now(UTC)
    points = client(sb, "cloudwatch").get_metric_statistics(
        Namespace="AWS/ApiGateway",
        MetricName="MessageCount",
        Dimensions=[{"Name": "ApiId", "Value": sb.websocket.api_id}, {"Name": "Stage", "Value": "prod"}],
        StartTime=now - timedelta(days=1),
        EndTime=now + timedelta(minutes=5),
        Period=86400,
        Statistics=["Sum"],
    )["Datapoints"]
    return int(sum(p["Sum"] for p in points))


def test_estimate_from_websocket_traffic(sandbox: Any) -> None:
    sb = sandbox
    for _ in range(SESSIONS):
        with ws_connect(sb) as ws:
            for _ in range(MESSAGES):
                send(ws, "sendmessage")
                ws.recv(timeout=10)
            time.sleep(HOLD_S)
    while len(ws_access(sb, "DISCONNECT")) < SESSIONS:  # $disconnect runs after the client saw the close
        assert wait_for_log(sb, "access", "DISCONNECT")
    sb.flush()
    lines = ws_access(sb, "DISCONNECT")
    expected = sum(int(line["requestTimeEpoch"]) - int(line["connectedAt"]) for line in lines) / 60000 * 30
    result = run_cli(
        "-o", "json", "cost", "estimate", "--api", "chat-ws-api", "--stage", "prod", "--days", "1",
        "--message-kb", "40", env=sb.env(),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    minutes = Decimal(str(_component(doc, "websocket-minutes")["quantity"]))
    assert minutes == pytest.approx(Decimal(str(round(expected, 3))), abs=Decimal("0.1"))
    assert minutes >= Decimal(str(SESSIONS * HOLD_S / 60 * 30))  # each session was held open HOLD_S
    messages = _component(doc, "websocket-messages")
    # MessageCount as CloudWatch holds it (from and to the client, §6.3), projected to 30 days; a 40 KB message
    # is metered as two 32 KB increments
    counted = _message_count(sb)
    assert counted >= SESSIONS * MESSAGES * 2  # at least each send and its answer
    assert messages["quantity"] == counted * 30 * 2
    assert any("DISCONNECT lines" in a for a in doc["assumptions"])
