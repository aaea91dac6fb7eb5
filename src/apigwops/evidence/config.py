"""Configuration evidence: what the API, its authorizers, usage plans and Lambda functions are set to.

Playbooks compare this against what the logs and metrics show (an authorizer's issuer against a token, a
function's timeout against the integration timeout, the stage's deployment against the latest one, a
Lambda resource policy against the API's source ARN). Reads run in a thread pool in three rounds (what
depends on nothing; what needs the routes, plans and functions; Lambda authorizers only v2 reveals late),
so the user waits for a few round trips, not for the number of calls. Every failed read becomes a skipped
`Check` naming why (AccessDenied names the IAM action); nothing here ends the command.
"""

from __future__ import annotations

import json
from datetime import UTC, date, timedelta
from functools import partial
from typing import Any

from apigwops.apitypes import profile
from apigwops.aws.paging import all_items
from apigwops.aws.resolve import ResolvedApi, created
from apigwops.aws.session import AwsContext
from apigwops.evidence import apigw_items as items
from apigwops.evidence.lambda_config import lambda_function, lambda_tasks
from apigwops.evidence.reader import Reader, Task
from apigwops.model import (
    ApiConfig,
    ApiKey,
    Change,
    Check,
    LambdaFunction,
    UsagePlan,
)
from apigwops.timewindow import Window, iso

# A change this long before the window still counts as "just before" it (recent-change finding).
CHANGE_LOOKBACK = timedelta(hours=1)
_MISSING = "ResourceNotFoundException"


def collect_config(aws: AwsContext, resolved: ResolvedApi, window: Window) -> tuple[ApiConfig, list[Check]]:
    """Read the configuration behind one stage; the checks are this collection's own (the resolution's
    are in `resolved.checks`, so a report lists `[*resolved.checks, *checks]` without duplicates)."""
    reader = Reader()
    api_id, stage = resolved.info.id, resolved.info.stage
    rest = profile(resolved.info.type).v1
    variables = dict(resolved.raw_stage.get("variables") or resolved.raw_stage.get("StageVariables") or {})
    apig = aws.client("apigateway")
    v2 = aws.client("apigatewayv2")

    first: dict[str, Task] = {"config-account": ("apigateway", "GetAccount", lambda: apig.get_account())}
    if rest:
        first["config-routes"] = (
            "apigateway",
            "GetResources",
            lambda: all_items(apig, "get_resources", "items", restApiId=api_id, embed=["methods"]),
        )
        first["config-authorizers"] = (
            "apigateway",
            "GetAuthorizers",
            lambda: all_items(apig, "get_authorizers", "items", restApiId=api_id),
        )
    else:
        first["config-routes"] = (
            "apigatewayv2",
            "GetRoutes",
            lambda: all_items(v2, "get_routes", "Items", ApiId=api_id),
        )
        first["config-integrations"] = (
            "apigatewayv2",
            "GetIntegrations",
            lambda: all_items(v2, "get_integrations", "Items", ApiId=api_id),
        )
    if profile(resolved.info.type).usage_plans:
        first["config-usage-plans"] = (
            "apigateway",
            "GetUsagePlans",
            lambda: all_items(apig, "get_usage_plans", "items"),
        )
        first["config-api-keys"] = (
            "apigateway",
            "GetApiKeys",
            lambda: all_items(apig, "get_api_keys", "items", includeValues=False),
        )
    got = reader.run(first)

    if rest:
        routes = items.rest_routes(got.get("config-routes") or [], variables)
        authorizers = [items.rest_authorizer(a, variables) for a in got.get("config-authorizers") or []]
    else:
        routes = items.v2_routes(
            got.get("config-routes") or [], got.get("config-integrations") or [], variables
        )
        authorizers = []
    plans = items.plans_for_stage(got.get("config-usage-plans") or [], api_id, stage)

    second: dict[str, Task] = {}
    if not rest:
        for authorizer_id in sorted({r.authorizer_id for r, _ in routes if r.authorizer_id}):
            second[f"config-authorizer:{authorizer_id}"] = (
                "apigatewayv2",
                "GetAuthorizer",
                partial(v2.get_authorizer, ApiId=api_id, AuthorizerId=authorizer_id),
            )
    for plan in plans:
        plan_id = plan["id"]
        second[f"config-usage-plan-keys:{plan_id}"] = (
            "apigateway",
            "GetUsagePlanKeys",
            partial(all_items, apig, "get_usage_plan_keys", "items", usagePlanId=plan_id),
        )
        start, end = quota_period(plan.get("quota", {}).get("period"), window)
        second[f"config-usage:{plan_id}"] = (
            "apigateway",
            "GetUsage",
            partial(_usage, apig, plan_id, start, end),
        )
    functions = {r.function_name for r, _ in routes if r.function_name} | {
        a.function_name for a in authorizers if a.function_name
    }
    second.update(lambda_tasks(aws, functions))
    got2 = reader.run(second)

    if not rest:
        authorizers = [
            items.v2_authorizer(raw, variables)
            for key, raw in sorted(got2.items())
            if key.startswith("config-authorizer:") and raw
        ]
        late = {a.function_name for a in authorizers if a.function_name} - functions
        if late:
            got2.update(reader.run(lambda_tasks(aws, late)))
            functions |= late

    usage_plans, keys = _plans(plans, got2, got.get("config-api-keys") or [])
    lambdas = [lambda_function(resolved, name, got2, routes, authorizers) for name in sorted(functions)]
    account = (got.get("config-account") or {}).get("throttleSettings") or {}
    policy = _resource_policy(resolved.raw_api.get("policy")) if rest else None
    config = ApiConfig(
        stage=resolved.stage,
        routes=tuple(r for r, _ in routes),
        authorizers=tuple(authorizers),
        usage_plans=tuple(usage_plans),
        api_keys=tuple(keys),
        functions=tuple(lambdas),
        changes=tuple(changes(resolved, lambdas, window)),
        account_throttle_rate=account.get("rateLimit"),
        account_throttle_burst=account.get("burstLimit"),
        has_resource_policy=policy is not None,
        resource_policy=policy,
    )
    return config, reader.checks


