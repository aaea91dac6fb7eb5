"""Every finding id: evidence produced the way AWS logs it (signals reference §4), ranked first.

Each scenario is a healthy stage plus one incident from minute 12; the expected values (status codes, error
types, messages, latencies) come from the reference, per API type, so a change in the engine or a playbook that
stops recognising what AWS really emits fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.loader import load_playbooks
from apigwops.diagnose.report import Report
from apigwops.model import ApiKey, Authorizer, Change, LambdaFunction, Route, TokenFinding, UsagePlan
from tests.builders.stage import FUNCTION, ONSET_MINUTE, START, Stage, healthy, http_route, lambda_route

N = 120  # incident requests in every scenario
PLAYBOOKS = load_playbooks()
RID = "c0ffee00-1111-4222-8333-444455556666"


def _incident(stage: Stage, status: int, *, route: str | None = None, **values: object) -> list[str]:
    return stage.traffic(N, status=status, route=route, start=ONSET_MINUTE, **values)  # type: ignore[arg-type]


def _with_authorizer(api_type: str, kind: str, **extra: object) -> Stage:
    route_key = "GET /orders/{id}"
    authorization = {
        "TOKEN": "CUSTOM",
        "REQUEST": "CUSTOM",
        "COGNITO_USER_POOLS": "COGNITO_USER_POOLS",
        "JWT": "JWT",
    }[kind]
    route = lambda_route(route_key, api_type, authorization=authorization, authorizer_id="auth1", **extra)
    stage = Stage(api_type=api_type, routes=[route, lambda_route("POST /orders", api_type)])
    stage.traffic(300)
    authorizer = Authorizer(
        id="auth1",
        name="orders-auth",
        type=kind,
        identity_source=("method.request.header.Authorization",),
        issuer="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
        if kind in ("JWT", "COGNITO_USER_POOLS")
        else None,
        audience=("4example1clientid",) if kind == "JWT" else (),
        result_ttl_s=300,
    )
    return stage.with_config(authorizers=(authorizer,))


# ---- 401 -------------------------------------------------------------------------------------------------


def s_token_expired_rest() -> Stage:
    stage = _with_authorizer("REST", "COGNITO_USER_POOLS")
    _incident(
        stage,
        401,
        error_type="UNAUTHORIZED",
        error_message="The incoming token has expired",
        authorizer_latency=8,
    )
    return stage


def s_token_expired_http() -> Stage:
    stage = _with_authorizer("HTTP", "JWT")
    _incident(stage, 401, error_message="Unauthorized")
    stage.token = TokenFinding(
        problems=("expired",), details=("exp 2026-11-24T00:40:00Z is 50 minutes before the window end",)
    )
    return stage


def s_audience_http() -> Stage:
    stage = _with_authorizer("HTTP", "JWT")
    _incident(
        stage, 401, error_message="Unauthorized", authorizer_error="the token does not have a valid audience"
    )
    return stage


def s_audience_rest_token() -> Stage:
    stage = _with_authorizer("REST", "COGNITO_USER_POOLS")
    _incident(stage, 401, error_type="UNAUTHORIZED", error_message="Unauthorized", authorizer_latency=6)
    stage.token = TokenFinding(
        problems=("audience-mismatch",), details=("aud 'other-client' is not an audience of orders-auth",)
    )
    return stage


def s_wrong_type_rest() -> Stage:
    stage = _with_authorizer("REST", "COGNITO_USER_POOLS", scopes=("orders/read",))
    _incident(stage, 401, error_type="UNAUTHORIZED", error_message="Unauthorized", authorizer_latency=6)
    stage.token = TokenFinding(
        problems=("wrong-token-use",),
        details=("token_use is 'id' but the method has scopes: send an access token",),
    )
    return stage


def s_wrong_scope_http() -> Stage:
    stage = _with_authorizer("HTTP", "JWT", scopes=("orders/write",))
    _incident(stage, 401, error_message="Unauthorized")
    stage.token = TokenFinding(
        problems=("missing-scope",), details=("scope 'orders/read' lacks orders/write",)
    )
    return stage


def s_token_invalid_rest() -> Stage:
    stage = _with_authorizer("REST", "COGNITO_USER_POOLS")
    _incident(stage, 401, error_type="UNAUTHORIZED", error_message="Unauthorized", authorizer_latency=7)
    return stage


def s_token_invalid_http() -> Stage:
    stage = _with_authorizer("HTTP", "JWT")
    _incident(stage, 401, error_message="Unauthorized")
    stage.token = TokenFinding(
        problems=("invalid",), details=("signature does not verify with the issuer's JWKS",)
    )
    return stage


def s_identity_missing_rest() -> Stage:
    stage = _with_authorizer("REST", "TOKEN")
    _incident(stage, 401, error_type="UNAUTHORIZED", error_message="Unauthorized")  # authorizer.* are "-"
    return stage


def s_identity_missing_http() -> Stage:
    stage = _with_authorizer("HTTP", "REQUEST")
    _incident(stage, 401, error_message="Unauthorized")
    return stage


def s_authorizer_unauthorized_rest() -> Stage:
    stage = _with_authorizer("REST", "TOKEN")
    _incident(
        stage,
        401,
        error_type="UNAUTHORIZED",
        error_message="Unauthorized",
        authorizer_status=401,
        authorizer_latency=42,
        exec_log=["Starting authorizer: auth1 for request: <rid>", "Unauthorized request: <rid>"],
    )
    return stage


def s_authorizer_unauthorized_http() -> Stage:
    stage = _with_authorizer("HTTP", "REQUEST")
    _incident(stage, 401, error_message="Unauthorized", authorizer_error="Unauthorized")
    return stage


# ---- 403 -------------------------------------------------------------------------------------------------


def s_waf_block() -> Stage:
    stage = healthy()
    _incident(
        stage,
        403,
        route="POST /orders",
        error_type="WAF_FILTERED",
        error_message="Forbidden",
        waf_response_code="WAF_BLOCK",
        waf_status=403,
    )
    stage.waf(
        N,
        rule="AWS-AWSManagedRulesCommonRuleSet",
        rule_type="MANAGED_RULE_GROUP",
        inner="SizeRestrictions_BODY",
    )
    stage.waf(5, rule="ip-blocklist", rule_type="REGULAR")
    return stage.with_stage(web_acl_arn="arn:aws:wafv2:us-east-1:123456789012:regional/webacl/api-acl/abcd")


def s_waf_rate_limit_403() -> Stage:
    """A rate-based rule with the default Block action: 403 Forbidden, the WAF log names a RATE_BASED rule."""
    stage = healthy()
    _incident(stage, 403, error_type="WAF_FILTERED", error_message="Forbidden", waf_response_code="WAF_BLOCK")
    stage.waf(N, rule="rate-limit-per-ip", rule_type="RATE_BASED")
    return stage


def s_missing_auth_token() -> Stage:
    stage = healthy()
    _incident(
        stage,
        403,
        route="GET /ordrs",
        error_type="MISSING_AUTHENTICATION_TOKEN",
        error_message="Missing Authentication Token",
    )
    return stage


def s_api_key_invalid() -> Stage:
    stage = Stage(
        routes=[lambda_route("GET /orders/{id}", api_key_required=True), lambda_route("POST /orders")]
    )
    stage.traffic(300, api_key_id="k1a2b3c4d5")
    _incident(stage, 403, error_type="INVALID_API_KEY", error_message="Forbidden")
    return stage


def s_resource_policy_deny() -> Stage:
    stage = healthy().with_config(
        has_resource_policy=True,
        resource_policy='{"Statement":[{"Effect":"Deny","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24"]}}}]}',
    )
    _incident(
        stage,
        403,
        error_type="ACCESS_DENIED",
        error_message="User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********1234:a1b2c3/prod/GET/orders/7 with an explicit deny",
    )
    return stage


def s_private_api() -> Stage:
    stage = healthy().with_config(
        has_resource_policy=True,
        resource_policy='{"Statement":[{"Effect":"Allow","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0abc"}}}]}',
    )
    _incident(
        stage,
        403,
        error_type="ACCESS_DENIED",
        error_message="User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********1234:a1b2c3/prod/GET/orders/7",
    )
    return stage


def s_authorizer_deny_rest() -> Stage:
    stage = _with_authorizer("REST", "TOKEN")
    _incident(
        stage,
        403,
        error_type="ACCESS_DENIED",
        error_message="User is not authorized to access this resource with an explicit deny",
        authorizer_latency=30,
        authorizer_status=200,
    )
    return stage


def s_authorizer_deny_http() -> Stage:
    stage = _with_authorizer("HTTP", "REQUEST")
    _incident(stage, 403, error_message="Forbidden")
    return stage


def s_iam_rest() -> Stage:
    stage = Stage(
        routes=[lambda_route("GET /orders/{id}", authorization="AWS_IAM"), lambda_route("POST /orders")]
    )
    stage.traffic(300)
    _incident(
        stage,
        403,
        error_type="INVALID_SIGNATURE",
        error_message="Signature expired: 20261124T010500Z is now earlier than 20261124T011000Z (20261124T011500Z - 5 min.)",
    )
    return stage


def s_iam_http() -> Stage:
    stage = Stage(
        api_type="HTTP",
        routes=[
            lambda_route("GET /orders/{id}", "HTTP", authorization="AWS_IAM"),
            lambda_route("POST /orders", "HTTP"),
        ],
    )
    stage.traffic(300)
    _incident(
        stage,
        403,
        error_message="The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
    )
    return stage


# ---- 429 -------------------------------------------------------------------------------------------------

PLAN = UsagePlan(
    id="nnpegc",
    name="basic",
    rate_limit=5,
    burst_limit=10,
    quota_limit=500,
    quota_period="DAY",
    key_ids=("k1a2b3c4d5",),
)


def s_quota() -> Stage:
    stage = Stage(
        routes=[lambda_route("GET /orders/{id}", api_key_required=True), lambda_route("POST /orders")]
    )
    stage.traffic(300, api_key_id="k1a2b3c4d5")
    _incident(
        stage,
        429,
        error_type="QUOTA_EXCEEDED",
        error_message="Limit Exceeded",
        api_key_id="k1a2b3c4d5",
        exec_log="API Key **********************************F0yrv6 exceeded quota limit for API Stage a1b2c3/prod: Key quota exhausted for Usage Plan ID nnpegc. Limit: 500 Period: DAY",
    )
    return stage.with_config(
        usage_plans=(PLAN,),
        api_keys=(ApiKey(id="k1a2b3c4d5", name="partner", enabled=True, value_suffix="v6"),),
    )


def s_key_throttled_exec() -> Stage:
    stage = Stage(
        routes=[lambda_route("GET /orders/{id}", api_key_required=True), lambda_route("POST /orders")]
    )
    stage.traffic(300, api_key_id="k1a2b3c4d5")
    _incident(
        stage,
        429,
        error_type="THROTTLED",
        error_message="Too Many Requests",
        api_key_id="k1a2b3c4d5",
        exec_log="API Key **********************************F0yrv6 exceeded throttle limit for API Stage a1b2c3/prod: Key throttle limit exceeded for Usage Plan ID nnpegc, RestApi a1b2c3, Stage prod, Resource f646q2, HttpMethod GET. Limit: 5.00 Burst: 10",
    )
    return stage.with_config(usage_plans=(PLAN,))


def s_key_throttled_rate() -> Stage:
    """No execution logs: the key's requests per second exceed its plan's rate."""
    stage = Stage(
        routes=[lambda_route("GET /orders/{id}", api_key_required=True), lambda_route("POST /orders")]
    )
    stage.traffic(300, api_key_id="k1a2b3c4d5")
    stage.traffic(240, start=ONSET_MINUTE, end=ONSET_MINUTE + 0.5, api_key_id="k1a2b3c4d5")  # 8/s, limit 5/s
    stage.traffic(
        N,
        status=429,
        start=ONSET_MINUTE,
        end=ONSET_MINUTE + 0.5,
        error_type="THROTTLED",
        error_message="Too Many Requests",
        api_key_id="k1a2b3c4d5",
    )
    return stage.with_config(usage_plans=(PLAN,)).with_stage(logging_level="OFF")


def _stage_burst(api_type: str) -> Stage:
    stage = healthy(api_type)
    stage.traffic(600, start=ONSET_MINUTE, end=ONSET_MINUTE + 1)  # 10/s
    stage.traffic(
        N,
        status=429,
        start=ONSET_MINUTE,
        end=ONSET_MINUTE + 1,
        error_type="THROTTLED",
        error_message="Too Many Requests",
    )
    return stage.with_stage(throttle_rate=10, throttle_burst=20)


def s_stage_throttled_rest() -> Stage:
    return _stage_burst("REST")


def s_stage_throttled_http() -> Stage:
    stage = _stage_burst("HTTP")
    return stage


def s_account_throttled_rest() -> Stage:
    stage = healthy().with_config(account_throttle_rate=10000, account_throttle_burst=5000)
    _incident(stage, 429, error_type="THROTTLED", error_message="Too Many Requests")
    return stage


def s_account_throttled_http() -> Stage:
    stage = healthy("HTTP")
    _incident(stage, 429, error_message="Too Many Requests")
    return stage


def s_waf_rate_limit() -> Stage:
    stage = healthy()
    _incident(
        stage,
        429,
        error_type="WAF_FILTERED",
        error_message="Too Many Requests",
        waf_response_code="WAF_BLOCK",
    )
    stage.waf(N, rule="rate-limit-per-ip", rule_type="RATE_BASED")
    return stage


def _backend_429(api_type: str) -> Stage:
    routes = [http_route("GET /orders/{id}"), http_route("POST /orders")]
    stage = Stage(api_type=api_type, routes=routes)
    stage.traffic(300)
    _incident(stage, 429, integration_status=429, integration_latency=35, latency=50)
    return stage


# ---- 5xx -------------------------------------------------------------------------------------------------


def s_permission_rest() -> Stage:
    stage = healthy().with_config(
        functions=(
            LambdaFunction(
                name=FUNCTION,
                invoke_permission=False,
                permission_detail="no statement for apigateway.amazonaws.com",
            ),
        )
    )
    _incident(
        stage,
        500,
        error_message="Internal server error",
        exec_log=[
            "Execution failed due to configuration error: Invalid permissions on Lambda function",
            "Method completed with status: 500",
        ],
    )
    return stage


def s_permission_http() -> Stage:
    stage = healthy("HTTP")
    _incident(
        stage,
        500,
        error_message="Internal Server Error",
        integration_error="The IAM role configured on the integration or API Gateway doesn't have permissions to call the integration. Check the permissions and try again.",
    )
    return stage


def s_lambda_throttled() -> Stage:
    stage = healthy()
    _incident(
        stage,
        500,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_error="Execution failed due to configuration error: Rate Exceeded.",
        exec_log=[
            f"Lambda invocation failed with status: 429. Lambda request id: {RID}",
            "Execution failed due to configuration error: Rate Exceeded.",
        ],
    )
    stage.metric("AWS/Lambda", "Throttles", N, dims=f"FunctionName={FUNCTION}")
    return stage


def s_authorizer_failure_rest() -> Stage:
    stage = _with_authorizer("REST", "TOKEN")
    _incident(
        stage,
        500,
        error_type="AUTHORIZER_CONFIGURATION_ERROR",
        error_message="Authorizer configuration error",
        exec_log=[
            "Authorizer result body before parsing: null",
            "Execution failed due to configuration error: Could not parse policy",
        ],
    )
    return stage


def s_authorizer_failure_http() -> Stage:
    stage = _with_authorizer("HTTP", "REQUEST")
    _incident(
        stage,
        500,
        error_message="Internal Server Error",
        authorizer_error="The response from the Lambda authorizer is not valid",
    )
    return stage


def s_function_error_rest() -> Stage:
    stage = healthy()
    _incident(
        stage,
        502,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_error="Lambda Customer Function Error:'AZUL_S3_BUCKET'",
        integration_service_status=200,
        exec_log=f"Lambda execution failed with status 200 due to customer function error: 'AZUL_S3_BUCKET'. Lambda request id: {RID}",
    )
    stage.metric("AWS/Lambda", "Errors", N, dims=f"FunctionName={FUNCTION}")
    return stage


def s_function_error_http() -> Stage:
    stage = healthy("HTTP")
    _incident(
        stage,
        500,
        error_message="Internal Server Error",
        integration_error="The Lambda function returned the following error: KeyError: 'order_id'. Check your Lambda function code and try again.",
    )
    return stage


def s_malformed() -> Stage:
    stage = healthy()
    _incident(
        stage,
        502,
        error_message="Internal server error",
        exec_log=[
            'Endpoint response body before transformations: "Bad response"',
            "Execution failed due to configuration error: Malformed Lambda proxy response",
            "Method completed with status: 502",
        ],
    )
    return stage


def s_malformed_http() -> Stage:
    """Payload 1.0 proxy response in the wrong shape: 500 (KC api-gateway-status-codes-http-api); the message is
    the HTTP API troubleshooting wording the sandbox also emits."""
    stage = healthy("HTTP")
    _incident(
        stage,
        500,
        error_message="Internal Server Error",
        integration_error="The response from the Lambda function doesn't match the format that API Gateway expects. Check your Lambda function code and try again.",
    )
    return stage


def s_too_large_rest() -> Stage:
    stage = healthy()
    _incident(
        stage,
        502,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_error="Lambda Customer Function Error:Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        integration_service_status=200,
    )
    return stage


def s_too_large_http() -> Stage:
    stage = healthy("HTTP")
    _incident(
        stage,
        500,
        error_message="Internal Server Error",
        integration_error="The Lambda function returned the following error: Response payload size exceeded maximum allowed payload size (6291556 bytes).. Check your Lambda function code and try again.",
    )
    return stage


def _short_function_timeout(stage: Stage, seconds: float = 10) -> Stage:
    """The function's own Timeout below the integration timeout (§4.5 C50)."""
    assert stage.config is not None
    fn = replace(stage.config.functions[0], timeout_s=seconds)
    return stage.with_config(functions=(fn,))


