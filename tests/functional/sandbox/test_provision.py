"""What the sandbox provisions in moto is readable with plain boto3, the way diagnose reads a real account."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.functional.sandbox.helpers import call, client

pytestmark = pytest.mark.xdist_group("sandbox-provision")  # one sandbox per module and worker


@pytest.fixture(scope="module")
def shared(moto_server: str) -> Iterator[Any]:
    """A sandbox on the suite's shared moto server (the `moto_endpoint` option of `Sandbox.start`)."""
    import urllib.request

    from apigwops.sandbox import Sandbox

    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=10)
    sb = Sandbox.start(moto_endpoint=moto_server, seed=1)
    try:
        yield sb
    finally:
        sb.stop()


def test_rest_api_stage_and_usage_plans(shared: Any) -> None:
    from apigwops.sandbox.constants import REST_ACCESS_LOG_FORMAT

    apig = client(shared, "apigateway")
    (api,) = [a for a in apig.get_rest_apis()["items"] if a["name"] == "user-api"]
    assert api["id"] == shared.rest.api_id
    assert api["tags"]["apigwops:sandbox-url"] == shared.rest.url
    stage = apig.get_stage(restApiId=api["id"], stageName="prod")
    assert stage["accessLogSettings"]["format"] == REST_ACCESS_LOG_FORMAT
    assert stage["accessLogSettings"]["destinationArn"].endswith(":log-group:/aws/apigateway/user-api/prod")
    assert stage["methodSettings"]["*/*"]["loggingLevel"] == "INFO"
    paths = {r["path"]: r for r in apig.get_resources(restApiId=api["id"])["items"]}
    assert {"/health", "/users", "/users/{id}", "/orders"} <= set(paths)
    method = apig.get_method(restApiId=api["id"], resourceId=paths["/orders"]["id"], httpMethod="POST")
    assert method["apiKeyRequired"] is True
    assert method["authorizationType"] == "COGNITO_USER_POOLS"
    integration = apig.get_integration(
        restApiId=api["id"], resourceId=paths["/users"]["id"], httpMethod="GET"
    )
    assert integration["type"] == "AWS_PROXY"
    assert integration["timeoutInMillis"] == 29000
    plans = {p["name"]: p for p in apig.get_usage_plans()["items"]}
    assert plans["free-tier"]["quota"]["limit"] == 1000
    assert plans["free-tier"]["throttle"] == {"rateLimit": 5.0, "burstLimit": 10}
    assert plans["premium-tier"]["throttle"] == {"rateLimit": 1000.0, "burstLimit": 2000}
    assert "quota" not in plans["internal-tier"]
    for tier, key in shared.keys.items():
        keys = apig.get_usage_plan_keys(usagePlanId=plans[f"{tier}-tier"]["id"])["items"]
        assert [k["value"] for k in keys] == [key]
    # The keys work on the stage: what moto holds is what the stage enforces.
    assert call(shared.rest.url + "/users", headers={"x-api-key": shared.keys["basic"]}).status == 200


