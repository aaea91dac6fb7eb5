"""The read-only allowlist and the botocore error translation, without any endpoint.

Exceptions are the real botocore classes with the error shapes AWS returns (`{"Error": {"Code", "Message"}}`),
so `translate` and `skip_reason` see exactly what a live call would raise.
"""

from __future__ import annotations

import json

import botocore.exceptions as bx
import pytest
from typer.testing import CliRunner

from apigwops.aws.allowlist import ALLOWED_OPERATIONS, iam_action, is_allowed, least_privilege_policy
from apigwops.aws.errors import skip_reason, translate
from apigwops.errors import CredentialsError, ExitCode, ServiceError, exit_code_for


def client_error(code: str, operation: str, message: str = "boom", status: int = 400) -> bx.ClientError:
    return bx.ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


def test_every_allowed_operation_exists_in_the_service_model_and_reads() -> None:
    import boto3

    session = boto3.Session(region_name="us-east-1")
    for service, operations in ALLOWED_OPERATIONS.items():
        model = session.client(service).meta.service_model
        for op in operations:
            operation = model.operation_model(op)  # raises if the name is wrong
            verb = operation.http.get("method", "POST")
            if service in {"apigateway", "apigatewayv2", "lambda"}:
                # REST-style services: a read is a GET (the policy grants only apigateway:GET)
                assert verb == "GET", f"{service}:{op} is {verb}"
            assert not op.startswith(("Create", "Update", "Delete", "Put", "Associate", "Tag")), op


def test_iam_actions() -> None:
    assert iam_action("wafv2", "GetSampledRequests") == "wafv2:GetSampledRequests"
    assert iam_action("apigatewayv2", "GetRoutes") == "apigateway:GET"
    assert iam_action("lambda", "GetPolicy") == "lambda:GetPolicy"
    # an operation outside the table still gets a plausible name for messages
    assert iam_action("ec2", "DescribeVpcs") == "ec2:DescribeVpcs"
    assert is_allowed("apigateway", "GetRestApis")
    assert not is_allowed("apigateway", "CreateRestApi")
    assert not is_allowed("nosuchservice", "GetThing")


def test_policy_grants_every_allowlisted_action_and_nothing_that_writes() -> None:
    policy = least_privilege_policy()
    actions = policy["Statement"][0]["Action"]
    assert actions == sorted(set(actions))
    expected = {a for ops in ALLOWED_OPERATIONS.values() for a in ops.values()} - {"sts:GetCallerIdentity"}
    assert set(actions) == expected
    assert policy["Statement"][0]["Effect"] == "Allow"


