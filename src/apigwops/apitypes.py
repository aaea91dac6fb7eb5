"""One profile per API type (REST, HTTP, WEBSOCKET): every fact that differs between them, in one place.

Collectors, the diagnose engine, the report, cost and loadtest look facts up here (`profile(api.type)`) instead
of testing `api.type == "REST"`. Sources: the signals reference §1.3 (type differences), §5 (access-log
variables per type), §6 (metric names and dimensions) and §8.4 (the recommended format); facts the reference
marks [UNCONFIRMED] for WebSocket are said so next to the value. Imports nothing of ours but the `ApiType` name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from apigwops.model import ApiType

MetricTable = tuple[tuple[str, tuple[str, ...]], ...]  # (metric name, statistics)

# (JSON key, $context variable) in the order of the signals reference §8.4 (REST).
REST_FORMAT: tuple[tuple[str, str], ...] = (
    ("requestId", "requestId"),
    ("extendedRequestId", "extendedRequestId"),
    ("requestTimeEpoch", "requestTimeEpoch"),
    ("apiId", "apiId"),
    ("stage", "stage"),
    ("domainName", "domainName"),
    ("basePathMatched", "customDomain.basePathMatched"),
    ("httpMethod", "httpMethod"),
    ("resourcePath", "resourcePath"),
    ("path", "path"),
    ("status", "status"),
    ("responseLength", "responseLength"),
    ("responseLatency", "responseLatency"),
    ("errorType", "error.responseType"),
    ("errorMessage", "error.message"),
    ("validationError", "error.validationErrorString"),
    ("integrationStatus", "integration.status"),
    ("integrationServiceStatus", "integration.integrationStatus"),
    ("integrationLatency", "integration.latency"),
    ("integrationError", "integration.error"),
    ("integrationRequestId", "integration.requestId"),
    ("authorizerError", "authorizer.error"),
    ("authorizerStatus", "authorizer.status"),
    ("authorizerLatency", "authorizer.latency"),
    ("authorizerIntegrationLatency", "authorizer.integrationLatency"),
    ("principalId", "authorizer.principalId"),
    ("authorizeError", "authorize.error"),
    ("authenticateError", "authenticate.error"),
    ("wafStatus", "waf.status"),
    ("wafError", "waf.error"),
    ("wafLatency", "waf.latency"),
    ("wafResponseCode", "wafResponseCode"),
    ("apiKeyId", "identity.apiKeyId"),
    ("ip", "identity.sourceIp"),
    ("userAgent", "identity.userAgent"),
    ("userArn", "identity.userArn"),
    ("xrayTraceId", "xrayTraceId"),
)
# REST-only variables (signals reference §5: not in the HTTP API variable list).
_HTTP_DROPPED = frozenset(
    {
        "resourcePath",
        "extendedRequestId",
        "xrayTraceId",
        "apiKeyId",
        "validationError",
        "authorizerStatus",
        "authorizerLatency",
        "authorizerIntegrationLatency",
        "authorizeError",
        "authenticateError",
        "wafStatus",
        "wafError",
        "wafLatency",
        "wafResponseCode",
    }
)

# The HTTP format of §8.4: REST's without the REST-only variables, with routeKey and dataProcessed.
_HTTP_FORMAT = [(key, var) for key, var in REST_FORMAT if key not in _HTTP_DROPPED]
_HTTP_FORMAT.insert(8, ("routeKey", "routeKey"))
_HTTP_FORMAT.append(("dataProcessed", "dataProcessed"))
# WebSocket (§5 column W, §8.4): REST's without what WebSocket cannot log (responseLatency, responseLength,
# basePathMatched, httpMethod, resourcePath, path, xrayTraceId, wafResponseCode), plus the route and the
# connection-tracing variables.
_WEBSOCKET_DROPPED = frozenset(
    {
        "basePathMatched",
        "httpMethod",
        "resourcePath",
        "path",
        "responseLength",
        "responseLatency",
        "wafResponseCode",
        "xrayTraceId",
    }
)
_WEBSOCKET_FORMAT = [(key, var) for key, var in REST_FORMAT if key not in _WEBSOCKET_DROPPED]
_WEBSOCKET_FORMAT.insert(6, ("routeKey", "routeKey"))
_WEBSOCKET_FORMAT += [
    ("connectionId", "connectionId"),
    ("eventType", "eventType"),
    ("messageId", "messageId"),
    ("connectedAt", "connectedAt"),  # the 2-hour limit and connection minutes (§5)
]

CACHE_METRICS: MetricTable = (("CacheHitCount", ("Sum",)), ("CacheMissCount", ("Sum",)))


@dataclass(frozen=True)
class ApiTypeProfile:
    """What one API type logs, measures and answers; `profile(api_type)` returns it."""

    name: ApiType
    label: str  # as users read it: "REST", "HTTP", "WebSocket"
    control_plane: str  # the boto3 service that describes it: "apigateway" or "apigatewayv2"
    url_scheme: str  # of its invoke URL: "https" or "wss"
    root_stage: str | None  # the stage served at the URL's root, without a path segment (HTTP: "$default")
    pricing: Literal["rest", "http", "websocket"]  # its name in the cost catalog
    # Access-log columns (canonical names) this type cannot log at all: their absence is no fixable blind spot.
    unavailable_fields: frozenset[str]
    metrics: MetricTable  # the AWS/ApiGateway plain-statistic series diagnose reads (§6)
    percentile_metrics: tuple[str, ...]  # the AWS/ApiGateway series read as p50/p90/p99
    # requests, client errors, server errors: the stage's traffic in metrics (keys "count", "4xx", "5xx")
    traffic_metrics: Mapping[str, str]
    metric_dimension: str  # "ApiName" (REST: keyed by name) or "ApiId"; always with "Stage"
    # failure class (the symptom "502" Lambda error, "504" integration timeout) -> the statuses clients see;
    # a class without an entry is not narrowed (unconfirmed for the type)
    error_statuses: Mapping[str, tuple[int, ...]]
    default_timeout_ms: int  # the integration timeout a route without its own gets (§1.3)
    execution_logs: bool
    usage_plans: bool  # usage plans and API keys can apply to its stages
    waf: bool
    cache: bool
    recommended_format: tuple[tuple[str, str], ...] = field(repr=False)  # (JSON key, $context variable)
    # Connection limits (WebSocket quota table, C74): None for request/response types.
    idle_timeout_s: float | None = None
    max_connection_s: float | None = None

    @property
    def v1(self) -> bool:
        """Described by the v1 control plane (`apigateway`, camelCase fields); else `apigatewayv2` (PascalCase)."""
        return self.control_plane == "apigateway"

    def dimensions(self, api_name: str, api_id: str, stage: str) -> dict[str, str]:
        """The stage's metric dimensions: REST metrics are keyed by API *name*, HTTP and WebSocket by id."""
        return {
            self.metric_dimension: api_name if self.metric_dimension == "ApiName" else api_id,
            "Stage": stage,
        }

    def recommended_format_line(self) -> str:
        """The access-log format to set, as a single line (the value of `accessLogSettings.format`)."""
        return "{" + ",".join(f'"{key}":"$context.{var}"' for key, var in self.recommended_format) + "}"


