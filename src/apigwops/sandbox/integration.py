"""The Lambda proxy integration step of the pipeline, with every integration fault.

Per API type, from the signals reference: function error 502 REST / 500 HTTP (§4.5 C47), malformed proxy
response 502 (C48), response over 6 MB 502 (C49), Lambda throttled 500 (C38), missing invoke permission 500
(C37), integration timeout 504 REST / 503 HTTP (C55, C52). Execution-log lines are §9.3/§9.4's; access-log
`integration.*` values are §4's (AZUL observations).
"""

from __future__ import annotations

import os
import random
import time
import uuid
from dataclasses import dataclass
from email.utils import formatdate

from apigwops.sandbox import constants as c
from apigwops.sandbox.backend import Invocation, LambdaBackend, Outcome, lambda_proxy_response
from apigwops.sandbox.exchange import Recorded, StageReply, StageRequest
from apigwops.sandbox.faults import FaultSet
from apigwops.sandbox.responses import gateway_error, http_error, http_headers, rest_headers


@dataclass(frozen=True)
class IntegrationContext:
    """What the integration step needs from its stage: the function, the simulated Lambda service, faults, dice."""

    function_arn: str
    backend: LambdaBackend
    faults: FaultSet
    rng: random.Random


HTTP_PERMISSION_ERROR = (
    "The IAM role configured on the integration or API Gateway doesn't have permissions to call the "
    "integration. Check the permissions and try again."
)


LAMBDA_OVERHEAD_MS = 12.0  # the Lambda service's time around the function's own duration
CONFIG_ERROR = "Execution failed due to configuration error: "
# Integration failures that happen before (or instead of) reaching the backend: REST execution-log line and
# status (§9.4, §4.4 C41-C45). HTTP APIs have no mapping templates; the others answer 500 there.
TRANSPORT_FAULTS: dict[str, tuple[str, int]] = {
    "mapping-error": (CONFIG_ERROR + "Unable to transform request", 500),
    "vpc-link-failure": (CONFIG_ERROR + "There was an internal error while executing your request", 500),
    "backend-tls-error": (
        CONFIG_ERROR
        + "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: "
        "unable to find valid certification path to requested target",
        500,
    ),
    "backend-unreachable": ("Network error communicating with endpoint", 502),
}


def _http_function_error(message: str) -> str:
    return f"The Lambda function returned the following error: {message}. Check your Lambda function code and try again."


def integrate(
    lam: IntegrationContext, req: StageRequest, rec: Recorded, route: c.Route, path_id: str | None
) -> StageReply:
    """The Lambda proxy integration's answer, or the gateway's when the integration fails."""
    ctx = rec.context
    rest = rec.rest
    uri = f"https://lambda.{c.REGION}.amazonaws.com/2015-03-31/functions/{lam.function_arn}/invocations"
    if rest:
        rec.exec_lines += [
            f"Starting execution for request: {ctx['requestId']}",
            f"HTTP Method: {route.method}, Resource Path: {route.path}",
            f"Endpoint request URI: {uri}",
            f"Sending request to {uri}",
        ]
    faults = lam.faults
    for name, (line, status) in TRANSPORT_FAULTS.items():
        if (rest or name != "mapping-error") and faults.hit(name):
            if name != "mapping-error":  # a mapping failure never reaches the backend
                _integration_latency(rec, lam.rng.uniform(1.0, 30.0))
            if not rest:
                return _http_500(rec, line.removeprefix(CONFIG_ERROR))
            rec.exec_lines.append(line)
            ctx["integration.error"] = line
            response = (
                "function-error"
                if status == 502
                else "api-configuration"
                if name == "mapping-error"
                else "integration-config"
            )
            return gateway_error(rec, response)
    if faults.hit("permission-missing"):
        _integration_latency(rec, lam.rng.uniform(1.0, 4.0))
        if rest:
            return _rest_config_error(rec, "Invalid permissions on Lambda function")
        return _http_500(rec, HTTP_PERMISSION_ERROR)
    if faults.hit("lambda-throttled"):
        rec.lambda_throttled = True
        _integration_latency(rec, lam.rng.uniform(3.0, 9.0))
        lambda_rid = _uuid()
        ctx["integration.requestId"] = lambda_rid
        ctx["integration.integrationStatus"] = "429"
        if rest:
            rec.exec_lines.append(
                f"Lambda invocation failed with status: 429. Lambda request id: {lambda_rid}"
            )
            return _rest_config_error(rec, "Rate Exceeded.")
        return _http_500(rec, "Rate Exceeded.")
    outcome: Outcome = "ok"
    backend_status: int | None = None
    min_duration_ms: float | None = None
    if faults.hit("lambda-timeout"):
        outcome = "timeout"
    elif faults.hit("integration-timeout"):
        min_duration_ms = lam.rng.uniform(31_000.0, 45_000.0)
    elif faults.hit("lambda-error") or faults.hit("background-errors"):  # C47 either way (signals §4.5)
        outcome = "error"
    elif faults.hit("malformed-response"):
        outcome = "malformed"
    elif faults.hit("response-too-large"):
        outcome = "too-large"
    elif faults.hit("backend-5xx"):
        backend_status = 500
    elif faults.hit("backend-429"):
        backend_status = 429
    if faults.hit("slow-integration") and min_duration_ms is None and outcome == "ok":
        min_duration_ms = lam.rng.uniform(2_000.0, 8_000.0)
    inv = lam.backend.invoke(
        route_key=route.route_key,
        path_id=path_id,
        outcome=outcome,
        force_cold=faults.hit("cold-starts"),
        backend_status=backend_status,
        min_duration_ms=min_duration_ms or 0.0,
    )
    rec.invocation = inv
    ctx["integration.requestId"] = inv.request_id
    env = inv.environment
    release = lambda: lam.backend.release(env)  # noqa: E731
    took = inv.duration_ms + (inv.init_ms or 0.0) + LAMBDA_OVERHEAD_MS
    limit = c.REST_INTEGRATION_TIMEOUT_MS if rest else c.HTTP_INTEGRATION_TIMEOUT_MS
    if took > limit:
        rec.integration_latency_ms = float(limit)
        reply = _timeout(rec)
    else:
        rec.integration_latency_ms = took
        ctx["integration.latency"] = str(round(took))
        ctx["integration.integrationStatus"] = "200"
        reply = _from_function(rec, inv, round(took))
    reply.release = release
    return reply


