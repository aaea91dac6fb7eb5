"""The WebSocket stage: provisioning in moto, a real client over ws://, and every WebSocket fault on the wire and
in the logs and metrics read back from moto with plain boto3 (AWS's behaviour per docs/websocket.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.functional.sandbox.helpers import client, metric_sum
from tests.functional.sandbox.ws_helpers import (
    handshake_status,
    send,
    wait_for_log,
    ws_access,
    ws_connect,
    ws_dims,
    ws_log,
)

from apigwops.sandbox.websocket import facts

pytestmark = pytest.mark.xdist_group("sandbox-websocket")

FORBIDDEN = '{{"message": "Forbidden", "connectionId":"{cid}", "requestId":"{rid}"}}'


def _route_keys(sb: Any) -> set[str]:
    return {r["RouteKey"] for r in client(sb, "apigatewayv2").get_routes(ApiId=sb.websocket.api_id)["Items"]}


def test_permission_missing_shows_in_the_websocket_functions_policy(sb: Any) -> None:
    lam = client(sb, "lambda")
    assert sb.websocket.api_id in lam.get_policy(FunctionName="chat-ws-handler")["Policy"]
    sb.set_faults({"permission-missing": 1.0})
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="chat-ws-handler")
    sb.set_faults({})
    assert sb.websocket.api_id in lam.get_policy(FunctionName="chat-ws-handler")["Policy"]


def _connection_id(ws: Any) -> str:
    send(ws, "sendmessage", "who am I")
    return str(json.loads(ws.recv(timeout=10))["connectionId"])


def test_provisioned_as_a_websocket_api(sb: Any) -> None:
    v2 = client(sb, "apigatewayv2")
    api = v2.get_api(ApiId=sb.websocket.api_id)
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == "$request.body.action"
    assert api["Tags"]["apigwops:sandbox-url"] == sb.websocket.url
    routes = {r["RouteKey"]: r for r in v2.get_routes(ApiId=sb.websocket.api_id)["Items"]}
    assert set(routes) == {"$connect", "$disconnect", "$default", "sendmessage", "broadcast"}
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    assert routes["sendmessage"]["RouteResponseSelectionExpression"] == "$default"
    authorizer = v2.get_authorizer(ApiId=sb.websocket.api_id, AuthorizerId=routes["$connect"]["AuthorizerId"])
    assert authorizer["AuthorizerType"] == "REQUEST"
    stage = v2.get_stage(ApiId=sb.websocket.api_id, StageName="prod")
    assert stage["DefaultRouteSettings"]["LoggingLevel"] == "INFO"
    fmt = stage["AccessLogSettings"]["Format"]
    for var in (
        "eventType",
        "connectionId",
        "routeKey",
        "messageId",
        "status",
        "error.message",
        "integration.error",  # "Equivalent to $context.integrationErrorMessage"
        "integration.latency",
        "requestId",
        "extendedRequestId",
        "requestTime",
    ):
        assert f"$context.{var}" in fmt
    assert fmt == facts.ACCESS_LOG_FORMAT
    assert json.loads(fmt.replace("$context.", ""))["requestTime"] == "requestTime"  # valid JSON, one line
    assert len(fmt.encode()) <= 3 * 1024  # the access-log template quota


@pytest.mark.parametrize("in_query", [False, True], ids=["header", "query-string"])
def test_messages_are_routed_and_answered(sb: Any, in_query: bool) -> None:
    with ws_connect(sb, in_query=in_query) as ws:
        send(ws, "sendmessage", "hi there")
        reply = json.loads(ws.recv(timeout=10))
        assert reply["route"] == "sendmessage"
        assert reply["echo"] == "hi there"
        cid = reply["connectionId"]
        send(ws, "broadcast", "to everyone")  # one-way: the function posts through @connections
        assert json.loads(ws.recv(timeout=10)) == {"action": "broadcast", "data": "to everyone"}
        ws.send("plain text goes to $default")
        assert json.loads(ws.recv(timeout=10))["route"] == "$default"
    assert wait_for_log(sb, "lambda", f"disconnect {cid}")
    sb.flush()
    records = ws_access(sb, cid)
    by_type = {(r["eventType"], r["routeKey"]) for r in records}
    assert by_type >= {
        ("CONNECT", "$connect"),
        ("MESSAGE", "sendmessage"),
        ("MESSAGE", "broadcast"),
        ("MESSAGE", "$default"),
        ("DISCONNECT", "$disconnect"),
    }
    message = next(r for r in records if r["routeKey"] == "sendmessage")
    assert message["status"] == "200"
    assert message["messageId"] != "-"
    assert message["requestId"] == message["extendedRequestId"]
    assert int(message["integrationLatency"]) > 0
    assert metric_sum(sb, "AWS/ApiGateway", "ConnectCount", ws_dims(sb)) >= 1
    assert metric_sum(sb, "AWS/ApiGateway", "MessageCount", ws_dims(sb, "sendmessage")) >= 2  # in and out
    assert ws_log(sb, "lambda", f"route sendmessage answered {cid}")


def test_connect_without_a_token_is_401(sb: Any) -> None:
    before = metric_sum(sb, "AWS/ApiGateway", "ClientError", ws_dims(sb, "$connect"))
    status, _ = handshake_status(sb, token=None)
    assert status == 401
    status, _ = handshake_status(sb, token="expired")
    assert status == 401
    sb.flush()
    assert metric_sum(sb, "AWS/ApiGateway", "ClientError", ws_dims(sb, "$connect")) >= before + 2
    denied = [r for r in ws_access(sb, "CONNECT") if r["status"] == "401"]
    assert denied
    assert denied[0]["authorizerStatus"] == "401"
    assert ws_log(sb, "execution", "Unauthorized request: " + denied[0]["requestId"])


def test_ws_connect_deny(sb: Any) -> None:
    sb.set_faults({"ws-connect-deny": 1.0})
    status, body = handshake_status(sb)
    assert status == 403
    assert json.loads(body) == {"message": "Forbidden"}
    sb.flush()
    record = [r for r in ws_access(sb, "CONNECT") if r["status"] == "403"][-1]
    assert record["authorizerStatus"] == "403"
    assert record["errorMessage"] == "Forbidden"
    lines = ws_log(sb, "execution", record["requestId"])
    assert any('"Effect":"Deny"' in line for line in lines)


def test_ws_connect_error(sb: Any) -> None:
    sb.set_faults({"ws-connect-error": 1.0})
    before = metric_sum(sb, "AWS/ApiGateway", "IntegrationError", ws_dims(sb, "$connect"))
    status, body = handshake_status(sb)
    assert status == 502
    assert json.loads(body) == {"message": "Internal server error"}
    sb.flush()
    record = [r for r in ws_access(sb, "CONNECT") if r["status"] == "502"][-1]
    assert record["integrationError"].startswith("Lambda Customer Function Error:")
    lambda_rid = record["integrationRequestId"]
    assert any(line.startswith("[ERROR] RuntimeError") for line in ws_log(sb, "lambda", "RuntimeError"))
    assert ws_log(sb, "execution", f"Lambda request id: {lambda_rid}")
    assert metric_sum(sb, "AWS/ApiGateway", "IntegrationError", ws_dims(sb, "$connect")) == before + 1


def test_ws_no_route(sb: Any) -> None:
    with ws_connect(sb) as ws:
        cid = _connection_id(ws)
        sb.set_faults({"ws-no-route": 1.0})
        assert "$default" not in _route_keys(sb)  # the configuration says why: no catch-all route
        send(ws, "sendmessage")
        answer = ws.recv(timeout=10)
        rid = json.loads(answer)["requestId"]
        assert answer == FORBIDDEN.format(cid=cid, rid=rid)
        sb.set_faults({})
        assert "$default" in _route_keys(sb)
        send(ws, "sendmessage", "still open")  # the connection stays open
        assert json.loads(ws.recv(timeout=10))["echo"] == "still open"
    sb.flush()
    record = next(r for r in ws_access(sb, rid) if r["requestId"] == rid)
    assert record["status"] == "403"
    assert record["routeKey"] == "-"
    assert metric_sum(sb, "AWS/ApiGateway", "ClientError", ws_dims(sb)) >= 1


@pytest.mark.parametrize(
    ("fault", "message", "exec_phrase", "metric"),
    [
        ("lambda-error", "Internal server error", "due to customer function error", "IntegrationError"),
        (
            "lambda-timeout",
            "Endpoint request timed out",
            "Execution failed due to a timeout error",
            "ExecutionError",
        ),
        (
            "lambda-throttled",
            "Internal server error",
            "Lambda invocation failed with status: 429",
            "ExecutionError",
        ),
        (
            "permission-missing",
            "Internal server error",
            "Invalid permissions on Lambda function",
            "ExecutionError",
        ),
    ],
)
def test_lambda_faults_on_a_message_route(
    sb: Any, fault: str, message: str, exec_phrase: str, metric: str
) -> None:
    with ws_connect(sb) as ws:
        cid = _connection_id(ws)
        before = metric_sum(sb, "AWS/ApiGateway", metric, ws_dims(sb, "sendmessage"))
        sb.set_faults({fault: 1.0})
        send(ws, "sendmessage")
        answer = json.loads(ws.recv(timeout=10))
        sb.set_faults({})
    assert answer["message"] == message
    assert answer["connectionId"] == cid
    sb.flush()
    record = next(r for r in ws_access(sb, answer["requestId"]) if r["requestId"] == answer["requestId"])
    assert record["errorMessage"] == message
    assert record["integrationError"] != "-"
    assert ws_log(sb, "execution", exec_phrase)
    assert metric_sum(sb, "AWS/ApiGateway", metric, ws_dims(sb, "sendmessage")) == before + 1


def test_cold_starts_on_websocket_routes(sb: Any) -> None:
    sb.set_faults({"cold-starts": 1.0})
    with ws_connect(sb) as ws:
        _connection_id(ws)
    sb.flush()
    assert any("Init Duration" in line for line in ws_log(sb, "lambda", "REPORT"))


def _closed_with(ws: Any) -> int | None:
    from websockets.exceptions import ConnectionClosed

    try:
        while True:
            ws.recv(timeout=15)
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd is not None else None


def test_ws_message_too_large_fault_and_real_limits(sb: Any) -> None:
    with ws_connect(sb) as ws:
        sb.set_faults({"ws-message-too-large": 1.0})
        send(ws, "sendmessage", "small, but the fault says otherwise")
        assert _closed_with(ws) == 1009
    sb.set_faults({})
    with ws_connect(sb) as ws:
        send(ws, "sendmessage", "x" * (130 * 1024))  # over the 128 KB message limit
        assert _closed_with(ws) == 1009
    with ws_connect(sb) as ws:
        ws.send(["y" * (20 * 1024), "z" * (20 * 1024)])  # 40 KB in two 20 KB frames: allowed
        assert json.loads(ws.recv(timeout=10))["route"] == "$default"
        ws.send("w" * (40 * 1024))  # one 40 KB frame: over the 32 KB frame limit
        assert _closed_with(ws) == 1009
    assert wait_for_log(sb, "lambda", "disconnectStatusCode=1009")
    assert ws_log(sb, "execution", "Connection closed with status code 1009")


def test_connections_api_and_ws_stale_connection(sb: Any) -> None:
    import boto3

    mgmt = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=sb.websocket_management_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with ws_connect(sb) as ws:
        cid = _connection_id(ws)
        info = mgmt.get_connection(ConnectionId=cid)
        assert info["Identity"]["SourceIp"] == "127.0.0.1"
        assert info["ConnectedAt"]
        mgmt.post_to_connection(ConnectionId=cid, Data=b'{"pushed":true}')
        assert json.loads(ws.recv(timeout=10)) == {"pushed": True}
        mgmt.delete_connection(ConnectionId=cid)
        assert _closed_with(ws) == 1000
    for call in (
        lambda: mgmt.post_to_connection(ConnectionId=cid, Data=b"late"),
        lambda: mgmt.get_connection(ConnectionId=cid),
    ):
        with pytest.raises(mgmt.exceptions.GoneException) as gone:
            call()
        assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    sb.set_faults({"ws-stale-connection": 1.0})
    with ws_connect(sb) as ws:
        send(ws, "sendmessage")
        ws.recv(timeout=10)
    sb.flush()
    lines = ws_log(sb, "lambda", "GoneException")
    assert any(f"PostToConnection {cid} failed" in line or "PostToConnection" in line for line in lines)


def test_ws_idle_disconnects(sb: Any) -> None:
    sb.set_faults({"ws-idle-disconnects": 1.0})
    with ws_connect(sb) as ws:
        send(ws, "sendmessage")
        ws.recv(timeout=10)
        assert _closed_with(ws) == 1001
    sb.set_faults({})
    with ws_connect(sb) as ws:  # a real idle connection: closed after 10 virtual minutes
        assert _closed_with(ws) == 1001
    assert wait_for_log(sb, "lambda", "disconnectStatusCode=1001")
