"""Raw API Gateway and Lambda items (as boto3 returns them) turned into the evidence model's records.

REST APIs (`apigateway`) spell fields in camelCase and v2 APIs (`apigatewayv2`) in PascalCase; this module is
the one place that knows both, so playbooks see one `Route`, one `Authorizer`, one `UsagePlan`. Pure functions.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from apigwops.aws.arns import cognito_issuer, lambda_function_name
from apigwops.model import ApiKey, Authorizer, Route, UsagePlan

_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


def with_stage_variables(text: str | None, variables: dict[str, str]) -> str | None:
    """Substitute `${stageVariables.x}` the way API Gateway does at request time (unknown names stay)."""
    if not text:
        return text
    return _STAGE_VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def parse_timestamp(value: Any) -> datetime | None:
    """Lambda's `LastModified` is a string ('2024-05-01T12:00:00.000+0000'; moto: nanoseconds and 'Z')."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    text = re.sub(r"\.(\d{6})\d+", r".\1", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rest_routes(resources: list[dict[str, Any]], variables: dict[str, str]) -> list[tuple[Route, str | None]]:
    """Routes from GetResources(embed=['methods']), each with its integration role (credentials) if any."""
    routes: list[tuple[Route, str | None]] = []
    for resource in resources:
        path = resource.get("path", "/")
        for verb, method in sorted((resource.get("resourceMethods") or {}).items()):
            integration = method.get("methodIntegration") or {}
            uri = integration.get("uri")
            function = lambda_function_name(with_stage_variables(uri, variables))
            route = Route(
                key=f"{verb} {path}",
                authorization=method.get("authorizationType") or "NONE",
                authorizer_id=method.get("authorizerId"),
                api_key_required=bool(method.get("apiKeyRequired")),
                scopes=tuple(method.get("authorizationScopes") or ()),
                integration_type=integration.get("type"),
                integration_uri=uri,
                function_name=function,
                timeout_ms=integration.get("timeoutInMillis"),
                connection_type=integration.get("connectionType"),
            )
            routes.append((route, integration.get("credentials")))
    return routes


def v2_routes(
    routes: list[dict[str, Any]], integrations: list[dict[str, Any]], variables: dict[str, str]
) -> list[tuple[Route, str | None]]:
    """Routes from GetRoutes joined to GetIntegrations through `Target: integrations/{id}`."""
    by_id = {i.get("IntegrationId"): i for i in integrations}
    out: list[tuple[Route, str | None]] = []
    for item in sorted(routes, key=lambda r: str(r.get("RouteKey", ""))):
        target = str(item.get("Target") or "")
        integration = by_id.get(target.removeprefix("integrations/"), {}) if target else {}
        uri = integration.get("IntegrationUri")
        route = Route(
            key=str(item.get("RouteKey", "")),
            authorization=item.get("AuthorizationType") or "NONE",
            authorizer_id=item.get("AuthorizerId"),
            api_key_required=bool(item.get("ApiKeyRequired")),
            scopes=tuple(item.get("AuthorizationScopes") or ()),
            integration_type=integration.get("IntegrationType"),
            integration_uri=uri,
            function_name=lambda_function_name(with_stage_variables(uri, variables)),
            timeout_ms=integration.get("TimeoutInMillis"),
            connection_type=integration.get("ConnectionType"),
        )
        out.append((route, integration.get("CredentialsArn")))
    return out


def rest_authorizer(item: dict[str, Any], variables: dict[str, str]) -> Authorizer:
    """REST identity sources are one comma-separated string ('method.request.header.Authorization')."""
    providers = tuple(item.get("providerARNs") or ())
    issuers = [i for i in (cognito_issuer(p) for p in providers) if i]
    sources = [s.strip() for s in str(item.get("identitySource") or "").split(",") if s.strip()]
    return Authorizer(
        id=str(item["id"]),
        name=str(item.get("name", "")),
        type=str(item.get("type", "")),
        identity_source=tuple(sources),
        issuer=issuers[0] if issuers else None,
        provider_arns=providers,
        result_ttl_s=item.get("authorizerResultTtlInSeconds"),
        function_name=lambda_function_name(with_stage_variables(item.get("authorizerUri"), variables)),
    )


def v2_authorizer(item: dict[str, Any], variables: dict[str, str]) -> Authorizer:
    jwt = item.get("JwtConfiguration") or {}
    return Authorizer(
        id=str(item["AuthorizerId"]),
        name=str(item.get("Name", "")),
        type=str(item.get("AuthorizerType", "")),
        identity_source=tuple(item.get("IdentitySource") or ()),
        issuer=jwt.get("Issuer"),
        audience=tuple(jwt.get("Audience") or ()),
        result_ttl_s=item.get("AuthorizerResultTtlInSeconds"),
        function_name=lambda_function_name(with_stage_variables(item.get("AuthorizerUri"), variables)),
    )


def plans_for_stage(plans: list[dict[str, Any]], api_id: str, stage: str) -> list[dict[str, Any]]:
    """Usage plans bound to this API stage (`apiStages[] {apiId, stage}`); others do not apply to it."""
    return [
        p
        for p in plans
        if any(s.get("apiId") == api_id and s.get("stage") == stage for s in p.get("apiStages", []))
    ]


def usage_plan(plan: dict[str, Any], key_ids: tuple[str, ...], usage: dict[str, int]) -> UsagePlan:
    throttle = plan.get("throttle") or {}
    quota = plan.get("quota") or {}
    return UsagePlan(
        id=str(plan["id"]),
        name=str(plan.get("name", "")),
        rate_limit=throttle.get("rateLimit"),
        burst_limit=throttle.get("burstLimit"),
        quota_limit=quota.get("limit"),
        quota_period=quota.get("period"),
        key_ids=key_ids,
        usage=usage,
    )


def usage_totals(items: dict[str, list[list[int]]]) -> dict[str, int]:
    """GetUsage `items` map a key id to one [used, remaining] pair per day; the sum of used is the period's use."""
    return {key: sum(int(day[0]) for day in days if day) for key, days in items.items()}


def api_key(item: dict[str, Any], value: str | None) -> ApiKey:
    """An API key's state; of its value only the last 4 characters are kept (to match masked log lines)."""
    return ApiKey(
        id=str(item["id"]),
        name=str(item.get("name", "")),
        enabled=bool(item.get("enabled")),
        value_suffix=value[-4:] if value and len(value) > 8 else "",
    )