def _integration_latency(rec: Recorded, ms: float) -> None:
    rec.integration_latency_ms = ms
    rec.context["integration.latency"] = str(round(ms))


def _uuid() -> str:
    return str(uuid.uuid4())


def _timeout(rec: Recorded) -> StageReply:
    ctx = rec.context
    ctx["integration.latency"] = str(round(rec.integration_latency_ms or 0))
    if rec.rest:
        rec.exec_lines.append("Execution failed due to a timeout error")
        return gateway_error(rec, "integration-timeout")
    # HTTP APIs: 503 Service Unavailable at the integration timeout (§4.6 C52).
    return http_error(rec, 503, "INTEGRATION_TIMEOUT", "Service Unavailable")


def _rest_config_error(rec: Recorded, what: str) -> StageReply:
    line = f"Execution failed due to configuration error: {what}"
    rec.exec_lines.append(line)
    rec.context["integration.error"] = line
    return gateway_error(rec, "integration-config")


def _http_500(rec: Recorded, integration_error: str) -> StageReply:
    rec.context["integration.error"] = integration_error
    return http_error(rec, 500, "INTEGRATION_FAILURE", "Internal Server Error")


def _from_function(rec: Recorded, inv: Invocation, took_ms: int) -> StageReply:
    ctx = rec.context
    rest = rec.rest
    if rest:
        rec.exec_lines.append(f"Received response. Status: 200, Integration latency: {took_ms} ms")
    if inv.function_error:
        message = inv.error_message
        if rest:
            rec.exec_lines += [
                "Endpoint response headers: {Date=" + _http_date() + ", Content-Type=application/json, "
                f"x-amzn-RequestId={inv.request_id}, X-Amz-Function-Error=Unhandled}}",
                f"Lambda execution failed with status 200 due to customer function error: {message}. "
                f"Lambda request id: {inv.request_id}",
            ]
            ctx["integration.error"] = f"Lambda Customer Function Error:{message}"
            return gateway_error(rec, "function-error")
        return _http_500(rec, _http_function_error(message))
    body = lambda_proxy_response(inv)
    if inv.outcome == "malformed":
        if rest:
            rec.exec_lines += [
                f"Endpoint response body before transformations: {body}",
                "Execution failed due to configuration error: Malformed Lambda proxy response",
            ]
            ctx["integration.error"] = (
                "Execution failed due to configuration error: Malformed Lambda proxy response"
            )
            return gateway_error(rec, "function-error")
        return _http_500(
            rec,
            "The response from the Lambda function doesn't match the format that API Gateway expects. "
            "Check your Lambda function code and try again.",
        )
    ctx["integration.status"] = str(inv.status_code)
    if rest:
        rec.exec_lines += [
            f"Endpoint response body before transformations: {body}",
            f"Method response body after transformations: {inv.body}",
            "Method response headers: {Content-Type=application/json, X-Amzn-Trace-Id=Root="
            + _trace_id()
            + "}",
            "Successfully completed execution",
        ]
        headers = rest_headers(rec)
    else:
        headers = http_headers(rec)
    return StageReply(inv.status_code, inv.body.encode(), headers, 0.0)


def _http_date() -> str:
    return formatdate(usegmt=True)


def _trace_id() -> str:
    return f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"
