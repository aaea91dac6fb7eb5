"""`apigwops status` against moto's server: every stage listed, numbers read back, a bounded number of calls."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import yaml
from typer.testing import CliRunner

from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.cli import app
from apigwops.status.read import read_status
from apigwops.timewindow import Window

REGION = "us-east-1"
REST_APIS, HTTP_APIS = 30, 25  # 55 APIs, plus one WebSocket API


def writer(endpoint: str, service: str, region: str = REGION) -> Any:
    return boto3.client(
        service, endpoint_url=endpoint, region_name=region, aws_access_key_id="t", aws_secret_access_key="t"
    )


def _put(cw: Any, metric: str, dims: dict[str, str], value: float, when: datetime) -> None:
    cw.put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Timestamp": when,
                "StatisticValues": {"SampleCount": max(value, 1), "Sum": value, "Minimum": 0, "Maximum": 1},
                "Unit": "Count",
            }
        ],
    )


@pytest.fixture(scope="module")
def account(moto_server: str) -> dict[str, Any]:
    """One account for the module (56 APIs take a while to create); nothing here writes after setup."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=10)
    moto_endpoint = moto_server
    apig = writer(moto_endpoint, "apigateway")
    v2 = writer(moto_endpoint, "apigatewayv2")
    cw = writer(moto_endpoint, "cloudwatch")
    for i in range(REST_APIS):
        api = apig.create_rest_api(name=f"rest-{i:02d}")["id"]
        root = apig.get_resources(restApiId=api)["items"][0]["id"]
        apig.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
        apig.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        apig.create_deployment(restApiId=api, stageName="prod")
    http_ids = []
    for i in range(HTTP_APIS):
        api = v2.create_api(Name=f"http-{i:02d}", ProtocolType="HTTP")["ApiId"]
        v2.create_stage(ApiId=api, StageName="prod")
        http_ids.append(api)
    ws = v2.create_api(
        Name="chat", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )["ApiId"]
    v2.create_stage(ApiId=ws, StageName="live")
    when = datetime.now(UTC) - timedelta(minutes=3)
    bad = {"ApiName": "rest-07", "Stage": "prod"}
    _put(cw, "Count", bad, 40, when)
    _put(cw, "5XXError", bad, 12, when)
    _put(cw, "4XXError", bad, 4, when)
    busy = {"ApiId": http_ids[3], "Stage": "prod"}
    _put(cw, "Count", busy, 200, when)
    _put(cw, "4xx", busy, 50, when)
    _put(cw, "5xx", busy, 2, when)
    cw.put_metric_alarm(
        AlarmName="rest-07-5xx",
        Namespace="AWS/ApiGateway",
        MetricName="5XXError",
        Dimensions=[{"Name": k, "Value": v} for k, v in bad.items()],
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=10,
        ComparisonOperator="GreaterThanThreshold",
    )
    cw.set_alarm_state(AlarmName="rest-07-5xx", StateValue="ALARM", StateReason="Threshold Crossed")
    return {"endpoint": moto_endpoint, "busy": http_ids[3], "ws": ws}


def _window() -> Window:
    now = datetime.now(UTC)
    return Window((now - timedelta(minutes=15)).replace(second=0, microsecond=0), now)


def test_status_lists_every_stage_with_its_numbers_in_a_bounded_number_of_calls(
    account: dict[str, Any],
) -> None:
    aws = AwsContext(AwsSettings(region=REGION, endpoint_url=account["endpoint"]))
    report = read_status(aws, _window(), "15m")
    stages = report.stages()
    apis = REST_APIS + HTTP_APIS + 1
    assert len(stages) == apis
    worst, second = stages[0], stages[1]
    assert (worst.ref.api_name, worst.requests, worst.errors_5xx, worst.errors_4xx) == ("rest-07", 40, 12, 4)
    assert worst.rate_5xx == pytest.approx(0.3)
    assert worst.alarms == ["rest-07-5xx"]
    assert (second.ref.api_id, second.requests, second.errors_5xx) == (account["busy"], 200, 2)
    assert {s.ref.api_type for s in stages} == {"REST", "HTTP", "WEBSOCKET"}
    # one GetMetricData call for the sums (5-6 queries per stage, under 500) and one for the p99s, whatever
    # the number of APIs; listing is 2 calls plus GetStages per API; alarms one page
    calls = report.regions[0].api_calls
    assert calls["cloudwatch:GetMetricData"] == 2
    assert calls["apigateway:GetStages"] == REST_APIS
    assert calls["apigatewayv2:GetStages"] == HTTP_APIS + 1
    assert sum(calls.values()) == 2 + apis + 2 + 1
    assert report.worst_command() == "apigwops diagnose --alarm rest-07-5xx --region us-east-1"
    checks = {c.id: c.status for c in report.regions[0].checks}
    assert checks["status-metrics"] == checks["status-alarms"] == "ok"