def s_lambda_timeout_rest() -> Stage:
    """REST: the function times out first -> 502 with the timeout in the execution log's customer-function-
    error line (§15.4, verbatim shape), and no integration request id in the access log (CLF-like)."""
    stage = _short_function_timeout(healthy())
    _incident(
        stage,
        502,
        latency=10042,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_request_id=None,
        exec_log=[
            "Lambda execution failed with status 200 due to customer function error: Task timed out after "
            "10.00 seconds. Lambda request id: 5b0f3f4e-2f6c-4a53-9d0e-0a1b2c3d4e5f",
            "Method completed with status: 502",
        ],
    )
    return stage


def s_lambda_timeout_http() -> Stage:
    """HTTP API: 500 with the C50 integrationErrorMessage (§4.5, verbatim)."""
    stage = _short_function_timeout(healthy("HTTP"), 5)
    _incident(
        stage,
        500,
        latency=5030,
        error_message="Internal Server Error",
        integration_error="The Lambda function returned the following error: RequestId: "
        "5b0f3f4e-2f6c-4a53-9d0e-0a1b2c3d4e5f Error: Task timed out after 5.00 seconds. Check your Lambda "
        "function code and try again.",
    )
    return stage


def s_lambda_outlives_rest() -> Stage:
    """REST: a Lambda route at the 29 s limit -> 504 (C55): API Gateway gave up; integration-timeout."""
    stage = healthy()
    _incident(
        stage,
        504,
        latency=29010,
        error_type="INTEGRATION_TIMEOUT",
        error_message="Endpoint request timed out",
        integration_request_id=None,
        exec_log="Execution failed due to a timeout error",
    )
    return stage


