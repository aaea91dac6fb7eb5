"""Whatever one evidence source raises becomes its own check; only credentials, read-only and Ctrl-C stop the run.

`collect._guarded` used to read `exc.response` as a dict and crashed (exit 255) on a `ConnectionClosedError`,
whose `response` is absent, taking every other source down with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.errors import CredentialsError, ReadOnlyViolation
from apigwops.evidence.collect import _guarded
from apigwops.evidence.sources.base import Part, SourceContext
from apigwops.model import ApiConfig, ApiInfo, StageConfig
from apigwops.progress import RecordingProgress
from apigwops.runtime import Runtime
from apigwops.timewindow import Window

END = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)


def _ctx() -> SourceContext:
    runtime = Runtime(
        aws=AwsContext(AwsSettings(region="us-east-1", endpoint_url="http://127.0.0.1:9")),
        progress=RecordingProgress(),
    )
    api = ApiInfo(id="a1", name="user-api", type="REST", stage="prod", region="us-east-1")
    return SourceContext(
        runtime,
        api,
        ApiConfig(stage=StageConfig(name="prod")),
        Window(END - timedelta(minutes=30), END),
        engine=None,
    )  # type: ignore[arg-type]


def _raising(exc: BaseException) -> Callable[[SourceContext], Part]:
    def source(_: SourceContext) -> Part:
        raise exc

    return source


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (ConnectionClosedError(endpoint_url="http://127.0.0.1:9/"), "cannot reach the AWS endpoint"),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:9/"), "did not answer in time"),
        (
            ResponseParserError("Unable to parse response (not valid JSON),\ninvalid body:\nb'\\x00garbage'"),
            "parse",
        ),
        (AttributeError("'NoneType' object has no attribute 'get'"), "AttributeError"),
        (KeyError("MetricDataResults"), "KeyError"),
        (ValueError(""), "ValueError"),
    ],
)
def test_any_failure_is_an_error_check_with_one_line(exc: BaseException, reason: str) -> None:
    part = _guarded("metrics", "cloudwatch", _raising(exc), _ctx())
    (check,) = part.checks
    assert (check.id, check.status) == ("metrics", "error")
    assert reason in check.reason
    assert "\n" not in check.reason


def test_an_http_500_without_metadata_is_still_judged() -> None:
    exc = ClientError({"Error": {"Code": "InternalFailure", "Message": "boom"}}, "GetMetricData")
    exc.response = None  # type: ignore[assignment]  # what a custom botocore hook or a wrapper may leave
    (check,) = _guarded("metrics", "cloudwatch", _raising(exc), _ctx()).checks
    assert check.status == "error"


@pytest.mark.parametrize(
    "exc",
    [
        KeyboardInterrupt(),
        ReadOnlyViolation("refused to call logs:PutLogEvents"),
        CredentialsError("no usable AWS credentials"),
        ClientError(
            {
                "Error": {
                    "Code": "ExpiredTokenException",
                    "Message": "The security token included in the request is expired",
                }
            },
            "FilterLogEvents",
        ),
    ],
)
def test_credentials_read_only_and_ctrl_c_stop_the_run(exc: BaseException) -> None:
    expected = type(exc) if not isinstance(exc, ClientError) else CredentialsError
    with pytest.raises(expected):
        _guarded("access-logs", "logs", _raising(exc), _ctx())