def test_queries_past_500_are_split_into_batches(account: dict[str, Any]) -> None:
    from apigwops.status import read as status_read

    aws = AwsContext(AwsSettings(region=REGION, endpoint_url=account["endpoint"]))
    original = status_read.MAX_QUERIES_PER_CALL
    status_read.MAX_QUERIES_PER_CALL = 100  # 56 stages x 5-6 queries = 281 -> 3 calls of sums, 2 of p99s
    try:
        report = read_status(aws, _window(), "15m")
    finally:
        status_read.MAX_QUERIES_PER_CALL = original
    assert report.regions[0].api_calls["cloudwatch:GetMetricData"] == 3 + 2
    assert report.stages()[0].requests == 40  # batching changes nothing in the numbers


def _cli(endpoint: str, *args: str) -> Any:
    return CliRunner().invoke(app, ["--endpoint-url", endpoint, "--region", REGION, *args])


def test_status_cli_json_regions_and_coverage(account: dict[str, Any]) -> None:
    result = _cli(account["endpoint"], "-o", "json", "status", "--region", REGION, "--region", "eu-west-1")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [r["region"] for r in doc["regions"]] == [REGION, "eu-west-1"]
    assert [r["stages"] for r in doc["regions"]] == [REST_APIS + HTTP_APIS + 1, 0]
    assert doc["stages"][0]["api"] == "rest-07"
    assert doc["stages"][0]["rate_5xx"] == pytest.approx(0.3)
    assert doc["worst"]["command"].startswith("apigwops diagnose --alarm rest-07-5xx")

    result = _cli(account["endpoint"], "-o", "yaml", "status", "--alarms")
    assert result.exit_code == 0, result.stderr
    template = yaml.safe_load(result.stdout)
    names = {r["Properties"]["AlarmName"] for r in template["Resources"].values()}
    assert "rest-07-prod-5xx" not in names  # rest-07 has its 5XXError alarm
    assert {"rest-07-prod-4xx", "rest-00-prod-5xx", "http-00-prod-5xx", "chat-live-5xx"} <= names
    http_alarm = next(
        r for r in template["Resources"].values() if r["Properties"]["AlarmName"] == "http-00-prod-5xx"
    )
    assert http_alarm["Properties"]["MetricName"] == "5xx"
    assert [d["Name"] for d in http_alarm["Properties"]["Dimensions"]] == ["ApiId", "Stage"]

    table = _cli(account["endpoint"], "-o", "table", "status", "--alarms")
    assert table.exit_code == 0
    assert "aws cloudwatch put-metric-alarm" in table.stdout
    assert "worst: apigwops diagnose --alarm" in table.stdout


def test_status_bad_input_is_one_line_exit_2(account: dict[str, Any]) -> None:
    from apigwops.cli import run

    assert run(["--endpoint-url", account["endpoint"], "-o", "json", "status", "--watch"]) == 2
    assert run(["--endpoint-url", account["endpoint"], "status", "--since", "soon"]) == 2
    assert run(["--endpoint-url", account["endpoint"], "-o", "markdown", "status"]) == 2


def test_status_for_one_stage_and_its_coverage(account: dict[str, Any]) -> None:
    result = _cli(
        account["endpoint"], "-o", "json", "status", "--alarms", "--api", "rest-07", "--stage", "prod"
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [s["api"] for s in doc["stages"]] == ["rest-07"]
    (only,) = doc["alarm_coverage"]
    assert only["present"] == {"5xx": ["rest-07-5xx"]}
    assert [m["key"] for m in only["missing"]] == ["4xx", "latency-p99", "integration-latency-p99"]
    assert only["missing"][0]["command"].startswith("aws cloudwatch put-metric-alarm")
    # GetStages only for the API asked about
    assert doc["regions"][0]["api_calls"]["apigateway:GetStages"] == 1
    from apigwops.cli import run

    assert run(["--endpoint-url", account["endpoint"], "status", "--api", "no-such-api"]) == 2
    assert run(["--endpoint-url", account["endpoint"], "status", "--alarm-level", "nope=1"]) == 2
    # thresholds follow the alarm levels, as diagnose's severity does
    result = _cli(
        account["endpoint"],
        "-o",
        "json",
        "status",
        "--alarms",
        "--api",
        "rest-07",
        "--alarm-level",
        "4xx-per-5min=250",
    )
    (only,) = json.loads(result.stdout)["alarm_coverage"]
    assert "--threshold 250" in only["missing"][0]["command"]


def test_a_control_plane_that_cannot_be_read_costs_only_its_own_stages(account: dict[str, Any]) -> None:
    from botocore.stub import Stubber

    aws = AwsContext(AwsSettings(region=REGION, endpoint_url=account["endpoint"]))
    stub = Stubber(aws.client("apigatewayv2"))
    stub.add_client_error("get_apis", service_error_code="AccessDeniedException", http_status_code=403)
    with stub:
        report = read_status(aws, _window(), "15m")
    assert {s.ref.api_type for s in report.stages()} == {"REST"}
    assert len(report.stages()) == REST_APIS
    checks = {c.id: c for c in report.regions[0].checks}
    assert checks["status-v2-apis"].status == "skipped"
    assert checks["status-v2-apis"].reason == "AccessDenied: apigateway:GET"
    assert report.stages()[0].ref.api_name == "rest-07"  # the rest of the report is intact
