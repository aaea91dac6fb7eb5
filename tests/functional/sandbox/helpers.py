"""Real HTTP calls to the local stages and plain-boto3 reads from moto, shared by the sandbox tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    @property
    def request_id(self) -> str:
        return self.headers.get("x-amzn-requestid") or self.headers["apigw-requestid"]


def call(
    url: str, *, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None
) -> Reply:
    """One request over real HTTP (urllib), errors included."""
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return Reply(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())


def client(sb: Any, service: str) -> Any:
    """A plain boto3 client on the sandbox's moto, as a user would make one."""
    return boto3.client(
        service,
        endpoint_url=sb.moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def log_messages(sb: Any, group_key: str, phrase: str) -> list[str]:
    """Messages in one of the sandbox's log groups containing `phrase` (moto supports exact-phrase filters)."""
    logs = client(sb, "logs")
    # "lambda" is the users function's group, "lambda-orders" the orders function's (constants.FUNCTIONS)
    aliases = {"lambda": "lambda:user-api-handler", "lambda-orders": "lambda:orders-api-handler"}
    group = sb.provisioned.log_groups[aliases.get(group_key, group_key)]
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group, filterPattern=f'"{phrase}"')
    return [event["message"] for page in pages for event in page["events"]]


def access_record(sb: Any, api_type: str, request_id: str) -> dict[str, str]:
    lines = log_messages(sb, "rest-access" if api_type == "REST" else "http-access", request_id)
    assert len(lines) == 1, lines
    record: dict[str, str] = json.loads(lines[0])
    return record


def metric_sum(sb: Any, namespace: str, name: str, dims: dict[str, str]) -> float:
    cw = client(sb, "cloudwatch")
    now = datetime.now(UTC)
    points = cw.get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=2),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return float(sum(p["Sum"] for p in points))
