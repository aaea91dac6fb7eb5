"""Lambda resource-policy evaluation for API Gateway invokes (signals reference C37).

Policies are shaped as `lambda get-policy` returns them: a JSON string whose statements carry
`Principal: {"Service": "apigateway.amazonaws.com"}` and `Condition: {"ArnLike": {"AWS:SourceArn": ...}}`.
"""

from __future__ import annotations

import json
from typing import Any

from apigwops.evidence.lambda_policy import authorizer_arn, evaluate, execute_api_arn, parse_policy

ARN = "arn:aws:execute-api:us-east-1:123456789012"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": list(statements)})


def allow(
    source: str | list[str] | None = None, operator: str = "ArnLike", **overrides: Any
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": "apigw",
        "Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
    }
    if source is not None:
        statement["Condition"] = {operator: {"AWS:SourceArn": source}}
    statement.update(overrides)
    return statement


def test_source_arns() -> None:
    assert (
        execute_api_arn("us-east-1", "123456789012", "a1", "prod", "GET /users/{id}")
        == f"{ARN}:a1/prod/GET/users/{{id}}"
    )
    assert execute_api_arn("us-east-1", "123456789012", "a1", "prod", "GET /") == f"{ARN}:a1/prod/GET/"
    assert (
        execute_api_arn("us-east-1", "123456789012", "h1", "$default", "$default")
        == f"{ARN}:h1/$default/$default"
    )
    assert authorizer_arn("us-east-1", "123456789012", "a1", "au1") == f"{ARN}:a1/authorizers/au1"


def test_wildcard_source_arn_allows() -> None:
    verdict = evaluate(policy(allow(f"{ARN}:a1/*/GET/users")), [f"{ARN}:a1/prod/GET/users"])
    assert verdict.allowed is True
    assert evaluate(
        policy(allow(f"{ARN}:a1/*")), [f"{ARN}:a1/prod/POST/x", f"{ARN}:a1/authorizers/z"]
    ).allowed


def test_other_api_or_route_is_not_allowed_and_named() -> None:
    wanted = f"{ARN}:new1/prod/POST/orders"
    verdict = evaluate(policy(allow(f"{ARN}:old1/*/POST/orders")), [wanted])
    assert verdict.allowed is False
    assert wanted in verdict.detail
    assert f"{ARN}:old1/*/POST/orders" in verdict.detail
    # a policy covering one route of two still fails, naming the uncovered one
    partial = evaluate(
        policy(allow(f"{ARN}:a1/*/GET/users")), [f"{ARN}:a1/prod/GET/users", f"{ARN}:a1/prod/DELETE/users"]
    )
    assert partial.allowed is False
    assert "DELETE/users" in partial.detail
    assert "GET/users," not in partial.detail


def test_exact_match_operators_and_lists() -> None:
    exact = f"{ARN}:a1/prod/GET/users"
    assert evaluate(policy(allow(exact, "ArnEquals")), [exact]).allowed
    assert evaluate(policy(allow([f"{ARN}:x/*", exact], "StringEquals")), [exact]).allowed


def test_no_condition_means_any_source() -> None:
    assert evaluate(policy(allow()), [f"{ARN}:a1/prod/GET/users"]).allowed


def test_statements_that_do_not_grant_api_gateway() -> None:
    wanted = [f"{ARN}:a1/prod/GET/users"]
    assert not evaluate(policy(allow(Effect="Deny")), wanted).allowed
    assert not evaluate(policy(allow(Principal={"Service": "s3.amazonaws.com"})), wanted).allowed
    assert not evaluate(policy(allow(Action="lambda:GetFunction")), wanted).allowed
    assert evaluate(policy(allow(Action=["lambda:*"])), wanted).allowed
    assert evaluate(policy(allow(Principal="*")), wanted).allowed
    missing = evaluate(None, wanted)
    assert missing.allowed is False
    assert "no resource policy" in missing.detail
    assert "allows apigateway.amazonaws.com" in evaluate(policy(), wanted).detail


def test_parse_policy_tolerates_junk() -> None:
    assert parse_policy(None) == []
    assert parse_policy("not json") == []
    assert parse_policy('{"Statement": {"Effect": "Allow"}}') == [{"Effect": "Allow"}]