def s_lambda_outlives_http() -> Stage:
    stage = healthy("HTTP")
    _incident(
        stage,
        503,
        latency=30004,
        integration_latency=30001,
        error_message="Service Unavailable",
        integration_request_id=None,
    )
    return stage


def s_init_failure_rest() -> Stage:
    """A module missing from the package: every cold start fails (INIT_REPORT ... Status: error, §15.1)."""
    stage = healthy()
    ids = _incident(
        stage,
        502,
        latency=410,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_error="Lambda Customer Function Error:Unable to import module 'app': No module named 'requests'",
    )
    for row in stage.rows[-len(ids) :]:
        stage.lambda_log(
            time=row["time"],
            kind="init",
            invocation_status="error",
            error_type="Runtime.ImportModuleError",
            init_duration_ms=380.2,
            message="INIT_REPORT Init Duration: 380.20 ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError",
        )
    return stage


def s_init_failure_http() -> Stage:
    """HTTP API, CLF-like (no integration request id): joined to the init failures by function and time."""
    stage = healthy("HTTP")
    ids = _incident(
        stage,
        500,
        latency=10060,
        error_message="Internal Server Error",
        integration_request_id=None,
    )
    for row in stage.rows[-len(ids) :]:
        stage.lambda_log(
            time=row["time"],
            kind="init",
            invocation_status="timeout",
            init_duration_ms=10000.0,
            message="INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout",
        )
    return stage


