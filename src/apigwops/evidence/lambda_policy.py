"""Does a Lambda function's resource policy let API Gateway (this API, these routes) invoke it?

A missing or too-narrow permission is a classic cause of 500s right after an API is re-created or deployed
by a tool that forgot `AWS::Lambda::Permission` (signals reference C37). API Gateway calls with principal
`apigateway.amazonaws.com` and a source ARN `arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{path}`
(authorizers: `{api-id}/authorizers/{authorizer-id}`); statements restrict it with an `ArnLike` (wildcards
`*` and `?`) or `ArnEquals`/`StringEquals` condition on `AWS:SourceArn`. Pure functions, so the rules are
tested without AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

APIGATEWAY_PRINCIPAL = "apigateway.amazonaws.com"
INVOKE_ACTIONS = frozenset({"lambda:invokefunction", "lambda:*", "*"})
SOURCE_ARN_OPERATORS = frozenset({"arnlike", "arnequals", "stringlike", "stringequals"})


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    detail: str


def execute_api_arn(region: str, account: str, api_id: str, stage: str, route_key: str) -> str:
    """The source ARN API Gateway presents when a route (REST 'GET /users', v2 'GET /x' or '$default') invokes."""
    method, _, path = route_key.partition(" ")
    tail = f"{method}/{path.lstrip('/')}" if path else method
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{tail}"


def authorizer_arn(region: str, account: str, api_id: str, authorizer_id: str) -> str:
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/authorizers/{authorizer_id}"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _grants_apigateway(statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    if principal == "*":
        service_ok = True
    elif isinstance(principal, dict):
        service_ok = APIGATEWAY_PRINCIPAL in _as_list(principal.get("Service")) or "*" in _as_list(
            principal.get("AWS")
        )
    else:
        service_ok = False
    actions = {str(a).lower() for a in _as_list(statement.get("Action"))}
    return service_ok and bool(actions & INVOKE_ACTIONS)


def _source_arn_patterns(statement: dict[str, Any]) -> list[str] | None:
    """The SourceArn patterns a statement allows; None when it does not restrict the source."""
    patterns: list[str] = []
    restricted = False
    for operator, conditions in (statement.get("Condition") or {}).items():
        if operator.lower() not in SOURCE_ARN_OPERATORS or not isinstance(conditions, dict):
            continue
        for key, values in conditions.items():
            if key.lower() == "aws:sourcearn":
                restricted = True
                patterns.extend(str(v) for v in _as_list(values))
    return patterns if restricted else None


def parse_policy(text: str | None) -> list[dict[str, Any]]:
    """The statements of a GetPolicy document (a JSON string); [] when absent or unreadable."""
    if not text:
        return []
    try:
        document = json.loads(text)
    except ValueError:
        return []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    return [s for s in _as_list(statements) if isinstance(s, dict)]


def evaluate(policy: str | None, source_arns: Iterable[str]) -> Verdict:
    """Whether every source ARN is allowed by some statement, and a line saying which are not."""
    wanted = list(dict.fromkeys(source_arns))
    statements = [s for s in parse_policy(policy) if _grants_apigateway(s)]
    if policy is None:
        return Verdict(False, "the function has no resource policy, so API Gateway cannot invoke it")
    if not statements:
        return Verdict(
            False, "no statement in the resource policy allows apigateway.amazonaws.com to invoke it"
        )
    uncovered = []
    for arn in wanted:
        covered = False
        for statement in statements:
            patterns = _source_arn_patterns(statement)
            if patterns is None or any(fnmatchcase(arn, p) for p in patterns):
                covered = True
                break
        if not covered:
            uncovered.append(arn)
    if uncovered:
        allowed_patterns = sorted({p for s in statements for p in (_source_arn_patterns(s) or [])})
        return Verdict(
            False,
            f"the resource policy does not allow {', '.join(uncovered)} (it allows {', '.join(allowed_patterns)})",
        )
    return Verdict(True, f"the resource policy allows API Gateway for {len(wanted)} source ARN(s)")
