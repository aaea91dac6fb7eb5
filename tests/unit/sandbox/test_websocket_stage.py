"""The WebSocket stage's decisions without a server: routing by `$request.body.action`, the connection rate, the
authorizer's 401/403, and what each event records (access-log line as valid JSON, execution lines, metrics)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from apigwops.sandbox.backend import LambdaBackend
from apigwops.sandbox.constants import Function
from apigwops.sandbox.faults import FaultSet
from apigwops.sandbox.telemetry import render_access_log
from apigwops.sandbox.tokens import TokenAuthority
from apigwops.sandbox.websocket import facts
from apigwops.sandbox.websocket.events import WsEvent
from apigwops.sandbox.websocket.integration import WsIntegration
from apigwops.sandbox.websocket.records import WsDestinations, WsRecorder
from apigwops.sandbox.websocket.stage import WsStage, _select_route

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test"


@pytest.fixture(scope="module")
def authority() -> TokenAuthority:
    return TokenAuthority(ISSUER, "client-1")


def make_stage(authority: TokenAuthority, faults: dict[str, float] | None = None, rate: float = 500) -> Any:
    events: list[WsEvent] = []
    fault_set = FaultSet(faults or {}, seed=1)
    # the handler's own Timeout (60 s) is above the integration timeout, as the sandbox provisions it
    handler = Function(facts.FUNCTION_NAME, facts.FUNCTION_TIMEOUT_S, ())
    backend = LambdaBackend(rng=random.Random(1), time_scale=0.0001, function=handler)
    stage = WsStage(
        api_id="abc123",
        authorizer_id="auth1",
        integration=WsIntegration(
            "arn:aws:lambda:us-east-1:123456789012:function:f", backend, fault_set, random.Random(2)
        ),
        authorizer_backend=LambdaBackend(rng=random.Random(3), time_scale=0.0001),
        tokens=authority,
        faults=fault_set,
        time_scale=0.0001,
        rng=random.Random(4),
        on_event=events.append,
        connection_rate=rate,
    )
    return stage, events


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ('{"action":"sendmessage","data":1}', "sendmessage"),
        ('{"action":"broadcast"}', "broadcast"),
        ('{"action":"nosuchroute"}', "$default"),
        ('{"data":"no action"}', "$default"),
        ("[1, 2]", "$default"),
        ("not json at all", "$default"),
    ],
)
def test_route_selection(text: str, route: str) -> None:
    assert _select_route(text) == route


def test_header_or_query_token_and_refusals(authority: TokenAuthority) -> None:
    stage, events = make_stage(authority)
    token = authority.mint()
    assert stage.connect("/prod", "", {"authorization": token}, "127.0.0.1").status == 101
    assert stage.connect("/prod", f"token={token}", {}, "127.0.0.1").status == 101
    assert stage.connect("/prod", "", {}, "127.0.0.1").status == 401
    assert (
        stage.connect("/prod", "", {"authorization": authority.mint(expired=True)}, "127.0.0.1").status == 401
    )
    assert stage.connect("/other", "", {"authorization": token}, "127.0.0.1").status == 403
    assert [e.status for e in events] == [200, 200, 401, 401]  # the wrong stage path is not the stage's
    assert [e.connect_count for e in events] == [
        True,
        True,
        False,
        False,
    ]  # ConnectCount: reached $connect's integration
    assert [e.client_error for e in events] == [False, False, True, True]
    # the authorizer function ran and raised "Unauthorized" (AWS's way to a 401): an error in its own log
    refused = events[2].authorizer_invocation
    assert refused is not None
    assert refused.function_error
    assert any(text.startswith("[ERROR] Exception: Unauthorized") for _, text in refused.lines)
    assert events[0].authorizer_invocation is not None
    assert not events[0].authorizer_invocation.function_error


def test_connect_deny_is_403_and_connection_rate_is_429(authority: TokenAuthority) -> None:
    stage, events = make_stage(authority, {"ws-connect-deny": 1.0})
    answer = stage.connect("/prod", "", {"authorization": authority.mint()}, "127.0.0.1")
    assert (answer.status, json.loads(answer.body)) == (403, {"message": "Forbidden"})
    assert events[-1].context["authorizer.status"] == "403"
    limited, events = make_stage(authority, rate=2)
    token = authority.mint()  # minted once: signing takes long enough to refill the bucket
    statuses = [limited.connect("/prod", "", {"authorization": token}, "127.0.0.1").status for _ in range(4)]
    assert statuses == [101, 101, 429, 429]
    assert events[-1].context["error.message"] == "Too Many Requests"


def test_access_log_line_is_json_with_the_websocket_fields(authority: TokenAuthority) -> None:
    stage, events = make_stage(authority)
    answer = stage.connect(
        "/prod", "", {"authorization": authority.mint(), "user-agent": 'say "hi"'}, "10.0.0.1"
    )
    conn = stage.opened(answer.connection_id, lambda _: None, lambda *_: None)
    replies = stage.message(conn, '{"action":"sendmessage","data":"x"}')
    assert json.loads(replies[0])["echo"] == "x"
    record = json.loads(
        render_access_log(facts.ACCESS_LOG_FORMAT, events[-1].context | {"identity.userAgent": "ua"})
    )
    assert record["eventType"] == "MESSAGE"
    assert record["routeKey"] == "sendmessage"
    assert record["connectionId"] == answer.connection_id
    assert record["messageId"] not in ("", "-")
    assert record["requestId"] == record["extendedRequestId"]
    assert record["ip"] == "10.0.0.1"
    assert len(facts.ACCESS_LOG_FORMAT.encode()) <= 3 * 1024
    # the WEBSOCKET profile's recommended format is the base: its every key is in the stage's line
    from apigwops.apitypes import profile

    assert {key for key, _ in profile("WEBSOCKET").recommended_format} <= set(record)


def test_recorded_metric_names_are_the_profiles(authority: TokenAuthority) -> None:
    from apigwops.apitypes import profile

    sink = _Sink()
    stage, _ = make_stage(authority, {"lambda-error": 1.0})
    stage.on_event = WsRecorder(
        WsDestinations("abc123", facts.log_group_names("abc123"), 0.0001, "s" * 32), sink
    )
    answer = stage.connect("/prod", "", {"authorization": authority.mint()}, "127.0.0.1")
    assert answer.status == 502
    names = {name for name, dims, _ in sink.metrics if ("ApiId", "abc123") in dims}
    assert names == {name for name, _ in profile("WEBSOCKET").metrics} - {"MessageCount"}


class _Sink:
    def __init__(self) -> None:
        self.logs: list[tuple[str, str]] = []
        self.metrics: list[tuple[str, tuple[tuple[str, str], ...], float]] = []

    def log(self, group: str, stream: str, timestamp_ms: int, message: str) -> None:
        self.logs.append((group, message))

    def metric(
        self, namespace: str, name: str, dimensions: Any, value: float, unit: str, timestamp_s: float
    ) -> None:
        self.metrics.append((name, dimensions, value))


def test_no_route_answer_and_metrics(authority: TokenAuthority) -> None:
    sink = _Sink()
    groups = facts.log_group_names("abc123")
    stage, _ = make_stage(authority, {"ws-no-route": 1.0})
    stage.on_event = WsRecorder(WsDestinations("abc123", groups, 0.0001, "s" * 32), sink)
    answer = stage.connect("/prod", "", {"authorization": authority.mint()}, "127.0.0.1")
    conn = stage.opened(answer.connection_id, lambda _: None, lambda *_: None)
    reply = stage.message(conn, '{"action":"sendmessage"}')[0]
    rid = json.loads(reply)["requestId"]
    assert (
        reply == f'{{"message": "Forbidden", "connectionId":"{answer.connection_id}", "requestId":"{rid}"}}'
    )
    client_errors = [(dims, v) for name, dims, v in sink.metrics if name == "ClientError" and v]
    assert len(client_errors) == 2  # on ApiId and ApiId,Stage; no Route dimension: no route was selected
    assert all("Route" not in dict(dims) for dims, _ in client_errors)
    assert sum(v for name, _, v in sink.metrics if name == "MessageCount") == 2 * 2  # in + out, on both sets
    assert any(group == groups["execution"] and "Starting authorizer" in m for group, m in sink.logs)


def test_integration_timeout_leaves_the_response_values_empty(authority: TokenAuthority) -> None:
    """§15.5: on an integration timeout API Gateway never got the function's answer, so the access-log values
    taken from that answer (the Lambda request id, the integration statuses) render `-`; the error is written."""
    stage, events = make_stage(authority)
    answer = stage.connect("/prod", "", {"authorization": authority.mint()}, "127.0.0.1")
    conn = stage.opened(answer.connection_id, lambda _: None, lambda *_: None)
    stage.faults.replace({"lambda-timeout": 1.0})  # after the connect: the message times out
    reply = json.loads(stage.message(conn, '{"action":"sendmessage","data":"x"}')[0])
    assert reply["message"] == "Endpoint request timed out"
    timed_out = events[-1]
    assert timed_out.invocation is not None  # the function did run (its log has the invocation) ...
    record = json.loads(render_access_log(facts.ACCESS_LOG_FORMAT, timed_out.context | {"status": "504"}))
    # ... but nothing from its response reaches the access log
    assert (
        record["integrationRequestId"],
        record["integrationStatus"],
        record["integrationServiceStatus"],
    ) == (
        "-",
        "-",
        "-",
    )
    assert record["integrationError"] == "Execution failed due to a timeout error"
    assert record["integrationLatency"] == str(facts.INTEGRATION_TIMEOUT_MS)


def test_connect_throttled_fault_answers_as_the_connection_rate_does(authority: TokenAuthority) -> None:
    """`ws-connect-throttled` refuses the handshake exactly as the real new-connection limiter (C76): same status,
    body and access-log values, no authorizer call, no ConnectCount."""
    faulty, events = make_stage(authority, {"ws-connect-throttled": 1.0})
    answer = faulty.connect("/prod", "", {"authorization": authority.mint()}, "127.0.0.1")
    limited, limited_events = make_stage(authority, rate=0)
    over = limited.connect("/prod", "", {"authorization": authority.mint()}, "127.0.0.1")
    assert (
        (answer.status, answer.body)
        == (over.status, over.body)
        == (429, json.dumps({"message": "Too Many Requests"}))
    )
    ours, theirs = events[-1], limited_events[-1]
    assert (ours.status, ours.connect_count, ours.authorizer_invocation) == (429, False, None)
    assert {k: v for k, v in ours.context.items() if k.startswith("error.")} == {
        k: v for k, v in theirs.context.items() if k.startswith("error.")
    }


def test_duration_limit_fault_opens_the_connection_two_hours_back(authority: TokenAuthority) -> None:
    """`ws-connection-duration-limit`: the CONNECT is written 2 hours back (C74) and every later event carries
    that `connectedAt`, so the DISCONNECT is at least 2 hours after it, as AWS logs a connection at its maximum."""
    stage, events = make_stage(authority, {"ws-connection-duration-limit": 1.0})
    answer = stage.connect("/prod", "", {"authorization": authority.mint()}, "127.0.0.1")
    conn = stage.opened(answer.connection_id, lambda _: None, lambda *_: None)
    assert conn.duration_fault
    stage.message(conn, '{"action":"sendmessage","data":"x"}')
    stage.closed(conn, facts.CLOSE_GOING_AWAY, "Going away")
    connect, message, disconnect = events[-3:]
    assert [e.event_type for e in (connect, message, disconnect)] == ["CONNECT", "MESSAGE", "DISCONNECT"]
    connected_at = int(connect.context["connectedAt"])
    assert connected_at == int(connect.context["requestTimeEpoch"]) == int(connect.start_s * 1000)
    assert {message.context["connectedAt"], disconnect.context["connectedAt"]} == {str(connected_at)}
    assert disconnect.start_s * 1000 - connected_at >= facts.MAX_CONNECTION_S * 1000