def s_integration_timeout_rest() -> Stage:
    stage = Stage(routes=[http_route("GET /orders/{id}"), http_route("POST /orders")])
    stage.traffic(300)
    _incident(
        stage,
        504,
        latency=29011,
        error_type="INTEGRATION_TIMEOUT",
        error_message="Endpoint request timed out",
    )
    return stage


def s_integration_timeout_http() -> Stage:
    stage = Stage(api_type="HTTP", routes=[http_route("GET /orders/{id}"), http_route("POST /orders")])
    stage.traffic(300)
    _incident(stage, 503, latency=29003, integration_latency=29000, error_message="Service Unavailable")
    return stage


def s_mapping_error() -> Stage:
    route = Route(
        key="GET /orders/{id}",
        integration_type="AWS",
        integration_uri="arn:aws:apigateway:us-east-1:dynamodb:action/GetItem",
    )
    stage = Stage(routes=[route, lambda_route("POST /orders")])
    stage.traffic(300)
    _incident(
        stage,
        500,
        error_message="Internal server error",
        exec_log="Execution failed due to configuration error: Output mapping refers to an invalid method response: 200",
    )
    return stage


def s_vpc_link() -> Stage:
    route = Route(
        key="GET /orders/{id}",
        integration_type="HTTP_PROXY",
        integration_uri="http://internal-nlb.example",
        connection_type="VPC_LINK",
    )
    stage = Stage(routes=[route, lambda_route("POST /orders")])
    stage.traffic(300)
    _incident(
        stage,
        500,
        error_message="Internal server error",
        exec_log="Execution failed due to configuration error: There was an internal error while executing your request",
    )
    return stage


