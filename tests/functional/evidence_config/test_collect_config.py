"""`collect_config` against the moto account of tests/functional/aws/moto_world.py.

moto lacks `apigateway.GetUsage` (404) and `apigatewayv2.GetAuthorizers` (500); the first must become a
skipped check, the second is never called (authorizers are read one by one from the routes' ids). Where a
test needs GetUsage to answer, a before-call hook returns the payload AWS documents
(https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html: `items` maps a key id to one
[used, remaining] pair per day), validated against the botocore output shape first, as Stubber does.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.exceptions
import pytest
from botocore.awsrequest import AWSResponse
from botocore.validate import validate_parameters
from tests.functional.aws.moto_world import (
    ACCOUNT,
    KEY_VALUE,
    REGION,
    USER_POOL_ARN,
    USER_POOL_ISSUER,
    World,
    fresh_world,
)

from apigwops.aws.resolve import resolve_api
from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.evidence.config import collect_config
from apigwops.model import ApiConfig, Check
from apigwops.timewindow import Window

# One worker runs the whole module, so the moto account is built once (module-scoped fixture).
pytestmark = pytest.mark.xdist_group("evidence-config-world")


@pytest.fixture(scope="module")
def world(moto_server: str) -> World:
    return fresh_world(moto_server)


@pytest.fixture
def aws(world: World) -> AwsContext:
    return AwsContext(AwsSettings(endpoint_url=world.endpoint))


def now_window() -> Window:
    now = datetime.now(UTC)
    return Window(now - timedelta(minutes=30), now + timedelta(seconds=5))


def collect(
    aws: AwsContext, api: str, stage: str, window: Window | None = None
) -> tuple[ApiConfig, list[Check]]:
    return collect_config(aws, resolve_api(aws, api, stage), window or now_window())


def by_id(checks: list[Check]) -> dict[str, Check]:
    return {c.id: c for c in checks}


def canned(client: Any, operation: str, payload: dict[str, Any]) -> None:
    """Answer one operation with an AWS-shaped payload (checked against the service model) instead of moto."""
    shape = client.meta.service_model.operation_model(operation).output_shape
    validate_parameters(payload, shape)
    event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, lambda **_: (AWSResponse("https://stub", 200, {}, None), payload))


def test_rest_routes_and_authorizers(world: World, aws: AwsContext) -> None:
    config, _ = collect(aws, "user-api", "prod")
    routes = {r.key: r for r in config.routes}
    assert set(routes) == {"GET /users", "POST /orders"}
    users = routes["GET /users"]
    assert users.authorization == "COGNITO_USER_POOLS"
    assert users.authorizer_id == world.cognito_authorizer_id
    assert users.api_key_required is True
    assert users.scopes == ("users/read",)
    assert (users.integration_type, users.function_name, users.timeout_ms) == ("AWS_PROXY", "users-fn", 29000)
    assert routes["POST /orders"].authorization == "CUSTOM"

    authorizers = {a.id: a for a in config.authorizers}
    cognito = authorizers[world.cognito_authorizer_id]
    assert cognito.type == "COGNITO_USER_POOLS"
    assert cognito.provider_arns == (USER_POOL_ARN,)
    assert cognito.issuer == USER_POOL_ISSUER
    assert cognito.identity_source == ("method.request.header.Authorization",)
    assert cognito.result_ttl_s == 300
    token = authorizers[world.token_authorizer_id]
    assert (token.type, token.function_name, token.result_ttl_s) == ("TOKEN", "auth-fn", 0)


def test_rest_usage_plans_keys_account_and_policy(world: World, aws: AwsContext) -> None:
    config, checks = collect(aws, "user-api", "prod")
    # only the plan bound to prod applies; the dev-only plan does not
    (plan,) = config.usage_plans
    assert plan.id == world.plan_id
    assert (plan.rate_limit, plan.burst_limit, plan.quota_limit, plan.quota_period) == (10.0, 20, 1000, "DAY")
    assert set(plan.key_ids) == {world.key_id, world.disabled_key_id}
    keys = {k.id: k for k in config.api_keys}
    assert keys[world.key_id].enabled is True
    assert keys[world.disabled_key_id].enabled is False
    assert keys[world.key_id].value_suffix == KEY_VALUE[-4:]
    assert KEY_VALUE not in repr(config)  # the key value itself is never kept
    assert (config.account_throttle_rate, config.account_throttle_burst) == (10000.0, 5000)
    assert config.has_resource_policy is True
    assert json.loads(config.resource_policy or "")["Statement"][0]["Action"] == "execute-api:Invoke"
    # moto has no GetUsage: a skipped check saying so, and the plan still reported without usage
    usage = by_id(checks)[f"config-usage:{world.plan_id}"]
    assert usage.status == "skipped"
    assert usage.reason == "not supported by this endpoint: apigateway:GetUsage"
    assert plan.usage == {}
    # the resolution's own checks stay in resolved.checks and are not repeated here
    assert not {"config-deployments", "config-waf-acl", "config-waf-logging"} & set(by_id(checks))


def test_usage_where_get_usage_answers(world: World, aws: AwsContext) -> None:
    today = datetime.now(UTC).date().isoformat()
    canned(
        aws.client("apigateway"),
        "GetUsage",
        {
            "usagePlanId": world.plan_id,
            "startDate": today,
            "endDate": today,
            "items": {world.key_id: [[998, 2]], world.disabled_key_id: [[0, 1000]]},
        },
    )
    config, checks = collect(aws, "user-api", "prod")
    assert config.usage_plans[0].usage == {world.key_id: 998, world.disabled_key_id: 0}
    assert by_id(checks)[f"config-usage:{world.plan_id}"].status == "ok"


def test_lambda_configuration_and_invoke_permissions(world: World, aws: AwsContext) -> None:
    config, _ = collect(aws, "user-api", "prod")
    functions = {f.name: f for f in config.functions}
    assert set(functions) == {"users-fn", "orders-fn", "auth-fn"}
    users = functions["users-fn"]
    assert (users.timeout_s, users.memory_mb, users.reserved_concurrency, users.runtime) == (
        6,
        512,
        5,
        "python3.12",
    )
    assert users.invoke_permission is True
    assert functions["orders-fn"].reserved_concurrency is None
    # orders-fn only lets an older API invoke it: the classic 500 after re-creating an API
    orders = functions["orders-fn"]
    assert orders.invoke_permission is False
    assert f"{world.rest_id}/prod/POST/orders" in orders.permission_detail
    assert "oldapi1234" in orders.permission_detail
    # the authorizer's function has no resource policy at all
    assert functions["auth-fn"].invoke_permission is False
    assert "no resource policy" in functions["auth-fn"].permission_detail


def test_recent_changes(world: World, aws: AwsContext) -> None:
    config, _ = collect(aws, "user-api", "prod")
    deployments = {c.subject: c for c in config.changes if c.kind == "deployment"}
    assert set(world.deployments) <= set(deployments)
    assert deployments[world.deployments[0]].detail == "the stage runs it"
    assert deployments[world.deployments[-1]].detail == "not on prod; not on this stage"
    updated = {c.subject for c in config.changes if c.kind == "function-update"}
    assert updated == {"users-fn", "orders-fn", "auth-fn"}
    times = [c.time for c in config.changes]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)
    # a window long after every change sees none of them
    later = Window(datetime.now(UTC) + timedelta(hours=3), datetime.now(UTC) + timedelta(hours=4))
    config, _ = collect(aws, "user-api", "prod", later)
    assert config.changes == ()


def test_http_api_jwt_authorizer_read_per_id(world: World, aws: AwsContext) -> None:
    config, checks = collect(aws, "orders-http", "$default")
    (authorizer,) = config.authorizers
    assert authorizer.id == world.jwt_authorizer_id
    assert authorizer.type == "JWT"
    assert authorizer.issuer == "https://idp.example.com/"
    assert authorizer.audience == ("orders-client",)
    assert authorizer.identity_source == ("$request.header.Authorization",)
    routes = {r.key: r for r in config.routes}
    assert routes["GET /orders"].scopes == ("orders/read", "orders/admin")
    assert routes["GET /orders"].authorization == "JWT"
    assert routes["GET /health"].authorization == "NONE"
    assert routes["GET /health"].timeout_ms == 30000
    assert "apigatewayv2:GetAuthorizers" not in aws.calls  # moto 5.2.5 lacks the list call
    assert aws.calls["apigatewayv2:GetAuthorizer"] == 1
    (orders,) = config.functions
    assert orders.invoke_permission is True  # allowed by "{api-id}/*"
    assert config.usage_plans == ()
    assert "apigateway:GetUsagePlans" not in aws.calls  # HTTP APIs have no usage plans
    assert by_id(checks)[f"config-authorizer:{world.jwt_authorizer_id}"].status == "ok"


def test_a_denied_read_is_a_skipped_check_and_the_rest_is_kept(world: World, aws: AwsContext) -> None:
    def denied(**_: Any) -> None:
        raise botocore.exceptions.ClientError(
            {
                "Error": {
                    "Code": "AccessDeniedException",
                    "Message": "not authorized to perform lambda:GetPolicy",
                }
            },
            "GetPolicy",
        )

    aws.client("lambda").meta.events.register("before-call.lambda.GetPolicy", denied)
    config, checks = collect(aws, "user-api", "prod")
    checks_by_id = by_id(checks)
    for name in ("users-fn", "orders-fn", "auth-fn"):
        check = checks_by_id[f"config-lambda-policy:{name}"]
        assert check.status == "skipped"
        assert check.reason == "AccessDenied: lambda:GetPolicy"
    functions = {f.name: f for f in config.functions}
    assert functions["users-fn"].invoke_permission is None  # unknown, not "missing"
    assert functions["users-fn"].timeout_s == 6
    assert len(config.routes) == 2


def test_an_integration_pointing_at_a_deleted_function(world: World, aws: AwsContext) -> None:
    v2 = world.client("apigatewayv2")
    api_id = v2.create_api(Name="ghost-api", ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ghost-fn",
        PayloadFormatVersion="2.0",
    )
    v2.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{integration['IntegrationId']}")
    v2.create_stage(ApiId=api_id, StageName="$default")
    config, checks = collect(aws, api_id, "$default")
    (ghost,) = config.functions
    assert ghost.name == "ghost-fn"
    assert ghost.invoke_permission is False
    assert ghost.permission_detail == "the function does not exist"
    assert by_id(checks)["config-lambda:ghost-fn"].status == "ok"


def test_reads_run_concurrently(world: World, aws: AwsContext) -> None:
    # Three Lambda reads must be in flight at the same time to pass this barrier; sequential reads would
    # break it (BrokenBarrierError) and the checks would be skipped.
    barrier = threading.Barrier(3, timeout=10)

    def meet(**_: Any) -> None:
        barrier.wait()

    aws.client("lambda").meta.events.register("before-call.lambda.GetFunctionConfiguration", meet)
    config, checks = collect(aws, "user-api", "prod")
    statuses = {c.id: c.status for c in checks if c.id.startswith("config-lambda:")}
    assert statuses == {
        "config-lambda:users-fn": "ok",
        "config-lambda:orders-fn": "ok",
        "config-lambda:auth-fn": "ok",
    }
    assert {f.timeout_s for f in config.functions} == {6, 3, 5}


def test_collection_only_reads(aws: AwsContext) -> None:
    from apigwops.aws.allowlist import is_allowed

    collect(aws, "user-api", "prod")
    for call in aws.calls:
        service, operation = call.split(":")
        assert is_allowed(service, operation), call


def test_token_checked_against_the_collected_authorizer(world: World, aws: AwsContext) -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    from apigwops.evidence.token import check_token

    window = now_window()
    config, _ = collect_config(aws, resolve_api(aws, "orders-http", "$default"), window)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    exp = int((window.end + timedelta(hours=1)).timestamp())
    good = jwt.encode(
        {"iss": "https://idp.example.com/", "aud": "orders-client", "scope": "orders/read", "exp": exp},
        key,
        algorithm="RS256",
    )
    assert check_token(good, config, window, "GET /orders").problems == ()
    wrong = jwt.encode({"iss": "https://idp.example.com/", "aud": "web", "exp": exp}, key, algorithm="RS256")
    finding = check_token(wrong, config, window, "GET /orders")
    assert finding.problems == ("audience-mismatch", "missing-scope")
    assert wrong not in repr(finding)


def test_http_lambda_authorizer_function_is_read_in_a_late_round(world: World, aws: AwsContext) -> None:
    v2 = world.client("apigatewayv2")
    api_id = v2.create_api(Name="req-auth-api", ProtocolType="HTTP")["ApiId"]
    authorizer_id = v2.create_authorizer(
        ApiId=api_id,
        AuthorizerType="REQUEST",
        Name="lambda-auth",
        IdentitySource=["$request.header.X-Tenant"],
        AuthorizerUri=(
            f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{world.function_arns['auth-fn']}/invocations"
        ),
        AuthorizerPayloadFormatVersion="2.0",
        EnableSimpleResponses=True,
        AuthorizerResultTtlInSeconds=60,
    )["AuthorizerId"]
    integration = v2.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationUri="https://backend.example.com",
        IntegrationMethod="ANY",
    )
    v2.create_route(
        ApiId=api_id,
        RouteKey="ANY /{proxy+}",
        Target=f"integrations/{integration['IntegrationId']}",
        AuthorizationType="CUSTOM",
        AuthorizerId=authorizer_id,
    )
    v2.create_stage(ApiId=api_id, StageName="live")
    world.client("lambda").add_permission(
        FunctionName="auth-fn",
        StatementId="http-authorizer",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/authorizers/{authorizer_id}",
    )
    try:
        config, checks = collect(aws, api_id, "live")
    finally:  # leave auth-fn without a policy for the other tests of this module
        world.client("lambda").remove_permission(FunctionName="auth-fn", StatementId="http-authorizer")
    (authorizer,) = config.authorizers
    assert (authorizer.type, authorizer.function_name, authorizer.result_ttl_s) == ("REQUEST", "auth-fn", 60)
    assert authorizer.identity_source == ("$request.header.X-Tenant",)
    (route,) = config.routes
    assert (route.integration_type, route.function_name) == ("HTTP_PROXY", None)
    (function,) = config.functions
    assert function.name == "auth-fn"
    assert function.invoke_permission is True
    assert by_id(checks)["config-lambda-policy:auth-fn"].status == "ok"
