"""The Lambda proxy integration of a WebSocket route, with the Lambda faults the REST and HTTP stages use.

The same `LambdaBackend` (execution environments, cold starts, Lambda log lines) and `FaultSet` as the other
stages; what differs is how API Gateway reports the outcome on a WebSocket: execution-log lines as §9.3/§9.4
write them for REST (WebSocket execution logs come from the same engine; the exact WebSocket texts are not
published, so their use here is inferred), `$context.integrationErrorMessage` as REST's `integration.error`
[INF], and the metric each failure counts (§6.3: IntegrationError for an integration that answered 4XX/5XX or
failed as a function, ExecutionError for a failure calling it: timeout, throttling, permissions) [INF].
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from apigwops.sandbox import constants as c
from apigwops.sandbox.backend import LambdaBackend, Outcome
from apigwops.sandbox.faults import FaultSet
from apigwops.sandbox.integration import LAMBDA_OVERHEAD_MS
from apigwops.sandbox.websocket import facts as f
from apigwops.sandbox.websocket.events import WsEvent

CONFIG_ERROR = "Execution failed due to configuration error: "


@dataclass(frozen=True)
class WsIntegration:
    function_arn: str
    backend: LambdaBackend
    faults: FaultSet
    rng: random.Random


@dataclass(frozen=True)
class RouteResult:
    """What the integration gave API Gateway: ok, or the failure and the status API Gateway reports."""

    ok: bool
    status: int  # 200, or what the $connect handshake is answered with on failure
    client_message: str  # the `message` API Gateway sends a connected client on failure


OK = RouteResult(True, 200, "")


def invoke(lam: WsIntegration, ev: WsEvent, *, connect_error: bool = False) -> RouteResult:
    """Invoke the route's function (virtually) and record what API Gateway would; `connect_error` is the
    `ws-connect-error` fault (the $connect function fails)."""
    ctx = ev.context
    uri = f"https://lambda.{c.REGION}.amazonaws.com/2015-03-31/functions/{lam.function_arn}/invocations"
    ev.exec_lines += [
        f"Starting execution for request: {ctx['requestId']}",
        f"WebSocket Route: {ev.route_key}",  # [INF] the route, in place of REST's "HTTP Method: ..., Resource Path: ..."
        f"Endpoint request URI: {uri}",
        f"Sending request to {uri}",
    ]
    faults = lam.faults
    if faults.hit("permission-missing"):
        _latency(ev, lam.rng.uniform(1.0, 4.0))
        return _config_error(ev, "Invalid permissions on Lambda function")
    if faults.hit("lambda-throttled"):
        ev.lambda_throttled = True
        _latency(ev, lam.rng.uniform(3.0, 9.0))
        rid = _lambda_request_id(lam)
        ctx["integration.requestId"] = rid
        ctx["integration.integrationStatus"] = "429"
        ev.exec_lines.append(f"Lambda invocation failed with status: 429. Lambda request id: {rid}")
        return _config_error(ev, "Rate Exceeded.")
    outcome: Outcome = "ok"
    if faults.hit("lambda-timeout"):
        outcome = "timeout"
    elif connect_error or faults.hit("lambda-error") or faults.hit("background-errors"):
        outcome = "error"
    inv = lam.backend.invoke(
        route_key=f"ws {ev.route_key}", path_id=None, outcome=outcome, force_cold=faults.hit("cold-starts")
    )
    lam.backend.release(inv.environment)
    # The backend's generic "handled request" line is the REST/HTTP handler's; this function logs its own.
    inv.lines = [line for line in inv.lines if "\thandled request, status " not in line[1]]
    ev.invocation = inv
    took = inv.duration_ms + (inv.init_ms or 0.0) + LAMBDA_OVERHEAD_MS
    if took > f.INTEGRATION_TIMEOUT_MS:
        # API Gateway gives up at 29 s and never gets the function's answer (§15.5): nothing taken from that
        # answer is set (integration.requestId, integration.status, integration.integrationStatus render `-`);
        # the function's side is found through its Lambda log in the same time range, not by a request id.
        ev.integration_latency_ms = float(f.INTEGRATION_TIMEOUT_MS)
        ctx["integration.latency"] = str(f.INTEGRATION_TIMEOUT_MS)
        ev.exec_lines.append("Execution failed due to a timeout error")
        _integration_error(ctx, "Execution failed due to a timeout error")
        ev.execution_error = True
        return RouteResult(False, 504, "Endpoint request timed out")
    _latency(ev, took)
    ctx["integration.requestId"] = inv.request_id
    ctx["integration.integrationStatus"] = "200"
    ev.exec_lines.append(f"Received response. Status: 200, Integration latency: {round(took)} ms")
    if inv.function_error:
        ev.exec_lines.append(
            f"Lambda execution failed with status 200 due to customer function error: {inv.error_message}. "
            f"Lambda request id: {inv.request_id}"
        )
        _integration_error(ctx, f"Lambda Customer Function Error:{inv.error_message}")
        ev.integration_error = True
        # C70: a failing $connect integration is answered 502 at the handshake [OBS aws-lambda-graphql#107].
        return RouteResult(False, 502, "Internal server error")
    ctx["integration.status"] = "200"
    ev.exec_lines.append("Successfully completed execution")
    return OK


def _integration_error(ctx: dict[str, str], text: str) -> None:
    """`$context.integration.error`, "Equivalent to $context.integrationErrorMessage" (WebSocket variable list)."""
    ctx["integration.error"] = ctx["integrationErrorMessage"] = text


def _latency(ev: WsEvent, ms: float) -> None:
    ev.integration_latency_ms = ms
    ev.context["integration.latency"] = str(round(ms))


def _config_error(ev: WsEvent, what: str) -> RouteResult:
    line = CONFIG_ERROR + what
    ev.exec_lines.append(line)
    _integration_error(ev.context, line)
    ev.execution_error = True
    return RouteResult(False, 500, "Internal server error")


def _lambda_request_id(lam: WsIntegration) -> str:
    import uuid

    return str(uuid.UUID(int=lam.rng.getrandbits(128), version=4))
