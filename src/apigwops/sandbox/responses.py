"""What API Gateway sends back when it, not the integration, answers: status, body and headers per API type.

REST values come from the gateway-response table and the client-signal table (signals reference §2, §3.1):
`x-amzn-ErrorType` on every gateway error, 4xx bodies without a space after the colon (content lengths 23,
26 and 31 observed) and 5xx bodies with one. HTTP APIs answer with their own short bodies, no
`x-amzn-ErrorType`, and `apigw-requestid` (§1.3, §3.2, §4.6).

The reply builders (`gateway_error`, `http_error`, and the headers of every answer) also note in the request's
`$context` what the access log shows for a gateway error (`error.responseType`, `error.message`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from apigwops.sandbox.constants import ApiType
from apigwops.sandbox.exchange import Recorded, StageReply


@dataclass(frozen=True)
class GatewayError:
    """One gateway response: `response_type` is what `$context.error.responseType` logs."""

    response_type: str
    status: int
    message: str | None
    error_type: str  # x-amzn-ErrorType (REST only)


_FORBIDDEN = "ForbiddenException"
_INTERNAL = "InternalServerErrorException"
_UNAUTHORIZED = "UnauthorizedException"

# Keyed by the sandbox's name for the situation; several share a response type.
REST_ERRORS: dict[str, GatewayError] = {
    "missing-auth-token": GatewayError(
        "MISSING_AUTHENTICATION_TOKEN",
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    ),
    "waf-filtered": GatewayError("WAF_FILTERED", 403, "Forbidden", _FORBIDDEN),
    "invalid-api-key": GatewayError("INVALID_API_KEY", 403, "Forbidden", _FORBIDDEN),
    "unauthorized": GatewayError("UNAUTHORIZED", 401, "Unauthorized", _UNAUTHORIZED),
    # Cognito user-pool authorizer, expired token (§4.1 C04, KCCOG).
    "token-expired": GatewayError("UNAUTHORIZED", 401, "The incoming token has expired", _UNAUTHORIZED),
    "quota-exceeded": GatewayError("QUOTA_EXCEEDED", 429, "Limit Exceeded", "LimitExceededException"),
    "throttled": GatewayError("THROTTLED", 429, "Too Many Requests", "TooManyRequestsException"),
    # Lambda function errors are 502, Lambda/permission configuration errors 500 (§4.4, §4.5).
    "function-error": GatewayError("INTEGRATION_FAILURE", 502, "Internal server error", _INTERNAL),
    "integration-config": GatewayError("INTEGRATION_FAILURE", 500, "Internal server error", _INTERNAL),
    "integration-timeout": GatewayError("INTEGRATION_TIMEOUT", 504, "Endpoint request timed out", _INTERNAL),
    # Lambda/Cognito authorizer explicit deny (§4.2 C21, KC403LA) and resource-policy explicit deny (C19).
    "authorizer-deny": GatewayError(
        "ACCESS_DENIED",
        403,
        "User is not authorized to access this resource with an explicit deny",
        "AccessDeniedException",
    ),
    "resource-policy-deny": GatewayError("ACCESS_DENIED", 403, "", "AccessDeniedException"),
    "api-configuration": GatewayError("API_CONFIGURATION_ERROR", 500, "Internal server error", _INTERNAL),
    # Body observed as {"message": null} (§4.4 C39/C40).
    "authorizer-config": GatewayError(
        "AUTHORIZER_CONFIGURATION_ERROR", 500, None, "AuthorizerConfigurationException"
    ),
}

# HTTP APIs: status -> body message (§3.1 "Internal Server Error" 35 bytes, §4.6 503, §4.2 C11 note 404).
HTTP_MESSAGES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def error_body(api_type: ApiType, status: int, message: str | None) -> bytes:
    if api_type == "HTTP":
        return json.dumps({"message": HTTP_MESSAGES.get(status, message)}, separators=(",", ":")).encode()
    if status >= 500:
        return json.dumps({"message": message}).encode()  # REST 5xx: {"message": "Internal server error"}
    return json.dumps({"message": message}, separators=(",", ":")).encode()


def gateway_error(rec: Recorded, name: str, message: str | None = None) -> StageReply:
    """A REST gateway response from `REST_ERRORS` (`message` replaces its text, e.g. a resource-policy deny)."""
    if not rec.rest:
        raise AssertionError(f"REST gateway response {name} on an HTTP API")
    error = REST_ERRORS[name]
    if message is not None:
        error = GatewayError(error.response_type, error.status, message, error.error_type)
    ctx = rec.context
    ctx["error.responseType"] = error.response_type
    ctx["error.message"] = error.message if error.message is not None else "-"
    return StageReply(
        error.status,
        error_body("REST", error.status, error.message),
        [*rest_headers(rec), ("x-amzn-ErrorType", error.error_type)],
        0.0,
    )


def http_error(rec: Recorded, status: int, response_type: str, message: str) -> StageReply:
    """An HTTP API's own answer: its short body, `apigw-requestid`, no error type header."""
    ctx = rec.context
    ctx["error.responseType"] = response_type
    ctx["error.message"] = message
    return StageReply(status, error_body("HTTP", status, message), http_headers(rec), 0.0)


def rest_headers(rec: Recorded) -> list[tuple[str, str]]:
    """Headers of every REST answer, error or not (§3.2)."""
    ctx = rec.context
    return [
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", ctx["requestId"]),
        ("x-amz-apigw-id", ctx["extendedRequestId"]),
    ]


def http_headers(rec: Recorded) -> list[tuple[str, str]]:
    """Headers of every HTTP API answer (§3.2)."""
    return [("Content-Type", "application/json"), ("apigw-requestid", rec.context["requestId"])]
