"""Lambda functions behind an API: their settings and whether API Gateway may invoke them.

Three reads per function (GetFunctionConfiguration, GetFunctionConcurrency, GetPolicy) run in the
collector's round; a function without a policy, or that no longer exists, is an answer rather than a failed
read. The permission verdict is checked against the source ARNs of exactly the routes and authorizers that
use the function (see `evidence.lambda_policy`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from apigwops.aws.arns import lambda_account
from apigwops.aws.errors import error_code
from apigwops.aws.resolve import ResolvedApi
from apigwops.aws.session import AwsContext
from apigwops.evidence.apigw_items import parse_timestamp
from apigwops.evidence.lambda_policy import authorizer_arn, evaluate, execute_api_arn
from apigwops.evidence.reader import Task
from apigwops.model import Authorizer, LambdaFunction, Route

_MISSING = "ResourceNotFoundException"


def lambda_tasks(aws: AwsContext, names: set[str]) -> dict[str, Task]:
    """The reads for each function, keyed by check id (`config-lambda:{name}`, ...)."""
    readable = sorted(n for n in names if "${" not in n)  # an undefined stage variable: nothing to read
    if not readable:
        return {}
    lam = aws.client("lambda")
    tasks: dict[str, Task] = {}
    for name in readable:
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


def lambda_function(
    resolved: ResolvedApi,
    name: str,
    got: dict[str, Any],
    routes: list[tuple[Route, str | None]],
    authorizers: list[Authorizer],
) -> LambdaFunction:
    """The function as the collector read it; `got` holds the answers of `lambda_tasks`."""
    if "${" in name:
        return LambdaFunction(
            name=name,
            invoke_permission=False,
            permission_detail="the function name comes from a stage variable this stage does not define",
        )
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
        last_modified=parse_timestamp(conf.get("LastModified")),
        invoke_permission=permission,
        permission_detail=detail,
        log_format=(conf.get("LoggingConfig") or {}).get("LogFormat"),
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
    account = lambda_account(conf.get("FunctionArn")) or "*"
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
