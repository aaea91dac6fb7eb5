"""The AWS operations apigwops may call, and the IAM actions they need.

This one table makes the tool read-only by construction: every client made by `aws.session` carries a
before-call hook that refuses any operation not listed here, and `apigwops iam-policy` prints the least-privilege
policy derived from it. Adding a call means adding it here, where a reviewer sees it.
"""

from __future__ import annotations

from typing import Any

from apigwops.errors import ReadOnlyViolation

# boto3 service name -> operation name -> IAM action.
# API Gateway authorises both its v1 and v2 control planes with HTTP-verb actions (apigateway:GET).
ALLOWED_OPERATIONS: dict[str, dict[str, str]] = {
    "apigateway": {
        op: "apigateway:GET"
        for op in (
            "GetRestApis",
            "GetRestApi",
            "GetStages",
            "GetStage",
            "GetResources",
            "GetResource",
            "GetMethod",
            "GetIntegration",
            "GetAuthorizers",
            "GetAuthorizer",
            "GetUsagePlans",
            "GetUsagePlan",
            "GetUsagePlanKeys",
            "GetApiKeys",
            "GetApiKey",
            "GetUsage",
            "GetDeployments",
            "GetDeployment",
            "GetAccount",
            "GetGatewayResponses",
            "GetDomainNames",
            "GetBasePathMappings",
            "GetVpcLinks",
        )
    },
    "apigatewayv2": {
        op: "apigateway:GET"
        for op in (
            "GetApis",
            "GetApi",
            "GetStages",
            "GetStage",
            "GetRoutes",
            "GetRoute",
            "GetIntegrations",
            "GetIntegration",
            "GetAuthorizers",
            "GetAuthorizer",
            "GetDeployments",
            "GetDeployment",
            "GetDomainNames",
            "GetApiMappings",
            "GetVpcLinks",
        )
    },
    "cloudwatch": {
        "GetMetricData": "cloudwatch:GetMetricData",
        "GetMetricStatistics": "cloudwatch:GetMetricStatistics",
        "ListMetrics": "cloudwatch:ListMetrics",
        "DescribeAlarms": "cloudwatch:DescribeAlarms",
        "DescribeAlarmHistory": "cloudwatch:DescribeAlarmHistory",
    },
    "logs": {
        "DescribeLogGroups": "logs:DescribeLogGroups",
        "DescribeLogStreams": "logs:DescribeLogStreams",
        "FilterLogEvents": "logs:FilterLogEvents",
        "GetLogEvents": "logs:GetLogEvents",
        "StartQuery": "logs:StartQuery",
        "GetQueryResults": "logs:GetQueryResults",
        "StopQuery": "logs:StopQuery",
        "DescribeQueries": "logs:DescribeQueries",
    },
    "wafv2": {
        "GetWebACLForResource": "wafv2:GetWebACLForResource",
        "GetWebACL": "wafv2:GetWebACL",
        "ListWebACLs": "wafv2:ListWebACLs",
        "GetLoggingConfiguration": "wafv2:GetLoggingConfiguration",
        "GetSampledRequests": "wafv2:GetSampledRequests",
    },
    "lambda": {
        "GetFunctionConfiguration": "lambda:GetFunctionConfiguration",
        "GetFunction": "lambda:GetFunction",
        "GetFunctionConcurrency": "lambda:GetFunctionConcurrency",
        "GetPolicy": "lambda:GetPolicy",
        "ListFunctions": "lambda:ListFunctions",
    },
    "cognito-idp": {
        "DescribeUserPool": "cognito-idp:DescribeUserPool",
        "DescribeUserPoolClient": "cognito-idp:DescribeUserPoolClient",
    },
    "pricing": {
        "GetProducts": "pricing:GetProducts",
        "DescribeServices": "pricing:DescribeServices",
        "GetAttributeValues": "pricing:GetAttributeValues",
    },
    "sts": {"GetCallerIdentity": "sts:GetCallerIdentity"},
}


def service_of(operation: str, hint: str) -> str:
    """The service whose operation failed: `hint` (the source's main service) when it has that operation,
    else the one allowlisted service that has it (waf-metrics asks WAF for its rules, then CloudWatch for
    `GetMetricData`: a denied call there is `cloudwatch:GetMetricData`, not `wafv2:...`)."""
    if operation in ALLOWED_OPERATIONS.get(hint, {}):
        return hint
    owners = [service for service, ops in ALLOWED_OPERATIONS.items() if operation in ops]
    return owners[0] if len(owners) == 1 else hint


def iam_action(service: str, operation: str) -> str:
    """The IAM action an operation needs, e.g. ('wafv2', 'GetSampledRequests') -> 'wafv2:GetSampledRequests'."""
    real = service_of(operation, service)
    return ALLOWED_OPERATIONS.get(real, {}).get(operation, f"{real}:{operation}")


def is_allowed(service: str, operation: str) -> bool:
    return operation in ALLOWED_OPERATIONS.get(service, {})


def least_privilege_policy() -> dict[str, Any]:
    """The IAM policy document that grants exactly what the allowlist needs (sts:GetCallerIdentity needs none)."""
    actions = sorted(
        {action for ops in ALLOWED_OPERATIONS.values() for action in ops.values()} - {"sts:GetCallerIdentity"}
    )
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "ApigwopsReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


GUARD_ID = "apigwops-read-only"


def refuse_unless_allowed(model: Any, **_: Any) -> None:
    """The before-call hook: raises `ReadOnlyViolation` for an operation outside the allowlist."""
    service = model.service_model.service_name
    if not is_allowed(service, model.name):
        raise ReadOnlyViolation(
            f"refused to call {service}:{model.name}: apigwops is read-only and this operation is not "
            "in its allowlist (apigwops.aws.allowlist)"
        )


def enforce_read_only(client: Any) -> None:
    """Register the allowlist hook on one boto3 client."""
    client.meta.events.register_first(
        f"before-call.{client.meta.service_model.service_id.hyphenize()}",
        refuse_unless_allowed,
        unique_id=GUARD_ID,
    )


def guard_session(session: Any) -> Any:
    """Register the allowlist hook on a boto3 session's events, so that every client made from it is guarded.

    Clients copy the session's handlers when they are made, so a caller of the library who takes
    `AwsContext.session` and makes a client of their own gets a read-only one too.
    """
    session.events.register_first("before-call", refuse_unless_allowed, unique_id=GUARD_ID)
    return session
