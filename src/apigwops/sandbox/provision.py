"""Provision, in moto, what a real account behind the sandbox would hold.

A REST API and an HTTP API with the same routes (Lambda proxy integrations), a stage `prod` on each with the
§8.4 access-log format and (REST) INFO execution logging, the Lambda function, a Cognito user pool whose
app client is the JWT audience, the four usage-plan tiers with one API key each, and a WAF web ACL on the
REST stage with logging to `aws-waf-logs-*`. Each API carries the `apigwops:sandbox-url` tag with its local
stage URL, which API resolution uses as the invoke URL.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apigwops.sandbox import constants as c
from apigwops.sandbox.alarms import provision_alarms
from apigwops.sandbox.config_faults import add_invoke_permissions
from apigwops.sandbox.loopback import loopback_client

HANDLER_SOURCE = b"def handler(event, context):\n    return {'statusCode': 200, 'body': '{}'}\n"


@dataclass
class Provisioned:
    """Ids and ARNs the local stage needs to log and answer the way AWS would for these resources."""

    rest_api_id: str
    http_api_id: str
    function_arn: str
    user_pool_id: str
    client_id: str
    issuer: str
    rest_authorizer_id: str
    http_authorizer_id: str
    web_acl_arn: str
    web_acl_id: str
    keys: dict[str, str]  # tier -> key value
    key_ids: dict[str, str]  # tier -> key id
    usage_plan_ids: dict[str, str]  # tier -> usage plan id
    resource_ids: dict[str, str]  # REST resource path -> resource id
    route_ids: dict[str, str] = field(default_factory=dict)  # HTTP route key -> route id
    log_groups: dict[str, str] = field(default_factory=dict)
    alarm_names: list[str] = field(default_factory=list)  # the seed's recommended alarms (sandbox/alarms.py)


def provision(endpoint: str, stage_urls: dict[str, str]) -> Provisioned:
    """Create everything; `stage_urls` maps "REST"/"HTTP" to the local stage base URLs for the tags."""
    client: Callable[[str], Any] = lambda service: loopback_client(service, endpoint, c.REGION)  # noqa: E731
    function_arn = _lambda(client("iam"), client("lambda"))
    pool_id, client_id, pool_arn = _cognito(client("cognito-idp"))
    issuer = f"https://cognito-idp.{c.REGION}.amazonaws.com/{pool_id}"
    apig = client("apigateway")
    rest_api_id, resource_ids, rest_auth = _rest_api(apig, function_arn, pool_arn, stage_urls["REST"])
    keys, key_ids, plan_ids = _usage_plans(apig, rest_api_id)
    http_api_id, route_ids, http_auth = _http_api(
        client("apigatewayv2"), function_arn, issuer, client_id, stage_urls["HTTP"]
    )
    add_invoke_permissions(client("lambda"), rest_api_id, http_api_id)
    _account_logging_role(client("iam"), apig)
    groups = c.log_group_names(rest_api_id)
    _log_groups(client("logs"), groups)
    _stage_logging(apig, client("apigatewayv2"), rest_api_id, http_api_id, groups)
    acl_arn, acl_id = _web_acl(client("wafv2"), rest_api_id, groups["waf"])
    alarm_names = provision_alarms(client("cloudwatch"), rest_api_id, http_api_id)
    return Provisioned(
        rest_api_id=rest_api_id,
        http_api_id=http_api_id,
        function_arn=function_arn,
        user_pool_id=pool_id,
        client_id=client_id,
        issuer=issuer,
        rest_authorizer_id=rest_auth,
        http_authorizer_id=http_auth,
        web_acl_arn=acl_arn,
        web_acl_id=acl_id,
        keys=keys,
        key_ids=key_ids,
        usage_plan_ids=plan_ids,
        resource_ids=resource_ids,
        route_ids=route_ids,
        log_groups=groups,
        alarm_names=alarm_names,
    )


def _lambda(iam: Any, lam: Any) -> str:
    role = iam.create_role(
        RoleName=f"{c.FUNCTION_NAME}-role",
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    )["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", HANDLER_SOURCE)
    fn = lam.create_function(
        FunctionName=c.FUNCTION_NAME,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
        Timeout=c.FUNCTION_TIMEOUT_S,
        MemorySize=c.FUNCTION_MEMORY_MB,
    )
    return str(fn["FunctionArn"])


def _cognito(idp: Any) -> tuple[str, str, str]:
    pool = idp.create_user_pool(PoolName=c.USER_POOL_NAME)["UserPool"]
    app = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName=c.USER_POOL_CLIENT_NAME)
    return str(pool["Id"]), str(app["UserPoolClient"]["ClientId"]), str(pool["Arn"])


def _lambda_uri(function_arn: str) -> str:
    return f"arn:aws:apigateway:{c.REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def _rest_api(apig: Any, function_arn: str, pool_arn: str, url: str) -> tuple[str, dict[str, str], str]:
    api = apig.create_rest_api(
        name=c.REST_API_NAME,
        description="apigwops sandbox REST API",
        apiKeySource="HEADER",
        endpointConfiguration={"types": ["REGIONAL"]},
        tags={c.URL_TAG: url},
    )
    api_id = str(api["id"])
    authorizer = apig.create_authorizer(
        restApiId=api_id,
        name="cognito-users",
        type="COGNITO_USER_POOLS",
        providerARNs=[pool_arn],
        identitySource="method.request.header.Authorization",
    )["id"]
    resources = {r["path"]: r["id"] for r in apig.get_resources(restApiId=api_id)["items"]}
    for route in c.ROUTES:
        parent = "/"
        for part in route.path.strip("/").split("/"):
            path = parent.rstrip("/") + "/" + part
            if path not in resources:
                made = apig.create_resource(restApiId=api_id, parentId=resources[parent], pathPart=part)
                resources[path] = made["id"]
            parent = path
        auth = {"authorizationType": "COGNITO_USER_POOLS", "authorizerId": authorizer} if route.auth else {}
        apig.put_method(
            restApiId=api_id,
            resourceId=resources[route.path],
            httpMethod=route.method,
            apiKeyRequired=route.api_key,
            **({"authorizationType": "NONE"} | auth),
        )
        apig.put_integration(
            restApiId=api_id,
            resourceId=resources[route.path],
            httpMethod=route.method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=_lambda_uri(function_arn),
            timeoutInMillis=c.REST_INTEGRATION_TIMEOUT_MS,
        )
    apig.create_deployment(restApiId=api_id, stageName=c.STAGE, description="sandbox")
    return api_id, resources, str(authorizer)


def _usage_plans(apig: Any, api_id: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    keys: dict[str, str] = {}
    key_ids: dict[str, str] = {}
    plans: dict[str, str] = {}
    for tier in c.TIERS:
        extra: dict[str, Any] = {}
        if tier.quota_per_month is not None:
            extra["quota"] = {"limit": tier.quota_per_month, "offset": 0, "period": "MONTH"}
        plan = apig.create_usage_plan(
            name=f"{tier.name}-tier",
            description=f"{tier.name} tier",
            apiStages=[{"apiId": api_id, "stage": c.STAGE}],
            throttle={"rateLimit": tier.rate_per_s, "burstLimit": tier.burst},
            **extra,
        )
        key = apig.create_api_key(name=f"{tier.name}-key", enabled=True, tags={"tier": tier.name})
        apig.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        keys[tier.name], key_ids[tier.name], plans[tier.name] = key["value"], key["id"], plan["id"]
    return keys, key_ids, plans


def _http_api(
    v2: Any, function_arn: str, issuer: str, client_id: str, url: str
) -> tuple[str, dict[str, str], str]:
    api = v2.create_api(Name=c.HTTP_API_NAME, ProtocolType="HTTP", Tags={c.URL_TAG: url})
    api_id = str(api["ApiId"])
    authorizer = v2.create_authorizer(
        ApiId=api_id,
        Name="cognito-jwt",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Audience": [client_id], "Issuer": issuer},
    )["AuthorizerId"]
    integration = v2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=function_arn,
        PayloadFormatVersion="2.0",
        TimeoutInMillis=c.HTTP_INTEGRATION_TIMEOUT_MS,
    )["IntegrationId"]
    routes: dict[str, str] = {}
    for route in c.ROUTES:
        auth = {"AuthorizationType": "JWT", "AuthorizerId": authorizer} if route.auth else {}
        made = v2.create_route(
            ApiId=api_id, RouteKey=route.route_key, Target=f"integrations/{integration}", **auth
        )
        routes[route.route_key] = made["RouteId"]
    return api_id, routes, str(authorizer)


def _account_logging_role(iam: Any, apig: Any) -> None:
    """The account-level CloudWatch role REST execution/access logging needs (§9.1, RLOG)."""
    role = iam.create_role(
        RoleName="apigateway-cloudwatch-logs",
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    )["Role"]["Arn"]
    # moto lacks the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs; the same actions, inline.
    iam.put_role_policy(
        RoleName="apigateway-cloudwatch-logs",
        PolicyName="push-to-cloudwatch-logs",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*","Action":['
        '"logs:CreateLogGroup","logs:CreateLogStream","logs:DescribeLogGroups","logs:DescribeLogStreams",'
        '"logs:PutLogEvents","logs:GetLogEvents","logs:FilterLogEvents"]}]}',
    )
    apig.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}])


def _log_groups(logs: Any, groups: dict[str, str]) -> None:
    for name in groups.values():
        logs.create_log_group(logGroupName=name)


def _stage_logging(apig: Any, v2: Any, rest_id: str, http_id: str, groups: dict[str, str]) -> None:
    apig.update_stage(
        restApiId=rest_id,
        stageName=c.STAGE,
        patchOperations=[
            {
                "op": "replace",
                "path": "/accessLogSettings/destinationArn",
                "value": c.log_group_arn(groups["rest-access"]),
            },
            {"op": "replace", "path": "/accessLogSettings/format", "value": c.REST_ACCESS_LOG_FORMAT},
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
            {"op": "replace", "path": "/*/*/metrics/enabled", "value": "false"},
        ],
    )
    v2.create_stage(
        ApiId=http_id,
        StageName=c.STAGE,
        AutoDeploy=True,
        AccessLogSettings={
            "DestinationArn": c.log_group_arn(groups["http-access"]),
            "Format": c.HTTP_ACCESS_LOG_FORMAT,
        },
    )


def _web_acl(waf: Any, rest_api_id: str, log_group: str) -> tuple[str, str]:
    from apigwops.sandbox.waf import web_acl_rules

    acl = waf.create_web_acl(
        Name=c.WEB_ACL_NAME,
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        Rules=web_acl_rules(),
        VisibilityConfig={
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": c.WEB_ACL_NAME,
        },
    )["Summary"]
    stage_arn = f"arn:aws:apigateway:{c.REGION}::/restapis/{rest_api_id}/stages/{c.STAGE}"
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=stage_arn)
    waf.put_logging_configuration(
        LoggingConfiguration={
            "ResourceArn": acl["ARN"],
            "LogDestinationConfigs": [c.log_group_arn(log_group)],
            "RedactedFields": [
                {"SingleHeader": {"Name": "authorization"}},
                {"SingleHeader": {"Name": "x-api-key"}},
            ],
        }
    )
    return str(acl["ARN"]), str(acl["Id"])
