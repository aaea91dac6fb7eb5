"""Helpers for evidence tests against moto's server: a Runtime pointed at it and a writer for log lines."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import boto3
import pytest

from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.progress import RecordingProgress
from apigwops.runtime import Runtime


@pytest.fixture
def runtime(moto_endpoint: str) -> Runtime:
    return Runtime(
        aws=AwsContext(AwsSettings(region="us-east-1", endpoint_url=moto_endpoint)),
        progress=RecordingProgress(),
        sleep=lambda _s: None,
    )


@pytest.fixture
def write_logs(moto_endpoint: str) -> Callable[[str, Sequence[tuple[int, str]]], None]:
    """Write (epoch ms, message) events with a plain boto3 client: the tool's own clients are read-only."""
    logs: Any = boto3.client("logs", region_name="us-east-1", endpoint_url=moto_endpoint)
    created: set[str] = set()

    def write(group: str, events: Sequence[tuple[int, str]], stream: str = "s1") -> None:
        if group not in created:
            logs.create_log_group(logGroupName=group)
            created.add(group)
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
        ordered = sorted(events)
        for start in range(0, len(ordered), 5000):
            batch = [{"timestamp": t, "message": m} for t, m in ordered[start : start + 5000]]
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)

    return write
