"""Provision, in moto, the WebSocket API a real account behind the sandbox's WebSocket stage would hold.

`apigatewayv2` API with protocol WEBSOCKET and route selection expression `$request.body.action`; routes
`$connect` (REQUEST Lambda authorizer), `$disconnect`, `$default`, `sendmessage` (two-way: a `$default` route
response) and `broadcast`; one Lambda proxy integration per route on the handler function; stage `prod` with the
WebSocket access-log format, INFO execution logging and detailed metrics; the handler and authorizer functions
with API Gateway's invoke permission; the log groups. The API carries the `apigwops:sandbox-url` tag with the
local `ws://` URL, as the REST and HTTP APIs do.

moto 5.2 gaps (docs/websocket.md): no CreateDeployment for apigatewayv2 ("Not yet implemented"), so the stage is
created without a deployment id; no GetAuthorizers (GetAuthorizer works). The rest is stored as AWS would.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from apigwops.sandbox import constants as c
from apigwops.sandbox.loopback import loopback_client
from apigwops.sandbox.websocket import facts as f

HANDLER_SOURCE = b"def handler(event, context):\n    return {'statusCode': 200, 'body': '{}'}\n"
AUTHORIZER_SOURCE = (  # what the stage's authorizer does (line 7 raises, as its error log says)
    b"def valid(token):\n"
    b"    return bool(token)  # the sandbox checks signature, issuer, audience and expiry\n"
    b"\n"
    b"def handler(event, context):\n"
    b"    token = event['headers'].get('Authorization') or event['queryStringParameters'].get('token')\n"
    b"    if not valid(token):\n        raise Exception('Unauthorized')\n"
    b"    return {'principalId': 'user', 'policyDocument': {'Version': '2012-10-17', 'Statement': [\n"
    b"        {'Action': 'execute-api:Invoke', 'Effect': 'Allow', 'Resource': event['methodArn']}]}}\n"
)
PERMISSION_SID = "apigateway-websocket"


@dataclass
class WsProvisioned:
    """Ids the WebSocket stage needs to log and answer the way AWS would for these resources."""

    api_id: str
    function_arn: str
    authorizer_function_arn: str
    authorizer_id: str
    route_ids: dict[str, str] = field(default_factory=dict)  # route key -> route id
    integration_ids: dict[str, str] = field(default_factory=dict)  # route key -> integration id
    log_groups: dict[str, str] = field(default_factory=dict)


def provision_websocket(endpoint: str, url: str) -> WsProvisioned:
    """Create the WebSocket API and what it needs; `url` is the local stage's ws:// URL for the tag."""
    iam = loopback_client("iam", endpoint, c.REGION)
    lam = loopback_client("lambda", endpoint, c.REGION)
    v2 = loopback_client("apigatewayv2", endpoint, c.REGION)
    role = iam.create_role(
        RoleName=f"{f.FUNCTION_NAME}-role",
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    )["Role"]["Arn"]
    function_arn = _function(lam, f.FUNCTION_NAME, role, HANDLER_SOURCE)
    authorizer_arn = _function(lam, f.AUTHORIZER_FUNCTION_NAME, role, AUTHORIZER_SOURCE)
    api = v2.create_api(
        Name=f.API_NAME,
        ProtocolType="WEBSOCKET",
        RouteSelectionExpression=f.ROUTE_SELECTION_EXPRESSION,
        Description="apigwops sandbox WebSocket API",
        Tags={c.URL_TAG: url},
    )
    api_id = str(api["ApiId"])
    authorizer_id = str(
        v2.create_authorizer(
            ApiId=api_id,
            Name=f.AUTHORIZER_NAME,
            AuthorizerType="REQUEST",
            AuthorizerUri=_lambda_uri(authorizer_arn),
            IdentitySource=[],  # header or query string: see facts.TOKEN_QUERY
        )["AuthorizerId"]
    )
    out = WsProvisioned(api_id, function_arn, authorizer_arn, authorizer_id)
    for key in f.ROUTE_KEYS:
        integration = v2.create_integration(
            ApiId=api_id,
            IntegrationType="AWS_PROXY",
            IntegrationMethod="POST",
            IntegrationUri=_lambda_uri(function_arn),
            TimeoutInMillis=f.INTEGRATION_TIMEOUT_MS,
        )["IntegrationId"]
        extra: dict[str, Any] = {}
        if key == f.CONNECT:
            extra = {"AuthorizationType": "CUSTOM", "AuthorizerId": authorizer_id}
        if key in f.TWO_WAY_ROUTES:
            extra["RouteResponseSelectionExpression"] = "$default"
        route = v2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}", **extra)
        if key in f.TWO_WAY_ROUTES:
            v2.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
        out.route_ids[key] = str(route["RouteId"])
        out.integration_ids[key] = str(integration)
    add_websocket_permission(lam, api_id)
    groups = f.log_group_names(api_id)
    logs = loopback_client("logs", endpoint, c.REGION)
    for name in groups.values():
        logs.create_log_group(logGroupName=name)
    out.log_groups = groups
    v2.create_stage(
        ApiId=api_id,
        StageName=c.STAGE,
        DefaultRouteSettings={
            "LoggingLevel": "INFO",
            "DataTraceEnabled": False,
            "DetailedMetricsEnabled": True,
            "ThrottlingBurstLimit": 5000,
            "ThrottlingRateLimit": 10000.0,
        },
        AccessLogSettings={
            "DestinationArn": c.log_group_arn(groups["access"]),
            "Format": f.ACCESS_LOG_FORMAT,
        },
    )
    return out


def add_websocket_permission(lam: Any, api_id: str) -> None:
    """API Gateway may invoke both functions for this API (what `lambda get-policy` shows; §4.4 C37)."""
    for name in (f.FUNCTION_NAME, f.AUTHORIZER_FUNCTION_NAME):
        lam.add_permission(
            FunctionName=name,
            StatementId=PERMISSION_SID,
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{c.REGION}:{c.ACCOUNT_ID}:{api_id}/*",
        )


def _function(lam: Any, name: str, role: str, source: bytes) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", source)
    fn = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
        Timeout=c.FUNCTION_TIMEOUT_S,
        MemorySize=c.FUNCTION_MEMORY_MB,
    )
    return str(fn["FunctionArn"])


def _lambda_uri(function_arn: str) -> str:
    return f"arn:aws:apigateway:{c.REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
