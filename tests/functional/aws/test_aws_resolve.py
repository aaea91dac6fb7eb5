"""`resolve_api` against a moto account holding REST, HTTP and WebSocket APIs (see moto_world.py)."""

from __future__ import annotations

import pytest
from tests.functional.aws.moto_world import ACCESS_FORMAT, REGION, World, fresh_world

from apigwops.aws.resolve import resolve_api
from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.errors import CredentialsError, ExitCode, NotFoundError, ServiceError, UsageError

# One worker runs the whole module, so the moto account is built once (module-scoped fixture).
pytestmark = pytest.mark.xdist_group("aws-resolve-world")


@pytest.fixture(scope="module")
def world(moto_server: str) -> World:
    return fresh_world(moto_server)


@pytest.fixture
def aws(world: World) -> AwsContext:
    return AwsContext(AwsSettings(endpoint_url=world.endpoint))


def test_rest_api_by_name(world: World, aws: AwsContext) -> None:
    resolved = resolve_api(aws, "user-api", "prod")
    info = resolved.info
    assert (info.id, info.name, info.type, info.stage, info.region) == (
        world.rest_id,
        "user-api",
        "REST",
        "prod",
        REGION,
    )
    assert info.endpoint == f"https://{world.rest_id}.execute-api.{REGION}.amazonaws.com/prod"
    stage = resolved.stage
    assert stage.access_log_destination == "/aws/apigateway/user-api"  # the name, not the ARN
    assert stage.access_log_format == ACCESS_FORMAT
    assert stage.execution_log_group == f"API-Gateway-Execution-Logs_{world.rest_id}/prod"
    assert stage.logging_level == "INFO"
    assert stage.detailed_metrics is True
    assert (stage.throttle_rate, stage.throttle_burst) == (100.0, 50)
    assert stage.caching_enabled is True
    assert stage.cache_size_gb == "0.5"
    assert stage.web_acl_arn == world.web_acl_arn
    assert stage.waf_log_group == "aws-waf-logs-user-api"
    # prod runs the first deployment; a later one exists that was never put on prod
    assert stage.deployment_id == world.deployments[0]
    assert stage.latest_deployment_id == world.deployments[-1]
    assert {d["id"] for d in resolved.deployments} >= set(world.deployments)
    assert resolved.raw_api["id"] == world.rest_id
    assert resolved.raw_stage["stageName"] == "prod"
    statuses = {c.id: c.status for c in resolved.checks}
    assert statuses == {"config-deployments": "ok", "config-waf-acl": "ok", "config-waf-logging": "ok"}


def test_resolution_is_read_only_and_takes_few_calls(aws: AwsContext) -> None:
    resolve_api(aws, "user-api", "prod")
    assert set(aws.calls) == {
        "apigateway:GetRestApis",
        "apigatewayv2:GetApis",
        "apigateway:GetStage",
        "apigateway:GetDeployments",
        "wafv2:GetWebACLForResource",
        "wafv2:GetLoggingConfiguration",
    }
    assert aws.api_calls == 6


def test_stage_without_waf_or_access_logs(world: World, aws: AwsContext) -> None:
    stage = resolve_api(aws, world.rest_id, "dev").stage
    assert stage.web_acl_arn is None
    assert stage.waf_log_group is None
    assert stage.access_log_destination is None
    assert stage.logging_level == "OFF"


def test_http_api_default_stage(world: World, aws: AwsContext) -> None:
    resolved = resolve_api(aws, world.http_id, "$default")
    assert resolved.info.type == "HTTP"
    assert resolved.info.name == "orders-http"
    # the $default stage has no stage segment in its URL
    assert resolved.info.endpoint == f"https://{world.http_id}.execute-api.{REGION}.amazonaws.com"
    stage = resolved.stage
    assert stage.access_log_destination == "/aws/http/orders"
    assert stage.execution_log_group is None  # HTTP APIs have no execution logs
    assert stage.logging_level is None
    assert (stage.throttle_rate, stage.throttle_burst) == (50.0, 10)
    assert stage.web_acl_arn is None  # WAF cannot protect HTTP APIs; not even asked
    assert not any(key.startswith("wafv2:") for key in aws.calls)
    # moto 5.2.5 answers apigatewayv2 GetDeployments with 404: a skipped check, not a failure
    (check,) = resolved.checks
    assert check.id == "config-deployments"
    assert check.status == "skipped"
    assert check.reason == "not supported by this endpoint: apigatewayv2:GetDeployments"


def test_websocket_api_uses_the_sandbox_url_tag(world: World, aws: AwsContext) -> None:
    resolved = resolve_api(aws, "CHAT-WS", "prod")  # names match case-insensitively when unambiguous
    assert resolved.info.type == "WEBSOCKET"
    assert resolved.info.id == world.ws_id
    assert resolved.info.endpoint == "ws://127.0.0.1:9999/prod"
    assert resolved.stage.execution_log_group == f"API-Gateway-Execution-Logs_{world.ws_id}/prod"
    assert resolved.stage.logging_level == "ERROR"


