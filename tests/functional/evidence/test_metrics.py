"""Metrics: plain statistics from moto's CloudWatch over HTTP; percentiles from an AWS-shaped stubbed answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import botocore.exceptions
import pytest
from botocore.stub import ANY, Stubber

from apigwops.evidence.metrics import (
    MAX_QUERIES_PER_CALL,
    MetricSpec,
    fetch_metrics,
    metric_specs,
    percentile_specs,
    period_for,
)
from apigwops.model import ApiInfo, LambdaFunction, StageConfig
from apigwops.runtime import Runtime
from apigwops.timewindow import Window

REST = ApiInfo(id="a1b2c3", name="user-api", type="REST", stage="prod", region="us-east-1")
HTTP = ApiInfo(id="h1t2p3", name="orders", type="HTTP", stage="$default", region="us-east-1")
FN = LambdaFunction(name="orders-fn", timeout_s=3)


def _window() -> Window:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    return Window(end - timedelta(minutes=30), end)


def test_specs_use_each_api_types_names_and_dimensions() -> None:
    rest = metric_specs(
        REST,
        StageConfig(name="prod", caching_enabled=True),
        [FN],
        web_acl_metric="acl",
        waf_rule_metrics=["rate"],
        region="us-east-1",
    )
    names = {(s.namespace, s.metric, s.stat) for s in rest}
    assert ("AWS/ApiGateway", "5XXError", "Sum") in names
    assert ("AWS/ApiGateway", "CacheHitCount", "Sum") in names
    assert ("AWS/Lambda", "Throttles", "Sum") in names
    assert ("AWS/Lambda", "ConcurrentExecutions", "Maximum") in names
    assert {s.dimensions_key for s in rest if s.namespace == "AWS/ApiGateway"} == {
        "ApiName=user-api,Stage=prod"
    }
    assert {s.dimensions_key for s in rest if s.namespace == "AWS/WAFV2"} == {
        "Region=us-east-1,Rule=ALL,WebACL=acl",
        "Region=us-east-1,Rule=rate,WebACL=acl",
    }
    http = metric_specs(HTTP, StageConfig(name="$default"))
    assert {s.metric for s in http} >= {"4xx", "5xx", "DataProcessed"}
    assert {s.dimensions_key for s in http} == {"ApiId=h1t2p3,Stage=$default"}
    assert all(s.stat.startswith("p") for s in percentile_specs(REST, [FN]))
    assert period_for(_window()) == 60
    assert period_for(Window(_window().start - timedelta(days=2), _window().end)) == 3600


def test_plain_statistics_from_moto(runtime: Runtime, moto_endpoint: str) -> None:
    window = _window()
    cw = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=moto_endpoint)
    when = window.start + timedelta(minutes=5, seconds=10)
    dims = [{"Name": "ApiName", "Value": "user-api"}, {"Name": "Stage", "Value": "prod"}]
    cw.put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[
            {"MetricName": "5XXError", "Dimensions": dims, "Timestamp": when, "Value": 7.0},
            {
                "MetricName": "5XXError",
                "Dimensions": dims,
                "Timestamp": when + timedelta(seconds=5),
                "Value": 3.0,
            },
            {"MetricName": "Count", "Dimensions": dims, "Timestamp": when, "Value": 40.0},
            {"MetricName": "Latency", "Dimensions": dims, "Timestamp": when, "Value": 900.0},
        ],
    )
    frame = fetch_metrics(
        runtime.aws.client("cloudwatch"), metric_specs(REST, StageConfig(name="prod"), [FN]), window
    )
    errors = frame[(frame["metric"] == "5XXError") & (frame["stat"] == "Sum")]
    assert list(errors["value"]) == [10.0]
    assert errors["dimensions"].iloc[0] == "ApiName=user-api,Stage=prod"
    assert errors["timestamp"].iloc[0] == when.replace(second=0)
    assert frame[(frame["metric"] == "Latency") & (frame["stat"] == "Maximum")]["value"].tolist() == [900.0]
    assert runtime.aws.calls["cloudwatch:GetMetricData"] == 1


def test_many_queries_are_batched_500_per_call(runtime: Runtime) -> None:
    specs = [
        MetricSpec("AWS/Lambda", "Errors", "Sum", (("FunctionName", f"fn-{i}"),))
        for i in range(MAX_QUERIES_PER_CALL + 20)
    ]
    frame = fetch_metrics(runtime.aws.client("cloudwatch"), specs, _window())
    assert frame.empty
    assert runtime.aws.calls["cloudwatch:GetMetricData"] == 2


def test_moto_cannot_serve_percentiles(runtime: Runtime, moto_endpoint: str) -> None:
    """Why percentiles are a separate call: this endpoint fails on them (the collector turns it into a skip)."""
    window = _window()
    cw = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=moto_endpoint)
    dims = [{"Name": "ApiName", "Value": "user-api"}, {"Name": "Stage", "Value": "prod"}]
    cw.put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": dims,
                "Timestamp": window.start + timedelta(minutes=1),
                "Value": 5.0,
            }
        ],
    )
    with pytest.raises((botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)):
        fetch_metrics(runtime.aws.client("cloudwatch"), percentile_specs(REST), window)


def test_percentiles_from_an_aws_shaped_answer_with_paging() -> None:
    window = Window(datetime(2026, 11, 24, 1, 0, tzinfo=UTC), datetime(2026, 11, 24, 1, 30, tzinfo=UTC))
    specs = percentile_specs(REST)
    client = boto3.client("cloudwatch", region_name="us-east-1")
    t1, t2 = datetime(2026, 11, 24, 1, 10, tzinfo=UTC), datetime(2026, 11, 24, 1, 11, tzinfo=UTC)
    expected = {
        "MetricDataQueries": ANY,
        "StartTime": window.start,
        "EndTime": window.end,
        "ScanBy": "TimestampAscending",
    }
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    {
                        "Id": "m2",
                        "Label": "Latency p99",
                        "Timestamps": [t1],
                        "Values": [2900.5],
                        "StatusCode": "PartialData",
                    },
                ],
                "NextToken": "page-2",
                "Messages": [],
            },
            expected,
        )
        stubber.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    {
                        "Id": "m2",
                        "Label": "Latency p99",
                        "Timestamps": [t2],
                        "Values": [29000.0],
                        "StatusCode": "Complete",
                    },
                    {
                        "Id": "m3",
                        "Label": "IntegrationLatency p50",
                        "Timestamps": [t1],
                        "Values": [120.0],
                        "StatusCode": "Complete",
                    },
                ]
            },
            {**expected, "NextToken": "page-2"},
        )
        frame = fetch_metrics(client, specs, window)
        stubber.assert_no_pending_responses()
    p99 = frame[(frame["metric"] == "Latency") & (frame["stat"] == "p99")]
    assert specs[2].stat == "p99"
    assert p99["value"].tolist() == [2900.5, 29000.0]
    assert frame[(frame["metric"] == "IntegrationLatency") & (frame["stat"] == "p50")]["value"].tolist() == [
        120.0
    ]
