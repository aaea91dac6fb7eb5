"""Names read out of ARNs and integration URIs, in the shapes the AWS API references document."""

from __future__ import annotations

import pytest

from apigwops.aws.arns import (
    cognito_issuer,
    lambda_account,
    lambda_function_name,
    log_group_name,
    rest_stage_arn,
)
from apigwops.aws.resolve import invoke_url


@pytest.mark.parametrize(
    ("arn", "name"),
    [
        (
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/user-api",
            "/aws/apigateway/user-api",
        ),
        ("arn:aws:logs:us-east-1:123456789012:log-group:API-Access:*", "API-Access"),
        ("arn:aws-cn:logs:cn-north-1:123456789012:log-group:aws-waf-logs-x", "aws-waf-logs-x"),
        ("arn:aws:firehose:us-east-1:123456789012:deliverystream/amazon-apigateway-x", None),
        ("arn:aws:s3:::aws-waf-logs-bucket", None),
        ("", None),
        (None, None),
    ],
)
def test_log_group_name(arn: str | None, name: str | None) -> None:
    assert log_group_name(arn) == name


@pytest.mark.parametrize(
    ("uri", "name"),
    [
        (
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            "arn:aws:lambda:us-east-1:123456789012:function:orders-fn/invocations",
            "orders-fn",
        ),
        (
            "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
            "arn:aws:lambda:eu-west-1:123456789012:function:orders-fn:live/invocations",
            "orders-fn",
        ),
        ("arn:aws:lambda:us-east-1:123456789012:function:http-fn", "http-fn"),
        ("arn:aws:lambda:us-east-1:123456789012:function:http-fn:3", "http-fn"),
        ("https://backend.example.com/orders", None),
        (None, None),
    ],
)
def test_lambda_function_name(uri: str | None, name: str | None) -> None:
    assert lambda_function_name(uri) == name


def test_lambda_account_and_cognito_issuer() -> None:
    assert lambda_account("arn:aws:lambda:us-east-1:210987654321:function:f") == "210987654321"
    assert lambda_account("https://x") is None
    assert (
        cognito_issuer("arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC")
        == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"
    )
    assert cognito_issuer("arn:aws:iam::123456789012:role/x") is None


def test_stage_arn_and_invoke_urls() -> None:
    assert (
        rest_stage_arn("us-east-1", "a1b2c3", "prod")
        == "arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod"
    )
    assert (
        invoke_url("REST", "a1", "eu-west-1", "prod", {})
        == "https://a1.execute-api.eu-west-1.amazonaws.com/prod"
    )
    assert (
        invoke_url("HTTP", "h1", "eu-west-1", "$default", {})
        == "https://h1.execute-api.eu-west-1.amazonaws.com"
    )
    assert (
        invoke_url("HTTP", "h1", "eu-west-1", "beta", {})
        == "https://h1.execute-api.eu-west-1.amazonaws.com/beta"
    )
    assert (
        invoke_url("WEBSOCKET", "w1", "eu-west-1", "prod", {})
        == "wss://w1.execute-api.eu-west-1.amazonaws.com/prod"
    )
    local = {"apigwops:sandbox-url": "http://127.0.0.1:8123/prod"}
    assert invoke_url("REST", "a1", "us-east-1", "prod", local) == "http://127.0.0.1:8123/prod"
