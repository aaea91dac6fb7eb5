"""What the sandbox account holds: names, routes, usage-plan tiers, timeouts and access-log formats.

Other parts (diagnose tests, loadtest tiers, the demo) rely on these names, so they are fixed here once.
"""

from __future__ import annotations

from dataclasses import dataclass

from apigwops.model import ApiType as ApiType  # re-exported: REST, HTTP, WEBSOCKET as the model names them

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
REST_API_NAME = "user-api"
HTTP_API_NAME = "user-http-api"
STAGE = "prod"
FUNCTION_NAME = "user-api-handler"
FUNCTION_MEMORY_MB = 256
# Longer than either integration timeout on purpose (a common misconfiguration): when the function hangs,
# API Gateway gives up first (504 REST / 503 HTTP) and Lambda later logs "Task timed out after 60.00 seconds".
FUNCTION_TIMEOUT_S = 60
USER_POOL_NAME = "user-pool"
USER_POOL_CLIENT_NAME = "user-web-client"
WEB_ACL_NAME = "user-api-acl"
URL_TAG = "apigwops:sandbox-url"
# The stage server answers this path itself (200), outside the stage: readiness and `sandbox status` probes
# are not API traffic, so they never reach the pipeline and leave no log line or metric AWS would not write.
PROBE_PATH = "/__apigwops/ping"

# Integration timeouts (signals reference §1.3, LIM): REST 29 s default maximum, HTTP APIs 30 s maximum.
REST_INTEGRATION_TIMEOUT_MS = 29_000
HTTP_INTEGRATION_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Tier:
    """A usage-plan tier as DESIGN defines it; quota None means unlimited."""

    name: str
    quota_per_month: int | None
    rate_per_s: float
    burst: int


TIERS: tuple[Tier, ...] = (
    Tier("free", 1_000, 5.0, 10),
    Tier("basic", 50_000, 50.0, 100),
    Tier("premium", 1_000_000, 1_000.0, 2_000),
    Tier("internal", None, 2_500.0, 5_000),
)


@dataclass(frozen=True)
class Route:
    """One method on both APIs: REST needs an API key on `api_key`, both use the JWT authorizer on `auth`."""

    method: str
    path: str  # resource template, e.g. /users/{id}
    api_key: bool
    auth: bool

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", api_key=False, auth=False),
    Route("GET", "/users", api_key=True, auth=False),
    Route("GET", "/users/{id}", api_key=True, auth=False),
    Route("POST", "/orders", api_key=True, auth=True),
)


def log_group_names(rest_api_id: str) -> dict[str, str]:
    """Where each kind of log goes, named as AWS names them (signals reference §9.1)."""
    return {
        "rest-access": f"/aws/apigateway/{REST_API_NAME}/{STAGE}",
        "http-access": f"/aws/apigateway/{HTTP_API_NAME}/{STAGE}",
        "execution": f"API-Gateway-Execution-Logs_{rest_api_id}/{STAGE}",
        "lambda": f"/aws/lambda/{FUNCTION_NAME}",
        "waf": f"aws-waf-logs-{REST_API_NAME}",
    }


def log_group_arn(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}"


# The recommended diagnostic access-log formats (signals reference §8.4), REST and HTTP variants, one line each.
REST_ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId",'
    '"requestTimeEpoch":"$context.requestTimeEpoch","apiId":"$context.apiId","stage":"$context.stage",'
    '"domainName":"$context.domainName","basePathMatched":"$context.customDomain.basePathMatched",'
    '"httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","path":"$context.path",'
    '"status":"$context.status","responseLength":"$context.responseLength",'
    '"responseLatency":"$context.responseLatency","errorType":"$context.error.responseType",'
    '"errorMessage":"$context.error.message","validationError":"$context.error.validationErrorString",'
    '"integrationStatus":"$context.integration.status",'
    '"integrationServiceStatus":"$context.integration.integrationStatus",'
    '"integrationLatency":"$context.integration.latency","integrationError":"$context.integration.error",'
    '"integrationRequestId":"$context.integration.requestId","authorizerError":"$context.authorizer.error",'
    '"authorizerStatus":"$context.authorizer.status","authorizerLatency":"$context.authorizer.latency",'
    '"authorizerIntegrationLatency":"$context.authorizer.integrationLatency",'
    '"principalId":"$context.authorizer.principalId","authorizeError":"$context.authorize.error",'
    '"authenticateError":"$context.authenticate.error","wafStatus":"$context.waf.status",'
    '"wafError":"$context.waf.error","wafLatency":"$context.waf.latency",'
    '"wafResponseCode":"$context.wafResponseCode","apiKeyId":"$context.identity.apiKeyId",'
    '"ip":"$context.identity.sourceIp","userAgent":"$context.identity.userAgent",'
    '"userArn":"$context.identity.userArn","xrayTraceId":"$context.xrayTraceId"}'
)


def _http_variant(rest_format: str) -> str:
    """§8.4's HTTP variant: routeKey for resourcePath, no extendedRequestId, waf*, authorize*, authenticate*,
    apiKeyId or xrayTraceId (HTTP APIs have none of them), plus dataProcessed."""
    import json

    fields: dict[str, str] = json.loads(rest_format)
    dropped = ("extendedRequestId", "apiKeyId", "xrayTraceId", "authorizeError", "authenticateError")
    out: dict[str, str] = {}
    for key, value in fields.items():
        if key in dropped or key.startswith("waf"):
            continue
        if key == "resourcePath":
            out["routeKey"] = "$context.routeKey"
            continue
        out[key] = value
    out["dataProcessed"] = "$context.dataProcessed"
    return json.dumps(out, separators=(",", ":"))


HTTP_ACCESS_LOG_FORMAT = _http_variant(REST_ACCESS_LOG_FORMAT)
