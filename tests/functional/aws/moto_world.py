"""An account in moto that looks like a real one: REST, HTTP and WebSocket APIs with what diagnosis reads.

Written with plain boto3 clients (writes are fine in tests); apigwops then reads it through its read-only
`AwsContext`. Shapes follow the AWS API references; moto 5.2.5 quirks met while writing this:
`apigatewayv2.get_authorizers` is not implemented (500), `apigatewayv2.get_deployments` and
`apigateway.get_usage` answer 404, `wafv2.associate_web_acl` accepts a REST stage ARN and `get_stage` then
reports `webAclArn`.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any

import boto3

REGION = "us-east-1"
ACCOUNT = "123456789012"
ACCESS_FORMAT = (
    '{"requestId":"$context.requestId","status":"$context.status",'
    '"integrationError":"$context.integration.error","responseLatency":"$context.responseLatency"}'
)
USER_POOL_ARN = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_AbCdEf123"
USER_POOL_ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_AbCdEf123"
JWT_ISSUER = "https://idp.example.com/"
KEY_VALUE = "k3yV4lueThatMustNeverBePrinted9Zq7"


@dataclass
class World:
    endpoint: str
    rest_id: str = ""
    http_id: str = ""
    ws_id: str = ""
    cognito_authorizer_id: str = ""
    token_authorizer_id: str = ""
    jwt_authorizer_id: str = ""
    key_id: str = ""
    disabled_key_id: str = ""
    plan_id: str = ""
    other_plan_id: str = ""
    web_acl_arn: str = ""
    deployments: list[str] = field(default_factory=list)
    function_arns: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        # explicit fake credentials: module-scoped fixtures run before the autouse credential guard
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
    return buf.getvalue()


def make_functions(world: World) -> None:
    iam = world.client("iam")
    role = iam.create_role(
        RoleName="fn-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    lam = world.client("lambda")
    for name, timeout, memory in (("users-fn", 6, 512), ("orders-fn", 3, 128), ("auth-fn", 5, 128)):
        fn = lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": _zip()},
            Timeout=timeout,
            MemorySize=memory,
        )
        world.function_arns[name] = fn["FunctionArn"]
    lam.put_function_concurrency(FunctionName="users-fn", ReservedConcurrentExecutions=5)


def _lambda_uri(function_arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def make_rest_api(world: World, name: str = "user-api") -> None:
    apig = world.client("apigateway")
    api = apig.create_rest_api(
        name=name,
        tags={"team": "identity"},
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}
                ],
            }
        ),
    )
    rid = world.rest_id = api["id"]
    root = next(r["id"] for r in apig.get_resources(restApiId=rid)["items"] if r["path"] == "/")
    users = apig.create_resource(restApiId=rid, parentId=root, pathPart="users")["id"]
    orders = apig.create_resource(restApiId=rid, parentId=root, pathPart="orders")["id"]
    world.cognito_authorizer_id = apig.create_authorizer(
        restApiId=rid,
        name="cognito",
        type="COGNITO_USER_POOLS",
        providerARNs=[USER_POOL_ARN],
        identitySource="method.request.header.Authorization",
        authorizerResultTtlInSeconds=300,
    )["id"]
    world.token_authorizer_id = apig.create_authorizer(
        restApiId=rid,
        name="token-auth",
        type="TOKEN",
        authorizerUri=_lambda_uri(world.function_arns["auth-fn"]),
        identitySource="method.request.header.X-Token",
        authorizerResultTtlInSeconds=0,
    )["id"]
    apig.put_method(
        restApiId=rid,
        resourceId=users,
        httpMethod="GET",
        authorizationType="COGNITO_USER_POOLS",
        authorizerId=world.cognito_authorizer_id,
        apiKeyRequired=True,
        authorizationScopes=["users/read"],
    )
    apig.put_integration(
        restApiId=rid,
        resourceId=users,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=_lambda_uri(world.function_arns["users-fn"]),
        timeoutInMillis=29000,
    )
    apig.put_method(
        restApiId=rid,
        resourceId=orders,
        httpMethod="POST",
        authorizationType="CUSTOM",
        authorizerId=world.token_authorizer_id,
    )
    apig.put_integration(
        restApiId=rid,
        resourceId=orders,
        httpMethod="POST",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=_lambda_uri(world.function_arns["orders-fn"]),
        timeoutInMillis=5000,
    )
    world.deployments.append(apig.create_deployment(restApiId=rid, stageName="prod")["id"])
    apig.create_deployment(restApiId=rid, stageName="dev")
    # A later deployment that prod does not run: the "change not deployed" signal. createdDate has one-second
    # resolution (in moto as in AWS), so wait for the clock to tick to make "later" unambiguous.
    time.sleep(1.05)
    world.deployments.append(apig.create_deployment(restApiId=rid, description="not on prod")["id"])
    apig.update_stage(
        restApiId=rid,
        stageName="prod",
        patchOperations=[
            {
                "op": "replace",
                "path": "/accessLogSettings/destinationArn",
                "value": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/apigateway/user-api",
            },
            {"op": "replace", "path": "/accessLogSettings/format", "value": ACCESS_FORMAT},
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
            {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "50"},
            {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
            {"op": "replace", "path": "/cacheClusterSize", "value": "0.5"},
        ],
    )
    # Lambda permissions: users-fn allows this API, orders-fn allows another API only, auth-fn has none.
    lam = world.client("lambda")
    lam.add_permission(
        FunctionName="users-fn",
        StatementId="apigw-users",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{rid}/*/GET/users",
    )
    lam.add_permission(
        FunctionName="orders-fn",
        StatementId="apigw-old-api",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:oldapi1234/*/POST/orders",
    )


def make_usage_plans(world: World) -> None:
    apig = world.client("apigateway")
    key = apig.create_api_key(name="partner-key", enabled=True, value=KEY_VALUE)
    world.key_id = key["id"]
    world.disabled_key_id = apig.create_api_key(name="old-key", enabled=False)["id"]
    plan = apig.create_usage_plan(
        name="basic",
        apiStages=[{"apiId": world.rest_id, "stage": "prod"}],
        throttle={"rateLimit": 10.0, "burstLimit": 20},
        quota={"limit": 1000, "period": "DAY"},
    )
    world.plan_id = plan["id"]
    for key_id in (world.key_id, world.disabled_key_id):
        apig.create_usage_plan_key(usagePlanId=plan["id"], keyId=key_id, keyType="API_KEY")
    world.other_plan_id = apig.create_usage_plan(
        name="dev-only", apiStages=[{"apiId": world.rest_id, "stage": "dev"}]
    )["id"]


def make_waf(world: World) -> None:
    waf = world.client("wafv2")
    acl = waf.create_web_acl(
        Name="user-api-acl",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": "user-api-acl",
        },
    )
    world.web_acl_arn = acl["Summary"]["ARN"]
    waf.associate_web_acl(
        WebACLArn=world.web_acl_arn,
        ResourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{world.rest_id}/stages/prod",
    )
    world.client("logs").create_log_group(logGroupName="aws-waf-logs-user-api")
    waf.put_logging_configuration(
        LoggingConfiguration={
            "ResourceArn": world.web_acl_arn,
            "LogDestinationConfigs": [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:aws-waf-logs-user-api"],
        }
    )


def make_http_api(world: World, name: str = "orders-http") -> None:
    v2 = world.client("apigatewayv2")
    api = v2.create_api(Name=name, ProtocolType="HTTP")
    hid = world.http_id = api["ApiId"]
    world.jwt_authorizer_id = v2.create_authorizer(
        ApiId=hid,
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        Name="jwt",
        JwtConfiguration={"Audience": ["orders-client"], "Issuer": JWT_ISSUER},
    )["AuthorizerId"]
    integration = v2.create_integration(
        ApiId=hid,
        IntegrationType="AWS_PROXY",
        IntegrationUri=world.function_arns["orders-fn"],
        PayloadFormatVersion="2.0",
        TimeoutInMillis=30000,
    )
    v2.create_route(
        ApiId=hid,
        RouteKey="GET /orders",
        Target=f"integrations/{integration['IntegrationId']}",
        AuthorizationType="JWT",
        AuthorizerId=world.jwt_authorizer_id,
        AuthorizationScopes=["orders/read", "orders/admin"],
    )
    v2.create_route(ApiId=hid, RouteKey="GET /health", Target=f"integrations/{integration['IntegrationId']}")
    v2.create_stage(
        ApiId=hid,
        StageName="$default",
        AutoDeploy=True,
        AccessLogSettings={
            "DestinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/http/orders",
            "Format": "$context.requestId $context.status",
        },
        DefaultRouteSettings={"ThrottlingRateLimit": 50.0, "ThrottlingBurstLimit": 10},
    )
    world.client("lambda").add_permission(
        FunctionName="orders-fn",
        StatementId="apigw-http",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{hid}/*",
    )


def make_websocket_api(world: World, name: str = "chat-ws", sandbox_url: str | None = None) -> None:
    v2 = world.client("apigatewayv2")
    tags = {"apigwops:sandbox-url": sandbox_url} if sandbox_url else {}
    api = v2.create_api(
        Name=name, ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action", Tags=tags
    )
    world.ws_id = api["ApiId"]
    v2.create_stage(ApiId=world.ws_id, StageName="prod", DefaultRouteSettings={"LoggingLevel": "ERROR"})


def build_world(endpoint: str) -> World:
    world = World(endpoint)
    make_functions(world)
    make_rest_api(world)
    make_usage_plans(world)
    make_waf(world)
    make_http_api(world)
    make_websocket_api(world, sandbox_url="ws://127.0.0.1:9999/prod")
    return world


def fresh_world(moto_server: str) -> World:
    """Reset the moto server and build the world (for module-scoped fixtures: pytest tears a module's fixtures
    down before another module's test runs on the same worker, so a reset elsewhere never leaks in)."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=10)
    return build_world(moto_server)