def test_http_api_lambda_cognito_waf_and_log_groups(shared: Any) -> None:
    v2 = client(shared, "apigatewayv2")
    (api,) = [a for a in v2.get_apis()["Items"] if a["Name"] == "user-http-api"]
    assert api["Tags"]["apigwops:sandbox-url"] == shared.http.url
    routes = {r["RouteKey"]: r for r in v2.get_routes(ApiId=api["ApiId"])["Items"]}
    assert routes["POST /orders"]["AuthorizationType"] == "JWT"
    authorizer = v2.get_authorizer(ApiId=api["ApiId"], AuthorizerId=routes["POST /orders"]["AuthorizerId"])
    assert authorizer["JwtConfiguration"]["Issuer"] == shared.provisioned.issuer
    stage = v2.get_stage(ApiId=api["ApiId"], StageName="prod")
    assert json.loads(stage["AccessLogSettings"]["Format"])["routeKey"] == "$context.routeKey"
    lam = client(shared, "lambda")
    fn = lam.get_function_configuration(FunctionName="user-api-handler")
    assert (fn["Timeout"], fn["MemorySize"]) == (10, 256)
    # §15.3: the log format is part of the function's configuration; current text is a new function's default
    assert fn["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/user-api-handler"}
    orders = lam.get_function_configuration(FunctionName="orders-api-handler")
    assert orders["Timeout"] == 60  # above the 29/30 s integration timeouts: API Gateway gives up first
    integrations = {
        r["RouteKey"]: v2.get_integration(ApiId=api["ApiId"], IntegrationId=r["Target"].split("/")[1])
        for r in routes.values()
    }
    assert integrations["POST /orders"]["IntegrationUri"] == orders["FunctionArn"]
    assert integrations["GET /users/{id}"]["IntegrationUri"] == fn["FunctionArn"]
    policy = json.loads(lam.get_policy(FunctionName="user-api-handler")["Policy"])
    sources = {s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"]}
    assert f"arn:aws:execute-api:us-east-1:123456789012:{shared.rest.api_id}/*" in sources
    account = client(shared, "apigateway").get_account()
    assert account["cloudwatchRoleArn"].endswith(":role/apigateway-cloudwatch-logs")
    pool = client(shared, "cognito-idp").describe_user_pool(UserPoolId=shared.provisioned.user_pool_id)
    assert shared.provisioned.issuer.endswith(pool["UserPool"]["Id"])
    waf = client(shared, "wafv2")
    stage_arn = f"arn:aws:apigateway:us-east-1::/restapis/{shared.rest.api_id}/stages/prod"
    acl = waf.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]
    assert {r["Name"] for r in acl["Rules"]} == {
        "GeoBlock",
        "RateLimitPerIP",
        "AWS-AWSManagedRulesSQLiRuleSet",
        "AWS-AWSManagedRulesCommonRuleSet",
        "AWS-AWSManagedRulesKnownBadInputsRuleSet",
        "CaptchaHeadlessBrowsers",
        "ChallengeScrapers",
    }
    rules = {r["Name"]: r for r in acl["Rules"]}
    assert rules["CaptchaHeadlessBrowsers"]["Action"] == {"Captcha": {}}  # §15.6
    assert rules["ChallengeScrapers"]["Action"] == {"Challenge": {}}
    bad_inputs = rules["AWS-AWSManagedRulesKnownBadInputsRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert bad_inputs["RuleActionOverrides"] == [
        {"Name": "Host_localhost_HEADER", "ActionToUse": {"Count": {}}}
    ]
    logging = waf.get_logging_configuration(ResourceArn=acl["ARN"])["LoggingConfiguration"]
    assert logging["LogDestinationConfigs"][0].endswith(":log-group:aws-waf-logs-user-api")
    groups = {g["logGroupName"] for g in client(shared, "logs").describe_log_groups()["logGroups"]}
    assert {
        "/aws/apigateway/user-api/prod",
        "/aws/apigateway/user-http-api/prod",
        f"API-Gateway-Execution-Logs_{shared.rest.api_id}/prod",
        "/aws/lambda/user-api-handler",
        "aws-waf-logs-user-api",
    } <= groups


def test_env_points_plain_boto3_at_the_sandbox(shared: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    for name, value in shared.env().items():
        monkeypatch.setenv(name, value)
    names = [a["name"] for a in boto3.client("apigateway").get_rest_apis()["items"]]
    assert "user-api" in names


def test_deploy_is_visible_as_a_recent_change(shared: Any) -> None:
    apig, lam = client(shared, "apigateway"), client(shared, "lambda")
    before = lam.get_function_configuration(FunctionName="user-api-handler")["LastModified"]
    deployment_id = shared.deploy("bump handler to v2")
    stage = apig.get_stage(restApiId=shared.rest.api_id, stageName="prod")
    assert stage["deploymentId"] == deployment_id
    assert stage["accessLogSettings"]["destinationArn"].endswith("/aws/apigateway/user-api/prod")  # kept
    assert stage["methodSettings"]["*/*"]["loggingLevel"] == "INFO"
    deployments = apig.get_deployments(restApiId=shared.rest.api_id)["items"]
    assert any(d["id"] == deployment_id and d["description"] == "bump handler to v2" for d in deployments)
    after = lam.get_function_configuration(FunctionName="user-api-handler")
    assert after["Description"] == "bump handler to v2"
    assert after["LastModified"] >= before