PROFILES: Mapping[str, ApiTypeProfile] = MappingProxyType(
    {
        "REST": ApiTypeProfile(
            name="REST",
            label="REST",
            control_plane="apigateway",
            url_scheme="https",
            root_stage=None,
            pricing="rest",
            unavailable_fields=frozenset(
                {"route_key", "data_processed", "connection_id", "event_type", "message_id", "connected_at"}
            ),
            metrics=(
                ("Count", ("Sum",)),
                ("4XXError", ("Sum",)),
                ("5XXError", ("Sum",)),
                ("Latency", ("Average", "Maximum")),
                ("IntegrationLatency", ("Average", "Maximum")),
            ),
            percentile_metrics=("Latency", "IntegrationLatency"),
            traffic_metrics=MappingProxyType({"count": "Count", "4xx": "4XXError", "5xx": "5XXError"}),
            metric_dimension="ApiName",
            error_statuses=MappingProxyType({"502": (502,), "504": (504,)}),
            default_timeout_ms=29000,
            execution_logs=True,
            usage_plans=True,
            waf=True,
            cache=True,
            recommended_format=REST_FORMAT,
        ),
        "HTTP": ApiTypeProfile(
            name="HTTP",
            label="HTTP",
            control_plane="apigatewayv2",
            url_scheme="https",
            root_stage="$default",
            pricing="http",
            unavailable_fields=frozenset(
                {
                    "resource_path",
                    "validation_error",
                    "authorizer_status",
                    "authorizer_latency",
                    "authorizer_integration_latency",
                    "authorize_error",
                    "authenticate_error",
                    "waf_status",
                    "waf_error",
                    "waf_latency",
                    "waf_response_code",
                    "api_key_id",
                    "xray_trace_id",
                    "connection_id",
                    "event_type",
                    "message_id",
                    "connected_at",
                }
            ),
            metrics=(
                ("Count", ("Sum",)),
                ("4xx", ("Sum",)),
                ("5xx", ("Sum",)),
                ("Latency", ("Average", "Maximum")),
                ("IntegrationLatency", ("Average", "Maximum")),
                ("DataProcessed", ("Sum",)),
            ),
            percentile_metrics=("Latency", "IntegrationLatency"),
            traffic_metrics=MappingProxyType({"count": "Count", "4xx": "4xx", "5xx": "5xx"}),
            metric_dimension="ApiId",
            # a Lambda function error is a 500 and an integration timeout a 503 on HTTP APIs (§1.3)
            error_statuses=MappingProxyType({"502": (500, 502), "504": (503, 504)}),
            default_timeout_ms=30000,
            execution_logs=False,
            usage_plans=False,
            waf=False,
            cache=False,
            recommended_format=tuple(_HTTP_FORMAT),
        ),
        "WEBSOCKET": ApiTypeProfile(
            name="WEBSOCKET",
            label="WebSocket",
            control_plane="apigatewayv2",
            url_scheme="wss",
            root_stage=None,
            pricing="websocket",
            unavailable_fields=frozenset(
                {
                    "response_latency",
                    "response_length",
                    "base_path_matched",
                    "http_method",
                    "resource_path",
                    "path",
                    "protocol",
                    "xray_trace_id",
                    "waf_response_code",
                    "data_processed",
                }
            ),
            metrics=(
                ("ConnectCount", ("Sum",)),
                ("MessageCount", ("Sum",)),
                ("IntegrationError", ("Sum",)),
                ("ClientError", ("Sum",)),
                ("ExecutionError", ("Sum",)),
                ("IntegrationLatency", ("Average", "Maximum")),
            ),
            percentile_metrics=("IntegrationLatency",),
            traffic_metrics=MappingProxyType(
                {"count": "MessageCount", "4xx": "ClientError", "5xx": "ExecutionError"}
            ),
            metric_dimension="ApiId",
            error_statuses=MappingProxyType({}),  # [UNCONFIRMED] in §1.3: not narrowed
            default_timeout_ms=29000,  # WebSocket quota table: "50 milliseconds - 29 seconds" (docs/websocket.md)
            execution_logs=True,
            usage_plans=True,  # [UNCONFIRMED] in §1.3; read when present
            waf=False,
            cache=False,
            recommended_format=tuple(_WEBSOCKET_FORMAT),
            idle_timeout_s=600.0,  # 10 minutes [DOC WebSocket quota table]
            max_connection_s=7200.0,  # 2 hours [DOC WebSocket quota table]
        ),
    }
)
API_TYPES: tuple[ApiType, ...] = ("REST", "HTTP", "WEBSOCKET")


def profile(api_type: str | None) -> ApiTypeProfile:
    """The profile of an API type; unknown or None means REST (the oldest type, and what a bare id names)."""
    return PROFILES.get(api_type or "REST", PROFILES["REST"])
