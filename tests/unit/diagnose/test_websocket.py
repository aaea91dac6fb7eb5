"""Every WebSocket finding on evidence shaped as AWS logs it for a WebSocket stage, ranked first.

Each scenario is a healthy chat stage (connect, three messages, a normal close) plus one incident from minute
12. Values come from the signals reference: C10 (a refused $connect is 401 or 403), C70 (a failing $connect
integration answers the handshake with an error status, 502 observed), C73 (1009 for a message over 128 KB),
C74 (10-minute idle timeout, 2-hour maximum), C75 (410 GoneException from @connections), C76 (500 new
connections per second), §5 (the WebSocket variables: eventType, connectionId, connectedAt, routeKey `-` when
no route matched), §6.3 (the WebSocket metrics) and §9.4 (execution-log lines).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.loader import load_playbooks
from apigwops.diagnose.report import Report
from apigwops.errors import UsageError
from apigwops.model import Check, Evidence
from tests.builders.stage import START
from tests.builders.websocket import WsStage

PLAYBOOKS = load_playbooks()
INCIDENT = 40  # incident connections in every scenario
LAMBDA_ERROR = "Lambda Customer Function Error:KeyError: 'room'"


def _run(evidence: Evidence, symptom: str = "auto") -> Report:
    return diagnose(evidence, symptom=symptom, playbooks=PLAYBOOKS)


def _incident(ws: WsStage, **kwargs: object) -> list[str]:
    return [ws.session(12 + i * 0.4, **kwargs) for i in range(INCIDENT)]  # type: ignore[arg-type]


def s_connect_deny() -> WsStage:
    ws = WsStage().healthy()
    _incident(
        ws,
        connect={
            "status": 403,
            "error_message": "Forbidden",
            "error_type": "ACCESS_DENIED",
            "authorizer_status": 403,
            "integration_request_id": None,
        },
    )
    return ws


def s_connect_unauthorized() -> WsStage:
    ws = WsStage().healthy()
    _incident(
        ws,
        connect={
            "status": 401,
            "error_message": "Unauthorized",
            "error_type": "UNAUTHORIZED",
            "authorizer_status": 401,
            "authorizer_error": "Unauthorized",
            "integration_request_id": None,
        },
    )
    return ws


def s_connect_throttled() -> WsStage:
    ws = WsStage().healthy()
    _incident(
        ws,
        connect={"status": 429, "error_message": "Too Many Requests", "integration_request_id": None},
    )
    ws.stage.metric("AWS/ApiGateway", "ClientError", INCIDENT)
    return ws


def s_connect_error() -> WsStage:
    ws = WsStage().healthy()
    _incident(
        ws,
        connect={"status": 502, "error_message": "Internal server error", "integration_error": LAMBDA_ERROR},
    )
    ws.stage.metric("AWS/ApiGateway", "IntegrationError", INCIDENT)
    return ws


def s_no_route() -> WsStage:
    ws = WsStage().healthy()
    _incident(
        ws,
        route=None,
        message={
            "status": 403,
            "error_message": "Forbidden",
            "integration_latency": None,
            "integration_request_id": None,
        },
    )
    return ws


def s_lambda_error() -> WsStage:
    """The function fails for every route: connects and messages alike (the handler, not $connect)."""
    ws = WsStage().healthy()
    failing = {"status": 502, "error_message": "Internal server error", "integration_error": LAMBDA_ERROR}
    _incident(ws, connect=failing)
    _incident(ws, message={**failing, "status": 500})
    return ws


def s_lambda_timeout() -> WsStage:
    """The function hits its own 10 s timeout before the 29 s integration timeout (§15.4): a failed function."""
    ws = WsStage().healthy()
    _incident(
        ws,
        message={
            "status": 502,
            "error_message": "Internal server error",
            "integration_error": "Lambda Customer Function Error:2026-11-24T01:12:00.000Z c0ffee00 Task timed out "
            "after 10.00 seconds",
            "integration_latency": 10012.0,
        },
    )
    return ws


def s_integration_timeout() -> WsStage:
    """API Gateway gives up at 29 s (C55): 504-style answer, no integration status or request id (§15.5)."""
    ws = WsStage().healthy()
    _incident(
        ws,
        message={
            "status": 504,
            "error_message": "Endpoint request timed out",
            "integration_error": "Execution failed due to a timeout error",
            "integration_latency": 29000.0,
            "integration_request_id": None,
        },
    )
    return ws


def s_lambda_throttled() -> WsStage:
    ws = WsStage().healthy()
    _incident(
        ws,
        message={
            "status": 500,
            "error_message": "Internal server error",
            "integration_error": "Execution failed due to configuration error: Rate Exceeded.",
            "integration_service_status": 429,
        },
    )
    ws.stage.metric("AWS/Lambda", "Throttles", INCIDENT * 3)
    return ws


def s_permission_missing() -> WsStage:
    ws = WsStage().healthy()
    _incident(
        ws,
        message={
            "status": 500,
            "error_message": "Internal server error",
            "integration_error": "Execution failed due to configuration error: Invalid permissions on Lambda function",
            "integration_request_id": None,
        },
    )
    return ws


def s_message_too_large() -> WsStage:
    ws = WsStage().healthy()
    _incident(ws, messages=1, close_code=1009, idle_s=0.1)
    return ws


def s_idle_timeout() -> WsStage:
    """No client traffic for 600 s, then API Gateway closes; the $disconnect function logs no close code."""
    ws = WsStage(minutes=60).healthy()
    _incident(ws, messages=1, close_code=None, idle_s=600.4)
    return ws


def s_duration_limit() -> WsStage:
    """Connected two hours before (outside the window, `connectedAt` says when); closed at the limit."""
    ws = WsStage().healthy()
    _incident(ws, messages=2, close_code=None, idle_s=30, connected_before_s=7200 - 33)
    return ws


def s_gone_connection() -> WsStage:
    ws = WsStage().healthy()
    for i in range(INCIDENT):
        at = START + timedelta(minutes=12 + i * 0.4)
        ws.lambda_log(
            at,
            f"{i:08d}-9999-4999-8999-{i:012d}",
            "[ERROR] GoneException: An error occurred (GoneException) when calling the PostToConnection "
            "operation: ",
            kind="error",
        )
    return ws


SCENARIOS: dict[str, tuple[Callable[[], WsStage], str]] = {
    "connect-deny": (s_connect_deny, "ws-connect-authorizer-deny"),
    "connect-unauthorized": (s_connect_unauthorized, "ws-connect-authorizer-deny"),
    "connect-throttled": (s_connect_throttled, "ws-connect-throttled"),
    "connect-error": (s_connect_error, "ws-connect-integration-error"),
    "no-route": (s_no_route, "ws-route-not-found"),
    "lambda-error": (s_lambda_error, "lambda-function-error"),
    "lambda-timeout": (s_lambda_timeout, "lambda-timeout"),
    "integration-timeout": (s_integration_timeout, "integration-timeout"),
    "lambda-throttled": (s_lambda_throttled, "lambda-throttled"),
    "permission-missing": (s_permission_missing, "lambda-permission-missing"),
    "message-too-large": (s_message_too_large, "ws-message-too-large"),
    "idle-timeout": (s_idle_timeout, "ws-idle-timeout"),
    "duration-limit": (s_duration_limit, "ws-connection-duration-limit"),
    "gone-connection": (s_gone_connection, "ws-gone-connection"),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_websocket_cause_ranks_first(name: str) -> None:
    build, expected = SCENARIOS[name]
    report = _run(build().build())
    assert report.findings, f"{name}: no finding"
    top = report.findings[0]
    assert top.id == expected, [(f.id, f.share, f.count) for f in report.findings]
    assert top.count >= INCIDENT
    assert not top.context
    assert any(cli.startswith("aws ") for cli in top.remediation[1:]), "remediation with an AWS CLI command"
    assert any(f"{top.count:,}" in item.detail for item in top.evidence), top.evidence


def test_a_healthy_websocket_stage_has_no_cause() -> None:
    report = _run(WsStage().healthy().build())
    assert [f for f in report.findings if not f.context] == []


def test_normal_closes_are_not_unexpected_disconnects() -> None:
    """Clients that close with 1000 after a second of quiet are fine; only the 1009 ones are a symptom."""
    ws = WsStage().healthy()
    _incident(ws, messages=1, close_code=1009, idle_s=0.1)
    report = _run(ws.build(), symptom="disconnect")
    assert [f.id for f in report.findings if not f.context] == ["ws-message-too-large"]
    assert report.findings[0].count == INCIDENT
    assert report.findings[0].share == 1.0


def test_lambda_causes_are_attributed_to_the_route_that_failed() -> None:
    ws = WsStage().healthy()
    failing = {"status": 500, "error_message": "Internal server error", "integration_error": LAMBDA_ERROR}
    _incident(ws, route="broadcast", message=failing)
    top = _run(ws.build()).findings[0]
    assert top.id == "lambda-function-error"
    assert "broadcast" in top.title
    assert any("on broadcast" in item.detail for item in top.evidence)


def test_connect_only_failures_are_the_connect_integration_not_the_function() -> None:
    """The same Lambda error text: on $connect only it is ws-connect-integration-error; on every route, the
    function (lambda-function-error) explains more and ranks first."""
    connect_only = [f.id for f in _run(s_connect_error().build()).findings if not f.context]
    assert connect_only[0] == "ws-connect-integration-error"
    assert "lambda-function-error" not in connect_only
    everywhere = [f.id for f in _run(s_lambda_error().build()).findings if not f.context]
    assert everywhere[:2] == ["lambda-function-error", "ws-connect-integration-error"]


def test_rest_status_playbooks_do_not_judge_websocket_events() -> None:
    """A 403 at $connect is the authorizer; REST's 403 causes (missing token, WAF, resource policy) never
    claim WebSocket events."""
    ids = {f.id for f in _run(s_connect_deny().build()).findings}
    assert ids & {"missing-authentication-token", "waf-block", "resource-policy-deny"} == set()
    assert "ws-connect-authorizer-deny" in ids


def test_symptom_narrows_to_one_websocket_family() -> None:
    ws = s_no_route()
    _incident(ws, messages=1, close_code=1009, idle_s=0.1)
    evidence = ws.build()
    assert [f.id for f in _run(evidence, "message").findings if not f.context] == ["ws-route-not-found"]
    assert [f.id for f in _run(evidence, "disconnect").findings if not f.context] == ["ws-message-too-large"]
    assert [f.id for f in _run(evidence, "connect").findings if not f.context] == []


def test_idle_timeout_is_measured_from_the_connections_last_message() -> None:
    """599 s of quiet is under the limit less the margin only when it is far under: 300 s is a normal close."""
    ws = WsStage(minutes=60).healthy()
    _incident(ws, messages=1, close_code=None, idle_s=300)
    report = _run(ws.build())
    assert "ws-idle-timeout" not in {f.id for f in report.findings}


def test_route_not_found_needs_the_route_key_in_the_format() -> None:
    """Without $context.routeKey the engine cannot tell a missing route: it says so instead of guessing."""
    ws = s_no_route()
    ws.stage.missing.add("route_key")
    report = _run(ws.build())
    assert "ws-route-not-found" not in {f.id for f in report.findings}
    assert any("route_key" in spot or "routeKey" in spot for spot in report.blind_spots), report.blind_spots


def test_unknown_symptom_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        _run(WsStage().healthy().build(), symptom="handshake")


def test_blind_spots_name_the_websocket_variables_the_format_lacks() -> None:
    """Without eventType and connectedAt the stage cannot show its WebSocket causes: said per variable, with the
    WebSocket format (never REST's responseLatency, which a WebSocket stage cannot log)."""
    ws = s_duration_limit()
    ws.stage.missing |= {"event_type", "connected_at"}
    report = _run(ws.build())
    spots = "\n".join(report.blind_spots)
    assert "$context.eventType" in spots
    assert "$context.connectedAt: could not check ws-connection-duration-limit" in spots
    assert "responseLatency" not in spots
    assert '"connectionId":"$context.connectionId"' in spots
    assert "ws-connection-duration-limit" not in {f.id for f in report.findings}


def test_unknown_close_codes_are_a_blind_spot() -> None:
    ws = WsStage().healthy(close_code=None)
    spots = _run(ws.build()).blind_spots
    assert any("disconnectStatusCode" in spot and "ws-message-too-large" in spot for spot in spots), spots


def test_metrics_only_websocket_stage_says_what_it_cannot_tell() -> None:
    """No access log: the WebSocket metrics (§6.3) give the failures, no cause is guessed from them, and the
    blind spot recommends the WebSocket format (eventType, connectionId, connectedAt)."""
    ws = WsStage()
    ws.stage.checks = [Check("access-logs", "skipped", "no access log group"), Check("execution-logs", "ok")]
    ws.stage.with_stage(access_log_destination=None)
    for metric, value in (
        ("MessageCount", 400),
        ("ConnectCount", 50),
        ("ClientError", 30),
        ("ExecutionError", 12),
    ):
        ws.stage.metric("AWS/ApiGateway", metric, value)
    report = _run(ws.build())
    assert report.triage.source == "metrics"
    assert [f.id for f in report.findings if not f.context] == []
    spots = "\n".join(report.blind_spots)
    assert "access logging is off" in spots
    assert '"eventType":"$context.eventType"' in spots
    assert '"connectedAt":"$context.connectedAt"' in spots
