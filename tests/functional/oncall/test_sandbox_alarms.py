"""The sandbox's alarms in moto: the recommended set is created, and the evaluator moves the count alarms
between OK and ALARM with SetAlarmState as the metric crosses the threshold (moto itself never evaluates)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from apigwops.sandbox.alarms import AlarmEvaluator, provision_alarms, provision_websocket_alarms


def test_evaluator_fires_and_clears_the_5xx_alarm(moto_endpoint: str) -> None:
    cw: Any = boto3.client(
        "cloudwatch",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
    )
    names = provision_alarms(cw, "r1", "h1")
    assert sorted(names) == sorted(
        f"{api}-prod-{key}"
        for api in ("user-api", "user-http-api")
        for key in ("5xx", "4xx", "latency-p99", "integration-latency-p99")
    )
    http = {a["AlarmName"]: a for a in cw.describe_alarms()["MetricAlarms"]}["user-http-api-prod-5xx"]
    assert (http["MetricName"], http["Dimensions"]) == (
        "5xx",
        [{"Name": "ApiId", "Value": "h1"}, {"Name": "Stage", "Value": "prod"}],
    )
    now = datetime.now(UTC)
    cw.put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[
            {
                "MetricName": "5XXError",
                "Dimensions": [{"Name": "ApiName", "Value": "user-api"}, {"Name": "Stage", "Value": "prod"}],
                "Timestamp": now - timedelta(minutes=1),
                "StatisticValues": {"SampleCount": 20, "Sum": 11, "Minimum": 0, "Maximum": 1},
            }
        ],
    )
    evaluator = AlarmEvaluator(cw, "r1", "h1")
    states = evaluator.evaluate(now)
    assert states["user-api-prod-5xx"] == "ALARM"
    assert states["user-http-api-prod-5xx"] == states["user-api-prod-4xx"] == "OK"
    rest = cw.describe_alarms(AlarmNames=["user-api-prod-5xx"])["MetricAlarms"][0]
    assert rest["StateValue"] == "ALARM"
    assert json.loads(rest["StateReasonData"])["recentDatapoints"] == [11.0]
    # ten minutes later the errors have left the 5-minute period: back to OK
    later = evaluator.evaluate(now + timedelta(minutes=10))
    assert later["user-api-prod-5xx"] == "OK"
    rest = cw.describe_alarms(AlarmNames=["user-api-prod-5xx"])["MetricAlarms"][0]
    assert rest["StateValue"] == "OK"
    assert rest["StateReason"].startswith(
        "Threshold Crossed: 1 datapoint was not greater than the threshold (10.0)"
    )
    # exactly at the threshold, GreaterThanThreshold does not breach
    cw.put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[
            {
                "MetricName": "5xx",
                "Dimensions": [{"Name": "ApiId", "Value": "h1"}, {"Name": "Stage", "Value": "prod"}],
                "Timestamp": now - timedelta(minutes=1),
                "StatisticValues": {"SampleCount": 10, "Sum": 10, "Minimum": 1, "Maximum": 1},
            }
        ],
    )
    assert evaluator.evaluate(now)["user-http-api-prod-5xx"] == "OK"


def _count(cw: Any, metric: str, api_id: str, total: float, at: datetime) -> None:
    cw.put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "ApiId", "Value": api_id}, {"Name": "Stage", "Value": "prod"}],
                "Timestamp": at,
                "StatisticValues": {"SampleCount": 20, "Sum": total, "Minimum": 0, "Maximum": 1},
            }
        ],
    )


def test_websocket_stage_alarms_use_the_websocket_metrics_and_fire_on_integration_errors(
    moto_endpoint: str,
) -> None:
    cw: Any = boto3.client(
        "cloudwatch",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
    )
    names = provision_websocket_alarms(cw, "w1")
    assert sorted(names) == sorted(
        f"chat-ws-api-prod-{key}" for key in ("5xx", "4xx", "integration-latency-p99")
    )
    made = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNamePrefix="chat-ws-api")["MetricAlarms"]}
    ws_dims = [{"Name": "ApiId", "Value": "w1"}, {"Name": "Stage", "Value": "prod"}]
    assert {n: (a["MetricName"], a["Dimensions"]) for n, a in made.items()} == {
        "chat-ws-api-prod-5xx": ("IntegrationError", ws_dims),
        "chat-ws-api-prod-4xx": ("ClientError", ws_dims),
        "chat-ws-api-prod-integration-latency-p99": ("IntegrationLatency", ws_dims),
    }
    assert made["chat-ws-api-prod-integration-latency-p99"]["ExtendedStatistic"] == "p99"
    now = datetime.now(UTC)
    # another WebSocket API's errors and this one's execution errors are not this stage's integration errors
    _count(cw, "IntegrationError", "other", 50, now - timedelta(minutes=1))
    _count(cw, "ExecutionError", "w1", 50, now - timedelta(minutes=1))
    without = AlarmEvaluator(cw, "r1", "h1")
    assert not any(n.startswith("chat-ws-api") for n in without.evaluate(now))
    evaluator = AlarmEvaluator(cw, "r1", "h1", websocket_api_id="w1")
    assert evaluator.evaluate(now)["chat-ws-api-prod-5xx"] == "OK"
    _count(cw, "IntegrationError", "w1", 12, now - timedelta(minutes=2))
    states = evaluator.evaluate(now)
    assert (states["chat-ws-api-prod-5xx"], states["chat-ws-api-prod-4xx"]) == ("ALARM", "OK")
    assert "chat-ws-api-prod-integration-latency-p99" not in states  # moto cannot compute p99
    fired = cw.describe_alarms(AlarmNames=["chat-ws-api-prod-5xx"])["MetricAlarms"][0]
    assert fired["StateValue"] == "ALARM"
    assert fired["StateReason"] == (
        "Threshold Crossed: 1 datapoint was greater than the threshold (10.0). "
        "The most recent datapoints: [12.0]."
    )
    assert evaluator.evaluate(now + timedelta(minutes=10))["chat-ws-api-prod-5xx"] == "OK"