def s_backend_tls() -> Stage:
    stage = Stage(routes=[http_route("GET /orders/{id}"), http_route("POST /orders")])
    stage.traffic(300)
    _incident(
        stage,
        500,
        error_message="Internal server error",
        exec_log="Execution failed due to configuration error: Host name 'api.internal.example.com' does not match the certificate subject provided by the peer (CN=myinstance.com)",
    )
    return stage


def s_backend_unreachable() -> Stage:
    stage = Stage(routes=[http_route("GET /orders/{id}"), http_route("POST /orders")])
    stage.traffic(300)
    _incident(
        stage,
        500,
        error_message="Internal server error",
        exec_log="Network error communicating with endpoint",
    )
    return stage


def _backend_5xx(api_type: str) -> Stage:
    stage = Stage(api_type=api_type, routes=[http_route("GET /orders/{id}"), http_route("POST /orders")])
    stage.traffic(300)
    _incident(stage, 503, integration_status=503, integration_latency=40, latency=55)
    return stage


# ---- latency ---------------------------------------------------------------------------------------------


def _slow_integration(api_type: str) -> Stage:
    stage = healthy(api_type)
    _incident(stage, 200, latency=2500, integration_latency=2450)
    return stage


def s_slow_authorizer_rest() -> Stage:
    stage = _with_authorizer("REST", "TOKEN")
    _incident(stage, 200, latency=1600, integration_latency=210, authorizer_latency=1320)
    return stage