def test_iam_policy_command_prints_valid_json_with_every_action() -> None:
    from apigwops.cli import app

    result = CliRunner().invoke(app, ["iam-policy"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    for ops in ALLOWED_OPERATIONS.values():
        for action in ops.values():
            if action != "sts:GetCallerIdentity":
                assert action in printed["Statement"][0]["Action"]


@pytest.mark.parametrize(
    "exc",
    [
        bx.NoCredentialsError(),
        bx.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
        bx.ProfileNotFound(profile="gone"),
        bx.NoRegionError(),
        bx.TokenRetrievalError(provider="sso", error_msg="Token has expired and refresh failed"),
        bx.UnauthorizedSSOTokenError(),
        client_error(
            "ExpiredTokenException", "GetRestApis", "The security token included in the request is expired"
        ),
        client_error("ExpiredToken", "GetCallerIdentity"),
        client_error(
            "UnrecognizedClientException", "GetApis", "The security token included in the request is invalid."
        ),
        client_error("InvalidSignatureException", "FilterLogEvents", "Signature expired"),
    ],
)
def test_credential_problems_exit_253(exc: Exception) -> None:
    known = translate(exc)
    assert isinstance(known, CredentialsError)
    assert exit_code_for(known) == ExitCode.CONFIG == 253
    assert "\n" not in known.message


def test_sso_expiry_says_what_to_run() -> None:
    known = translate(bx.UnauthorizedSSOTokenError())
    assert known is not None
    assert known.hint == "run 'aws sso login'"


@pytest.mark.parametrize(
    ("exc", "fragment"),
    [
        (bx.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "http://127.0.0.1:9"),
        (bx.ConnectTimeoutError(endpoint_url="https://logs.us-east-1.amazonaws.com"), "logs.us-east-1"),
        (bx.ReadTimeoutError(endpoint_url="https://x"), "did not answer"),
        (client_error("AccessDeniedException", "GetSampledRequests", "not authorized"), "AccessDenied"),
        (client_error("ThrottlingException", "FilterLogEvents", "Rate exceeded"), "throttling"),
        (
            client_error("InternalFailure", "GetMetricData", "oops", 500),
            "GetMetricData failed: InternalFailure",
        ),
    ],
)
def test_service_and_network_problems_exit_254(exc: Exception, fragment: str) -> None:
    known = translate(exc)
    assert isinstance(known, ServiceError)
    assert exit_code_for(known) == ExitCode.SERVICE == 254
    assert fragment in known.message


def test_unknown_exceptions_are_not_translated() -> None:
    assert translate(ValueError("x")) is None


def test_skip_reason_names_the_iam_action() -> None:
    denied = client_error("AccessDeniedException", "GetSampledRequests")
    assert skip_reason(denied, "wafv2") == "AccessDenied: wafv2:GetSampledRequests"
    denied_v1 = client_error("AccessDenied", "GetStage")
    assert skip_reason(denied_v1, "apigateway") == "AccessDenied: apigateway:GET"


def test_skip_reason_for_other_failures() -> None:
    assert skip_reason(client_error("ThrottlingException", "FilterLogEvents"), "logs") == (
        "throttled after retries: logs:FilterLogEvents"
    )
    # moto answers "Not yet implemented" with a bare 404
    assert skip_reason(client_error("404", "GetUsage"), "apigateway") == (
        "not supported by this endpoint: apigateway:GetUsage"
    )
    assert skip_reason(NotImplementedError(), "wafv2", "GetSampledRequests") == (
        "not supported by this endpoint: wafv2:GetSampledRequests"
    )
    assert "cannot reach" in skip_reason(bx.EndpointConnectionError(endpoint_url="http://x"), "logs", "X")
    assert skip_reason(KeyError("k"), "logs", "FilterLogEvents") == "KeyError: 'k'"


def test_html_error_pages_become_one_line() -> None:
    # What moto (and some proxies) send instead of an AWS error document: the whole HTML page as the message.
    page = (
        "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
        "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error.</p>\n"
    )
    exc = client_error("500", "GetAuthorizers", page, 500)
    known = translate(exc)
    assert known is not None
    assert known.message == "GetAuthorizers failed: 500: 500 Internal Server Error"
    assert skip_reason(exc, "apigatewayv2") == "GetAuthorizers failed: 500: 500 Internal Server Error"
    long = translate(client_error("ValidationException", "GetMetricData", "x " * 500))
    assert long is not None
    assert len(long.message) < 350
    assert "\n" not in long.message


def test_a_denied_call_names_the_service_that_owns_it() -> None:
    """Issue 13: waf-metrics (a WAF source) calls CloudWatch; 'wafv2:GetMetricData' is no IAM action."""
    denied = bx.ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetMetricData")
    assert skip_reason(denied, "wafv2") == "AccessDenied: cloudwatch:GetMetricData"
    throttled = bx.ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "GetMetricData")
    assert skip_reason(throttled, "wafv2") == "throttled after retries: cloudwatch:GetMetricData"
    assert iam_action("wafv2", "GetWebACL") == "wafv2:GetWebACL"
    assert iam_action("apigateway", "GetStages") == "apigateway:GET"
