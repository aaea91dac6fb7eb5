"""The session factory against a real moto server over HTTP: endpoint routing, read-only guard, failures.

Endpoint precedence verified here is the SDKs' (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html):
`AWS_ENDPOINT_URL_<SERVICE>` beats `AWS_ENDPOINT_URL`; apigwops's `--endpoint-url` beats both.
"""

from __future__ import annotations

import socket
import time

import boto3
import botocore.exceptions as bx
import pytest

from apigwops.aws.errors import translate
from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.errors import CredentialsError, ReadOnlyViolation, ServiceError


def closed_port_url() -> str:
    """A loopback URL nobody listens on (bound then released, so connecting is refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def make_rest_api(endpoint: str, name: str = "user-api") -> str:
    writer = boto3.client("apigateway", endpoint_url=endpoint, region_name="us-east-1")
    return str(writer.create_rest_api(name=name)["id"])


def test_endpoint_url_setting_routes_every_client_to_moto(moto_endpoint: str) -> None:
    api_id = make_rest_api(moto_endpoint)
    aws = AwsContext(AwsSettings(endpoint_url=moto_endpoint))
    items = aws.client("apigateway").get_rest_apis()["items"]
    assert [i["id"] for i in items] == [api_id]
    assert aws.client("sts").get_caller_identity()["Account"] == "123456789012"
    assert not aws.talks_to_aws("apigateway")
    assert aws.calls["apigateway:GetRestApis"] == 1
    assert aws.api_calls == 2


def test_aws_endpoint_url_environment_routes_clients(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_id = make_rest_api(moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    aws = AwsContext()
    assert aws.endpoint_url("apigateway") == moto_endpoint
    assert aws.client("apigateway").get_rest_api(restApiId=api_id)["name"] == "user-api"


def test_service_specific_endpoint_variable_wins(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    api_id = make_rest_api(moto_endpoint)
    dead = closed_port_url()
    monkeypatch.setenv("AWS_ENDPOINT_URL", dead)
    monkeypatch.setenv("AWS_ENDPOINT_URL_API_GATEWAY", moto_endpoint)
    aws = AwsContext()
    assert aws.client("apigateway").get_rest_api(restApiId=api_id)["id"] == api_id
    assert aws.endpoint_url("logs") == dead  # the other services still follow AWS_ENDPOINT_URL


def test_without_any_endpoint_clients_talk_to_aws() -> None:
    aws = AwsContext(AwsSettings(region="eu-west-1"))
    assert aws.endpoint_url("logs") == "https://logs.eu-west-1.amazonaws.com"
    assert aws.talks_to_aws()


def test_write_call_is_refused_before_it_is_sent(moto_endpoint: str) -> None:
    aws = AwsContext(AwsSettings(endpoint_url=moto_endpoint))
    with pytest.raises(ReadOnlyViolation, match="apigateway:CreateRestApi"):
        aws.client("apigateway").create_rest_api(name="should-not-exist")
    with pytest.raises(ReadOnlyViolation, match="lambda:UpdateFunctionConfiguration"):
        aws.client("lambda").update_function_configuration(FunctionName="f", Timeout=3)
    # nothing reached moto: the API list is still empty
    reader = boto3.client("apigateway", endpoint_url=moto_endpoint, region_name="us-east-1")
    assert reader.get_rest_apis()["items"] == []
    assert "apigateway:CreateRestApi" not in aws.calls


def test_no_credentials_is_a_config_error(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata probe on a CI box
    aws = AwsContext(AwsSettings(endpoint_url=moto_endpoint))
    with pytest.raises(bx.NoCredentialsError) as info:
        aws.client("apigateway").get_rest_apis()
    known = translate(info.value)
    assert isinstance(known, CredentialsError)
    assert known.exit_code == 253
    assert known.hint
    assert "aws sso login" in known.hint


def test_unreachable_endpoint_fails_fast_with_a_service_error() -> None:
    dead = closed_port_url()
    aws = AwsContext(AwsSettings(endpoint_url=dead))
    started = time.monotonic()
    with pytest.raises(bx.EndpointConnectionError) as info:
        aws.client("apigateway").get_rest_apis()
    elapsed = time.monotonic() - started
    known = translate(info.value)
    assert isinstance(known, ServiceError)
    assert known.exit_code == 254
    assert dead in known.message
    # AWS_MAX_ATTEMPTS=2 in the test environment: one retry with jittered backoff (< 1 s), never minutes
    assert elapsed < 5, elapsed


def test_an_unimplemented_call_gives_a_one_line_reason(moto_endpoint: str) -> None:
    from apigwops.aws.errors import skip_reason

    writer = boto3.client("apigatewayv2", endpoint_url=moto_endpoint, region_name="us-east-1")
    api_id = writer.create_api(Name="h", ProtocolType="HTTP")["ApiId"]
    aws = AwsContext(AwsSettings(endpoint_url=moto_endpoint))
    with pytest.raises(bx.ClientError) as info:
        aws.client("apigatewayv2").get_authorizers(ApiId=api_id)  # moto 5.2.5: NotImplementedError → HTML 500
    reason = skip_reason(info.value, "apigatewayv2")
    assert "\n" not in reason
    assert reason.startswith("GetAuthorizers failed: 500")


def test_a_client_made_from_the_public_session_is_read_only(moto_endpoint: str) -> None:
    """Issue 13: `AwsContext.session` handed out an unguarded session; a library caller created an API with it."""
    aws = AwsContext(AwsSettings(endpoint_url=moto_endpoint))
    own = aws.session.client("apigateway", endpoint_url=moto_endpoint)
    with pytest.raises(ReadOnlyViolation, match="refused to call apigateway:CreateRestApi"):
        own.create_rest_api(name="should-not-exist")
    with pytest.raises(ReadOnlyViolation, match="refused to call logs:CreateLogGroup"):
        aws.session.client("logs", endpoint_url=moto_endpoint).create_log_group(logGroupName="x")
    assert own.get_rest_apis()["items"] == []  # reads still work, and nothing was created
    writer = boto3.client("apigateway", endpoint_url=moto_endpoint, region_name="us-east-1")
    assert writer.get_rest_apis()["items"] == []


def test_a_session_handed_in_is_guarded_too(moto_endpoint: str) -> None:
    session = boto3.Session(region_name="us-east-1")
    aws = AwsContext(AwsSettings(endpoint_url=moto_endpoint), session=session)
    with pytest.raises(ReadOnlyViolation):
        aws.session.client("apigateway", endpoint_url=moto_endpoint).create_rest_api(name="x")
    assert aws.client("apigateway").get_rest_apis()["items"] == []
