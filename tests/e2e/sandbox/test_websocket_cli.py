"""The WebSocket stage of a background sandbox (`apigwops sandbox up`), through the installed console script:
a real client connects to the `ws://` URL with a token in the header and in the query string, messages are
routed and answered, a fault set with `sandbox fault` shows as AWS answers it, and the logs and metrics are read
back from the sandbox's moto with plain boto3, as a user would."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from tests.conftest import run_cli
from tests.e2e.sandbox.procs import alive as _alive


def _boto(doc: dict[str, Any], service: str) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=doc["moto_endpoint"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_websocket_stage_of_a_background_sandbox(tmp_path: Path) -> None:
    from websockets.sync.client import connect

    env = {"APIGWOPS_HOME": str(tmp_path)}
    up = run_cli("-o", "json", "sandbox", "up", "--show-secrets", env=env)
    pid = 0
    try:
        assert up.exit_code == 0, up.stderr
        doc = json.loads(up.stdout)
        pid = doc["pid"]
        ws = next(s for s in doc["stages"] if s["api_type"] == "WEBSOCKET")
        token = doc["tokens"]["valid"]
        with connect(ws["url"], additional_headers={"Authorization": token}, open_timeout=10) as conn:
            conn.send('{"action":"sendmessage","data":"by header"}')
            first = json.loads(conn.recv(timeout=10))
        assert first["echo"] == "by header"
        with connect(ws["url"] + "?token=" + token, open_timeout=10) as conn:
            conn.send('{"action":"sendmessage","data":"by query"}')
            assert json.loads(conn.recv(timeout=10))["echo"] == "by query"
            changed = run_cli("sandbox", "fault", "ws-no-route=1", env=env)
            assert changed.exit_code == 0, changed.stderr
            conn.send('{"action":"sendmessage","data":"lost"}')
            refused = conn.recv(timeout=10)
        assert refused.startswith('{"message": "Forbidden", "connectionId":"')
        routes = _boto(doc, "apigatewayv2").get_routes(ApiId=ws["api_id"])["Items"]
        assert "$default" not in {r["RouteKey"] for r in routes}

        logs = _boto(doc, "logs")
        group = "/aws/apigateway/chat-ws-api/prod"
        deadline = time.monotonic() + 20  # shipped about every second
        records: list[dict[str, str]] = []
        while time.monotonic() < deadline:
            events = logs.filter_log_events(logGroupName=group, filterPattern=f'"{first["connectionId"]}"')[
                "events"
            ]
            records = [json.loads(e["message"]) for e in events]
            if any(r["eventType"] == "DISCONNECT" for r in records):
                break
            time.sleep(0.5)
        assert {r["eventType"] for r in records} == {"CONNECT", "MESSAGE", "DISCONNECT"}
        assert logs.describe_log_groups(logGroupNamePrefix=f"API-Gateway-Execution-Logs_{ws['api_id']}")[
            "logGroups"
        ]
    finally:
        down = run_cli("sandbox", "down", env=env)
        if pid and _alive(pid):
            os.killpg(pid, signal.SIGKILL)
    assert down.exit_code == 0