def s_slow_authorizer_http() -> Stage:
    stage = _with_authorizer("HTTP", "JWT")
    _incident(stage, 200, latency=1500, integration_latency=100)
    return stage


def _cold_starts(api_type: str) -> Stage:
    stage = healthy(api_type)
    _incident(stage, 200, latency=2200, integration_latency=2150)
    for row in stage.rows[-N:]:
        stage.lambda_log(
            time=row["time"],
            request_id=row["integration_request_id"],
            kind="report",
            duration_ms=350,
            init_duration_ms=1800,
        )
    return stage


def s_cache_ineffective() -> Stage:
    stage = healthy().with_stage(caching_enabled=True, cache_size_gb="0.5")
    _incident(stage, 200, latency=1500, integration_latency=1450)
    stage.metric("AWS/ApiGateway", "CacheHitCount", 50, dims="ApiName=user-api,Stage=prod")
    stage.metric("AWS/ApiGateway", "CacheMissCount", 950, dims="ApiName=user-api,Stage=prod")
    return stage


# ---- any -------------------------------------------------------------------------------------------------


def s_recent_change() -> Stage:
    """502s in a console-format log (no error fields): the deployment two minutes before is the lead."""
    stage = healthy()
    stage.missing |= {
        "error_type",
        "error_message",
        "integration_error",
        "integration_status",
        "integration_latency",
        "authorizer_error",
    }
    _incident(stage, 502)
    stage.with_stage(logging_level="OFF")
    stage.checks = []
    from datetime import timedelta

    change = Change(
        time=START + timedelta(minutes=ONSET_MINUTE - 2),
        kind="deployment",
        subject="dep7x9",
        detail="CreateDeployment by ci-deployer",
    )
    return stage.with_config(changes=(change,))


def s_blind_spot() -> Stage:
    stage = healthy()
    stage.missing |= {
        "error_type",
        "error_message",
        "integration_error",
        "response_latency",
        "integration_latency",
    }
    return stage


