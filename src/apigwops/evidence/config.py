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
from collections.abc import Callable
from datetime import UTC, date, timedelta
from functools import partial
from typing import Any

from apigwops.aws import apigw_items as items
from apigwops.aws.errors import error_code, skip_reason
from apigwops.aws.lambda_policy import authorizer_arn, evaluate, execute_api_arn
from apigwops.aws.paging import all_items, run_all
from apigwops.aws.resolve import ResolvedApi, created
from apigwops.aws.session import AwsContext
from apigwops.errors import ReadOnlyViolation
from apigwops.evidence.model import (
    ApiConfig,
    ApiKey,
    Authorizer,
    Change,
    Check,
    LambdaFunction,
    Route,
    UsagePlan,
)
from apigwops.timewindow import Window, iso

# A change this long before the window still counts as "just before" it (recent-change finding).
CHANGE_LOOKBACK = timedelta(hours=1)
_MISSING = "ResourceNotFoundException"

Task = tuple[str, str, Callable[[], Any]]  # (service, operation, call)


class _Reader:
    """Runs independent reads at once and turns each outcome into a Check."""

    def __init__(self, aws: AwsContext) -> None:
        self.aws = aws
        self.checks: list[Check] = []

    def run(self, tasks: dict[str, Task]) -> dict[str, Any]:
        futures = run_all({check_id: task[2] for check_id, task in tasks.items()})
        results: dict[str, Any] = {}
        for check_id, (service, operation, _) in tasks.items():
            exc = futures[check_id].exception()
            if isinstance(exc, ReadOnlyViolation):
                raise exc  # a bug in apigwops, never a skipped check
            if exc is not None:
                # left out of the results, so that "not read" never looks like "read, and empty"
                self.checks.append(Check(check_id, "skipped", skip_reason(exc, service, operation)))
            else:
                results[check_id] = futures[check_id].result()
                self.checks.append(Check(check_id, "ok"))
        return results


def collect_config(aws: AwsContext, resolved: ResolvedApi, window: Window) -> tuple[ApiConfig, list[Check]]:
    """Read the configuration behind one stage; skipped reads are listed in the returned checks."""
    reader = _Reader(aws)
    api_id, stage = resolved.info.id, resolved.info.stage
    rest = resolved.info.type == "REST"
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
    if resolved.info.type != "HTTP":  # usage plans and API keys exist for REST (and WebSocket) stages
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
    second.update(_lambda_tasks(aws, functions))
    got2 = reader.run(second)

    if not rest:
        authorizers = [
            items.v2_authorizer(raw, variables)
            for key, raw in sorted(got2.items())
            if key.startswith("config-authorizer:") and raw
        ]
        late = {a.function_name for a in authorizers if a.function_name} - functions
        if late:
            got2.update(reader.run(_lambda_tasks(aws, late)))
            functions |= late

    usage_plans, keys = _plans(plans, got2, got.get("config-api-keys") or [])
    lambdas = [_function(resolved, name, got2, routes, authorizers) for name in sorted(functions)]
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
    return config, [*resolved.checks, *reader.checks]


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


def _lambda_tasks(aws: AwsContext, names: set[str]) -> dict[str, Task]:
    lam = aws.client("lambda")
    tasks: dict[str, Task] = {}
    for name in sorted(names):
        if "${" in name:
            continue  # a stage variable the stage does not define; nothing to read
        tasks[f"config-lambda:{name}"] = (
            "lambda",
            "GetFunctionConfiguration",
            partial(_missing_is_none, partial(lam.get_function_configuration, FunctionName=name)),
        )
        tasks[f"config-lambda-concurrency:{name}"] = (
            "lambda",
            "GetFunctionConcurrency",
            partial(_missing_is_none, partial(lam.get_function_concurrency, FunctionName=name)),
        )
        tasks[f"config-lambda-policy:{name}"] = (
            "lambda",
            "GetPolicy",
            partial(_missing_is_none, partial(lam.get_policy, FunctionName=name)),
        )
    return tasks


def _missing_is_none(call: Callable[[], Any]) -> Any:
    """A function without a policy (or that does not exist) is an answer, not a failed read."""
    try:
        return call()
    except Exception as exc:
        if error_code(exc) == _MISSING:
            return None
        raise


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


def _function(
    resolved: ResolvedApi,
    name: str,
    got: dict[str, Any],
    routes: list[tuple[Route, str | None]],
    authorizers: list[Authorizer],
) -> LambdaFunction:
    conf = got.get(f"config-lambda:{name}")
    if f"config-lambda:{name}" in got and conf is None:
        return LambdaFunction(
            name=name, invoke_permission=False, permission_detail="the function does not exist"
        )
    conf = conf or {}
    concurrency = got.get(f"config-lambda-concurrency:{name}") or {}
    permission, detail = _permission(resolved, name, conf, got, routes, authorizers)
    return LambdaFunction(
        name=name,
        timeout_s=conf.get("Timeout"),
        memory_mb=conf.get("MemorySize"),
        reserved_concurrency=concurrency.get("ReservedConcurrentExecutions"),
        runtime=conf.get("Runtime"),
        last_modified=items.parse_timestamp(conf.get("LastModified")),
        invoke_permission=permission,
        permission_detail=detail,
    )


def _permission(
    resolved: ResolvedApi,
    name: str,
    conf: dict[str, Any],
    got: dict[str, Any],
    routes: list[tuple[Route, str | None]],
    authorizers: list[Authorizer],
) -> tuple[bool | None, str]:
    policy_key = f"config-lambda-policy:{name}"
    if policy_key not in got or not conf:
        return None, "unknown: the function's configuration or policy could not be read"
    region, api_id, stage = resolved.info.region, resolved.info.id, resolved.info.stage
    account = str(conf.get("FunctionArn", "")).split(":")[4] if conf.get("FunctionArn") else "*"
    arns = [
        execute_api_arn(region, account, api_id, stage, route.key)
        for route, role in routes
        if route.function_name == name and not role
    ]
    arns += [authorizer_arn(region, account, api_id, a.id) for a in authorizers if a.function_name == name]
    if not arns:
        return None, "invoked with the integration's IAM role; the resource policy is not needed"
    policy = (got[policy_key] or {}).get("Policy")
    verdict = evaluate(policy, arns)
    return verdict.allowed, verdict.detail


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
