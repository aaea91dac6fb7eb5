"""The few ARN and URI shapes apigwops reads names out of; pure string work, no boto3.

Formats (AWS documentation): CloudWatch log group `arn:aws:logs:{region}:{account}:log-group:{name}[:*]`,
Lambda integration URI `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function-arn}/invocations`
(HTTP APIs may give the function ARN itself), Cognito user pool
`arn:aws:cognito-idp:{region}:{account}:userpool/{pool-id}` whose tokens carry
`iss = https://cognito-idp.{region}.amazonaws.com/{pool-id}`.
"""

from __future__ import annotations

import re

_LOG_GROUP = re.compile(r"^arn:aws[\w-]*:logs:[^:]*:[^:]*:log-group:(?P<name>[^:]+)(?::\*)?$")
_FUNCTION = re.compile(
    r"arn:aws[\w-]*:lambda:(?P<region>[^:/]+):(?P<account>\d+):function:(?P<name>[^:/]+)(?::(?P<qualifier>[^/]+))?"
)
_USER_POOL = re.compile(r"^arn:aws[\w-]*:cognito-idp:(?P<region>[^:]+):[^:]*:userpool/(?P<pool>[^/]+)$")


def log_group_name(arn: str | None) -> str | None:
    """The log group name of a CloudWatch Logs ARN; None for other destinations (Firehose, S3)."""
    if not arn:
        return None
    match = _LOG_GROUP.match(arn.strip())
    return match.group("name") if match else None


def lambda_function_name(uri: str | None) -> str | None:
    """The function name in an integration or authorizer URI; None when it is not a Lambda URI.

    A name given through a stage variable (`${stageVariables.fn}`) is returned as written, since it can only be
    resolved against the stage's variables.
    """
    if not uri:
        return None
    match = _FUNCTION.search(uri)
    return match.group("name") if match else None


def lambda_account(uri: str | None) -> str | None:
    """The account id in a Lambda function ARN or URI (used to build the execute-api source ARN)."""
    match = _FUNCTION.search(uri or "")
    return match.group("account") if match else None


def cognito_issuer(provider_arn: str) -> str | None:
    """The `iss` claim tokens from a Cognito user pool carry."""
    match = _USER_POOL.match(provider_arn.strip())
    if not match:
        return None
    return f"https://cognito-idp.{match.group('region')}.amazonaws.com/{match.group('pool')}"


def rest_stage_arn(region: str, api_id: str, stage: str) -> str:
    """The resource ARN WAF associates with a REST API stage (GetWebACLForResource)."""
    return f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{stage}"