SCENARIOS: list[tuple[str, str, Callable[[], Stage], str]] = [
    ("auth-token-expired", "REST", s_token_expired_rest, "401"),
    ("auth-token-expired", "HTTP", s_token_expired_http, "401"),
    ("auth-token-audience-mismatch", "HTTP", s_audience_http, "401"),
    ("auth-token-audience-mismatch", "REST", s_audience_rest_token, "401"),
    ("auth-token-wrong-type-or-scope", "REST", s_wrong_type_rest, "401"),
    ("auth-token-wrong-type-or-scope", "HTTP", s_wrong_scope_http, "401"),
    ("auth-token-invalid", "REST", s_token_invalid_rest, "401"),
    ("auth-token-invalid", "HTTP", s_token_invalid_http, "401"),
    ("auth-identity-source-missing", "REST", s_identity_missing_rest, "401"),
    ("auth-identity-source-missing", "HTTP", s_identity_missing_http, "401"),
    ("authorizer-unauthorized", "REST", s_authorizer_unauthorized_rest, "401"),
    ("authorizer-unauthorized", "HTTP", s_authorizer_unauthorized_http, "401"),
    ("waf-block", "REST", s_waf_block, "403"),
    ("missing-authentication-token", "REST", s_missing_auth_token, "403"),
    ("api-key-invalid", "REST", s_api_key_invalid, "403"),
    ("resource-policy-deny", "REST", s_resource_policy_deny, "403"),
    ("private-api-access", "REST", s_private_api, "403"),
    ("authorizer-deny", "REST", s_authorizer_deny_rest, "403"),
    ("authorizer-deny", "HTTP", s_authorizer_deny_http, "403"),
    ("iam-auth-failure", "REST", s_iam_rest, "403"),
    ("iam-auth-failure", "HTTP", s_iam_http, "403"),
    ("usage-plan-quota-exceeded", "REST", s_quota, "429"),
    ("usage-plan-throttled", "REST", s_key_throttled_exec, "429"),
    ("usage-plan-throttled", "REST", s_key_throttled_rate, "429"),
    ("stage-throttled", "REST", s_stage_throttled_rest, "429"),
    ("stage-throttled", "HTTP", s_stage_throttled_http, "429"),
    ("account-throttled", "REST", s_account_throttled_rest, "429"),
    ("account-throttled", "HTTP", s_account_throttled_http, "429"),
    ("waf-rate-limit", "REST", s_waf_rate_limit, "429"),
    ("waf-rate-limit", "REST", s_waf_rate_limit_403, "403"),
    ("backend-429", "REST", lambda: _backend_429("REST"), "429"),
    ("backend-429", "HTTP", lambda: _backend_429("HTTP"), "429"),
    ("lambda-permission-missing", "REST", s_permission_rest, "500"),
    ("lambda-permission-missing", "HTTP", s_permission_http, "500"),
    ("lambda-throttled", "REST", s_lambda_throttled, "500"),
    ("authorizer-failure", "REST", s_authorizer_failure_rest, "500"),
    ("authorizer-failure", "HTTP", s_authorizer_failure_http, "500"),
    ("lambda-function-error", "REST", s_function_error_rest, "502"),
    ("lambda-function-error", "HTTP", s_function_error_http, "500"),
    ("lambda-malformed-response", "REST", s_malformed, "502"),
    ("lambda-malformed-response", "HTTP", s_malformed_http, "500"),
    ("lambda-response-too-large", "REST", s_too_large_rest, "502"),
    ("lambda-response-too-large", "HTTP", s_too_large_http, "500"),
    ("lambda-timeout", "REST", s_lambda_timeout_rest, "502"),
    ("lambda-timeout", "HTTP", s_lambda_timeout_http, "500"),
    ("integration-timeout", "REST", s_lambda_outlives_rest, "504"),
    ("integration-timeout", "HTTP", s_lambda_outlives_http, "503"),
    ("lambda-init-failure", "REST", s_init_failure_rest, "502"),
    ("lambda-init-failure", "HTTP", s_init_failure_http, "500"),
    ("integration-timeout", "REST", s_integration_timeout_rest, "504"),
    ("integration-timeout", "HTTP", s_integration_timeout_http, "503"),
    ("integration-mapping-error", "REST", s_mapping_error, "500"),
    ("vpc-link-failure", "REST", s_vpc_link, "500"),
    ("backend-tls-error", "REST", s_backend_tls, "500"),
    ("backend-unreachable", "REST", s_backend_unreachable, "500"),
    ("backend-5xx", "REST", lambda: _backend_5xx("REST"), "503"),
    ("backend-5xx", "HTTP", lambda: _backend_5xx("HTTP"), "503"),
    ("slow-integration", "REST", lambda: _slow_integration("REST"), "latency"),
    ("slow-integration", "HTTP", lambda: _slow_integration("HTTP"), "latency"),
    ("slow-authorizer", "REST", s_slow_authorizer_rest, "latency"),
    ("slow-authorizer", "HTTP", s_slow_authorizer_http, "latency"),
    ("lambda-cold-starts", "REST", lambda: _cold_starts("REST"), "latency"),
    ("lambda-cold-starts", "HTTP", lambda: _cold_starts("HTTP"), "latency"),
    ("cache-ineffective", "REST", s_cache_ineffective, "latency"),
]