def test_unknown_api_lists_close_matches(world: World, aws: AwsContext) -> None:
    with pytest.raises(NotFoundError) as info:
        resolve_api(aws, "user-apj", "prod")
    assert info.value.exit_code == ExitCode.USAGE
    assert f"user-api ({world.rest_id}, REST)" in info.value.message
    assert "close matches" in info.value.message
    assert "\n" not in info.value.message


def test_unknown_api_without_close_match_lists_what_exists(aws: AwsContext) -> None:
    with pytest.raises(NotFoundError) as info:
        resolve_api(aws, "zzzzzz", "prod")
    for name in ("user-api", "orders-http", "chat-ws"):
        assert name in info.value.message


def test_unknown_stage_lists_the_stages(aws: AwsContext) -> None:
    with pytest.raises(NotFoundError) as info:
        resolve_api(aws, "user-api", "prd")
    assert "its stages: dev, prod" in info.value.message
    assert info.value.hint == "did you mean --stage prod?"
    with pytest.raises(NotFoundError, match=r"its stages: \$default"):
        resolve_api(aws, "orders-http", "prod")


def test_ambiguous_name_is_refused_with_the_ids(world: World, aws: AwsContext) -> None:
    rest_twin = world.client("apigateway").create_rest_api(name="twin")["id"]
    http_twin = world.client("apigatewayv2").create_api(Name="twin", ProtocolType="HTTP")["ApiId"]
    with pytest.raises(UsageError) as info:
        resolve_api(aws, "twin", "prod")
    assert not isinstance(info.value, NotFoundError)
    assert f"twin ({rest_twin}, REST)" in info.value.message
    assert f"twin ({http_twin}, HTTP)" in info.value.message
    assert info.value.hint == "pass the API id with --api"


def test_empty_arguments_are_usage_errors(aws: AwsContext) -> None:
    with pytest.raises(UsageError, match="--api"):
        resolve_api(aws, "  ", "prod")
    with pytest.raises(UsageError, match="--stage"):
        resolve_api(aws, "user-api", "")
    assert aws.api_calls == 0


def test_rejected_credentials_end_resolution_with_253(world: World, aws: AwsContext) -> None:
    def expired(**_: object) -> None:
        import botocore.exceptions

        raise botocore.exceptions.ClientError(
            {
                "Error": {
                    "Code": "ExpiredTokenException",
                    "Message": "The security token included in the request is expired",
                }
            },
            "GetRestApis",
        )

    aws.client("apigateway").meta.events.register("before-call.api-gateway.GetRestApis", expired)
    with pytest.raises(CredentialsError) as info:
        resolve_api(aws, "user-api", "prod")
    assert info.value.exit_code == 253


def test_unreachable_endpoint_ends_resolution_with_254() -> None:
    from tests.functional.aws.test_aws_session_moto import closed_port_url

    with pytest.raises(ServiceError) as info:
        resolve_api(AwsContext(AwsSettings(endpoint_url=closed_port_url())), "user-api", "prod")
    assert info.value.exit_code == 254
    assert "cannot reach" in info.value.message


def test_denied_waf_lookup_is_a_skipped_check_not_a_failure(world: World, aws: AwsContext) -> None:
    def denied(**_: object) -> None:
        import botocore.exceptions

        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, "GetWebACLForResource"
        )

    aws.client("wafv2").meta.events.register("before-call.wafv2.GetWebACLForResource", denied)
    resolved = resolve_api(aws, "user-api", "prod")
    checks = {c.id: c for c in resolved.checks}
    assert checks["config-waf-acl"].status == "skipped"
    assert checks["config-waf-acl"].reason == "AccessDenied: wafv2:GetWebACLForResource"
    # the stage itself still names its web ACL; only the WAF log group stays unknown
    assert resolved.stage.web_acl_arn == world.web_acl_arn
    assert resolved.stage.waf_log_group is None


def test_rest_api_tagged_by_the_sandbox_resolves_to_the_local_stage(world: World, aws: AwsContext) -> None:
    apig = world.client("apigateway")
    api_id = apig.create_rest_api(
        name="sandboxed", tags={"apigwops:sandbox-url": "http://127.0.0.1:5555/prod"}
    )["id"]
    root = apig.get_resources(restApiId=api_id)["items"][0]["id"]
    apig.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apig.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    apig.create_deployment(restApiId=api_id, stageName="prod")
    assert resolve_api(aws, "sandboxed", "prod").info.endpoint == "http://127.0.0.1:5555/prod"
