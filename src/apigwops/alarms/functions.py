"""Which APIs integrate a Lambda function: a Lambda alarm (`FunctionName`) maps back to the stages it serves.

REST integrations are read with GetResources (`embed=methods` makes AWS include each method's integration in
the one listing), HTTP and WebSocket integrations with GetIntegrations; all APIs are read side by side. An
integration names the function in its URI (REST: `arn:aws:apigateway:R:lambda:path/2015-03-31/functions/
<function ARN>/invocations`; v2: the function ARN itself), possibly with a version or alias suffix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from apigwops.aws.paging import all_items, run_all
from apigwops.aws.session import AwsContext
from apigwops.model import ApiType


@dataclass(frozen=True)
class ApiStages:
    id: str
    name: str
    type: ApiType
    stages: tuple[str, ...]

    def label(self) -> str:
        return f"{self.name} ({self.id}, {self.type}; stages: {', '.join(self.stages) or 'none'})"


def function_in_uri(uri: str, function: str) -> bool:
    """True when an integration URI targets `function` (a name or an ARN, any version or alias)."""
    marker = ":function:"
    if marker not in uri:
        return False
    named = uri.split(marker, 1)[1].split("/", 1)[0].split(":", 1)[0]
    wanted = function.split(marker, 1)[1].split(":", 1)[0] if marker in function else function
    return named == wanted


def _rest_uses(aws: AwsContext, api_id: str, function: str) -> bool:
    resources = all_items(
        aws.client("apigateway"), "get_resources", "items", restApiId=api_id, embed=["methods"]
    )
    for resource in resources:
        for method in (resource.get("resourceMethods") or {}).values():
            uri = str((method.get("methodIntegration") or {}).get("uri", ""))
            if function_in_uri(uri, function):
                return True
    return False


def _v2_uses(aws: AwsContext, api_id: str, function: str) -> bool:
    integrations = all_items(aws.client("apigatewayv2"), "get_integrations", "Items", ApiId=api_id)
    return any(function_in_uri(str(i.get("IntegrationUri", "")), function) for i in integrations)


def _stages(aws: AwsContext, api_id: str, api_type: ApiType) -> tuple[str, ...]:
    if api_type == "REST":
        items = aws.client("apigateway").get_stages(restApiId=api_id).get("item", [])
        return tuple(sorted(str(i["stageName"]) for i in items))
    return tuple(
        sorted(
            str(i["StageName"])
            for i in all_items(aws.client("apigatewayv2"), "get_stages", "Items", ApiId=api_id)
        )
    )


def apis_integrating(aws: AwsContext, function: str) -> list[ApiStages]:
    """Every API (with its stages) that has an integration with the function; reads run in parallel."""
    listed = run_all(
        {
            "rest": lambda: all_items(aws.client("apigateway"), "get_rest_apis", "items"),
            "v2": lambda: all_items(aws.client("apigatewayv2"), "get_apis", "Items"),
        }
    )
    apis: list[tuple[str, str, ApiType]] = [
        (str(a["id"]), str(a.get("name", "")), "REST") for a in listed["rest"].result()
    ]
    for item in listed["v2"].result():
        kind: ApiType = "WEBSOCKET" if item.get("ProtocolType") == "WEBSOCKET" else "HTTP"
        apis.append((str(item["ApiId"]), str(item.get("Name", "")), kind))

    def check(api_id: str, api_type: ApiType) -> Any:
        uses = _rest_uses(aws, api_id, function) if api_type == "REST" else _v2_uses(aws, api_id, function)
        return _stages(aws, api_id, api_type) if uses else None

    found = run_all({api_id: partial(check, api_id, kind) for api_id, _, kind in apis})
    result: list[ApiStages] = []
    for api_id, name, kind in apis:
        stages = found[api_id].result()
        if stages is not None:
            result.append(ApiStages(api_id, name, kind, stages))
    return result