def _run(build: Callable[[], Stage]) -> Report:
    return diagnose(build().build(), playbooks=PLAYBOOKS)


@pytest.mark.parametrize(
    ("finding_id", "api_type", "build", "symptom"), SCENARIOS, ids=[f"{s[0]}-{s[1]}" for s in SCENARIOS]
)
def test_cause_is_ranked_first(
    finding_id: str, api_type: str, build: Callable[[], Stage], symptom: str
) -> None:
    stage = build()
    assert stage.api_type == api_type
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    assert report.findings, f"no findings; blind spots: {report.blind_spots}"
    top = report.findings[0]
    assert top.id == finding_id, [(f.id, f.share, f.count) for f in report.findings]
    assert top.symptom == symptom
    assert top.count == N
    assert top.share == 1.0
    assert top.evidence
    assert all("?" not in e.detail for e in top.evidence), top.evidence
    assert top.remediation
    assert top.docs
    assert report.exit_code("medium") == 1
    if symptom != "latency":
        assert report.triage.onset is not None
        assert report.triage.onset.minute == ONSET_MINUTE


def test_every_design_finding_id_has_a_scenario_and_a_playbook() -> None:
    design_ids = {
        *[
            "auth-identity-source-missing",
            "auth-token-expired",
            "auth-token-audience-mismatch",
            "auth-token-wrong-type-or-scope",
            "auth-token-invalid",
            "authorizer-unauthorized",
        ],
        *[
            "missing-authentication-token",
            "api-key-invalid",
            "waf-block",
            "resource-policy-deny",
            "authorizer-deny",
            "iam-auth-failure",
            "private-api-access",
        ],
        *[
            "usage-plan-quota-exceeded",
            "usage-plan-throttled",
            "stage-throttled",
            "account-throttled",
            "waf-rate-limit",
            "backend-429",
        ],
        *[
            "lambda-permission-missing",
            "lambda-throttled",
            "authorizer-failure",
            "lambda-function-error",
            "lambda-malformed-response",
        ],
        *[
            "lambda-response-too-large",
            "lambda-init-failure",
            "lambda-timeout",
            "integration-timeout",
            "integration-mapping-error",
            "vpc-link-failure",
        ],
        *[
            "backend-tls-error",
            "backend-unreachable",
            "backend-5xx",
            "slow-integration",
            "slow-authorizer",
            "lambda-cold-starts",
        ],
        *["cache-ineffective", "recent-change", "logging-blind-spot"],
    }
    in_playbooks = {spec.id for playbook in PLAYBOOKS for spec in playbook.findings}
    assert design_ids <= in_playbooks
    tested = {s[0] for s in SCENARIOS} | {"recent-change", "logging-blind-spot"}
    assert design_ids <= tested


def test_recent_change_near_the_onset_is_reported_with_its_time() -> None:
    report = _run(s_recent_change)
    top = report.findings[0]
    assert top.id == "recent-change"
    assert "deployment dep7x9 at 2026-11-24T01:10:00Z" in top.title
    assert "2.0 min before the onset" in top.title
    assert top.count == N
    assert any(f.id == "logging-blind-spot" for f in report.findings)
    assert any("$context.integration.error" in line for line in report.blind_spots)


def test_logging_blind_spot_on_a_healthy_stage_is_a_low_note_with_the_format_to_set() -> None:
    report = _run(s_blind_spot)
    assert [f.id for f in report.findings] == ["logging-blind-spot"]
    assert report.findings[0].severity == "low"
    assert report.exit_code("medium") == 0
    assert report.exit_code("low") == 1
    assert any('"integrationError":"$context.integration.error"' in line for line in report.blind_spots)
