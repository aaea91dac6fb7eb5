"""`--debug` names every AWS call with its status, attempts and latency, and never a parameter's value."""

from __future__ import annotations

import re
import socket

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings

LINE = re.compile(r"^aws: (\S+) (\S+) -> (.+), (\d+) attempts?, (\d+) ms$")


def test_each_call_is_one_line_with_status_attempts_and_latency(moto_endpoint: str) -> None:
    lines: list[str] = []
    aws = AwsContext(AwsSettings(region="us-east-1", endpoint_url=moto_endpoint), debug=lines.append)
    aws.client("apigateway").get_rest_apis()
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        aws.client("logs").filter_log_events(
            logGroupName="/nope", filterPattern="Bearer eyJsecret.token.value"
        )
    assert len(lines) == 2
    first, second = (LINE.match(line) for line in lines)
    assert first is not None, lines
    assert second is not None, lines
    assert first.groups()[:4] == ("apigateway", "GetRestApis", "200", "1")
    assert second.groups()[:3] == ("logs", "FilterLogEvents", "400")
    assert not any("eyJ" in line or "/nope" in line for line in lines)


def test_a_call_that_never_got_an_answer_says_why_and_how_often_it_tried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    lines: list[str] = []
    aws = AwsContext(
        AwsSettings(region="us-east-1", endpoint_url=f"http://127.0.0.1:{port}"), debug=lines.append
    )
    with pytest.raises(EndpointConnectionError):
        aws.client("apigateway").get_rest_apis()
    match = LINE.match(lines[-1])
    assert match is not None, lines
    assert match.group(3) == "failed (EndpointConnectionError)"
    assert match.group(4) == "2"