def quota_period(period: str | None, window: Window) -> tuple[date, date]:
    """The days GetUsage should cover: the quota period the window ends in.

    DAY is the window's last day and MONTH its calendar month (UTC); WEEK is the seven days ending then,
    since a plan's quota `offset` can move the week's start and apigwops does not model it. Without a
    quota, the window's own days.
    """
    end = window.end.date()
    if period == "DAY":
        return end, end
    if period == "WEEK":
        return end - timedelta(days=6), end
    if period == "MONTH":
        return end.replace(day=1), end
    return window.start.date(), end


def _usage(apig: Any, plan_id: str, start: date, end: date) -> dict[str, int]:
    used: dict[str, int] = {}
    params: dict[str, Any] = {
        "usagePlanId": plan_id,
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
    }
    while True:
        page = apig.get_usage(**params)
        for key, total in items.usage_totals(page.get("items") or {}).items():
            used[key] = used.get(key, 0) + total
        if not page.get("position"):
            return used
        params["position"] = page["position"]


def _plans(
    plans: list[dict[str, Any]], got: dict[str, Any], raw_keys: list[dict[str, Any]]
) -> tuple[list[UsagePlan], list[ApiKey]]:
    keys_by_id = {k["id"]: k for k in raw_keys}
    usage_plans: list[UsagePlan] = []
    keys: dict[str, ApiKey] = {}
    for plan in plans:
        plan_keys = got.get(f"config-usage-plan-keys:{plan['id']}") or []
        for key in plan_keys:
            raw = keys_by_id.get(key["id"], {"id": key["id"], "name": key.get("name", ""), "enabled": True})
            keys[key["id"]] = items.api_key(raw, key.get("value"))
        usage = got.get(f"config-usage:{plan['id']}") or {}
        usage_plans.append(items.usage_plan(plan, tuple(sorted(k["id"] for k in plan_keys)), usage))
    return usage_plans, sorted(keys.values(), key=lambda k: k.id)


def _resource_policy(policy: Any) -> str | None:
    """REST APIs return the policy as JSON with escaped quotes; store it as plain JSON text."""
    if not policy:
        return None
    text = str(policy)
    for candidate in (text, text.replace('\\"', '"')):
        try:
            return json.dumps(json.loads(candidate), sort_keys=True)
        except ValueError:
            continue
    return text


def changes(resolved: ResolvedApi, functions: list[LambdaFunction], window: Window) -> list[Change]:
    """Deployments, stage updates and function updates in the window or just before it."""
    since = window.start - CHANGE_LOOKBACK
    found: list[Change] = []
    for deployment in resolved.deployments:
        made = created(deployment)
        when = made.astimezone(UTC) if made is not None else None
        if when is None or not since <= when <= window.end:
            continue
        deployment_id = str(deployment.get("id") or deployment.get("DeploymentId"))
        live = "the stage runs it" if deployment_id == resolved.stage.deployment_id else "not on this stage"
        description = deployment.get("description") or deployment.get("Description") or ""
        found.append(
            Change(when, "deployment", deployment_id, f"{description}; {live}" if description else live)
        )
    updated = resolved.stage.last_updated.astimezone(UTC) if resolved.stage.last_updated else None
    if updated is not None and since <= updated <= window.end:
        found.append(
            Change(updated, "stage-update", resolved.info.stage, f"stage settings updated {iso(updated)}")
        )
    for function in functions:
        modified = function.last_modified
        if modified is not None and since <= modified <= window.end:
            found.append(
                Change(
                    modified,
                    "function-update",
                    function.name,
                    f"code or configuration updated {iso(modified)}",
                )
            )
    return sorted(found, key=lambda c: c.time)
