"""`diagnose --alarm`'s alarm reading against moto's server over HTTP; Stubber only where moto lacks a call.

moto 5.2.6 serves DescribeAlarms and SetAlarmState but not DescribeAlarmHistory or PutCompositeAlarm (both
answer 500 NotImplementedError), so the composite alarm and a denied history are AWS-shaped Stubber answers.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from apigwops.alarms.read import read_alarm
from apigwops.alarms.target import alarm_target, resolve_alarm
from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.errors import NotFoundError, UsageError

REGION = "us-east-1"


def writer(endpoint: str, service: str) -> Any:
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="t", aws_secret_access_key="t"
    )


def alarm(cw: Any, name: str, namespace: str, metric: str, dims: dict[str, str]) -> None:
    cw.put_metric_alarm(
        AlarmName=name,
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=10,
        ComparisonOperator="GreaterThanThreshold",
    )


def fire(cw: Any, name: str) -> None:
    cw.set_alarm_state(
        AlarmName=name,
        StateValue="ALARM",
        StateReason="Threshold Crossed: 1 datapoint was greater than the threshold (10.0).",
        StateReasonData=json.dumps({"version": "1.0", "statistic": "Sum", "period": 300, "threshold": 10.0}),
    )


@pytest.fixture
def account(moto_endpoint: str) -> dict[str, str]:
    """A REST and an HTTP API, both integrating one Lambda function, with stage prod."""
    iam = writer(moto_endpoint, "iam")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(e, c):\n    return {}\n")
    fn = writer(moto_endpoint, "lambda").create_function(
        FunctionName="orders-fn",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
    )["FunctionArn"]
    apig = writer(moto_endpoint, "apigateway")
    rest = apig.create_rest_api(name="orders-api")["id"]
    root = apig.get_resources(restApiId=rest)["items"][0]["id"]
    apig.put_method(restApiId=rest, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apig.put_integration(
        restApiId=rest,
        resourceId=root,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn}:live/invocations",
    )
    apig.create_deployment(restApiId=rest, stageName="prod")
    other = apig.create_rest_api(name="unrelated-api")["id"]
    other_root = apig.get_resources(restApiId=other)["items"][0]["id"]
    apig.put_method(restApiId=other, resourceId=other_root, httpMethod="GET", authorizationType="NONE")
    apig.put_integration(restApiId=other, resourceId=other_root, httpMethod="GET", type="MOCK")
    apig.create_deployment(restApiId=other, stageName="prod")
    v2 = writer(moto_endpoint, "apigatewayv2")
    http = v2.create_api(Name="orders-http", ProtocolType="HTTP")["ApiId"]
    v2.create_integration(
        ApiId=http, IntegrationType="AWS_PROXY", IntegrationUri=fn, PayloadFormatVersion="2.0"
    )
    v2.create_stage(ApiId=http, StageName="prod")
    ws = v2.create_api(
        Name="chat", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )["ApiId"]
    cw = writer(moto_endpoint, "cloudwatch")
    alarm(cw, "rest-5xx", "AWS/ApiGateway", "5XXError", {"ApiName": "orders-api", "Stage": "prod"})
    alarm(cw, "http-5xx", "AWS/ApiGateway", "5xx", {"ApiId": http, "Stage": "prod"})
    alarm(cw, "ws-errors", "AWS/ApiGateway", "IntegrationError", {"ApiId": ws, "Stage": "live"})
    alarm(cw, "fn-errors", "AWS/Lambda", "Errors", {"FunctionName": "orders-fn"})
    alarm(cw, "quiet", "AWS/ApiGateway", "4XXError", {"ApiName": "orders-api", "Stage": "prod"})
    for name in ("rest-5xx", "http-5xx", "ws-errors", "fn-errors"):
        fire(cw, name)
    return {"rest": rest, "http": http, "ws": ws, "endpoint": moto_endpoint}


def context(endpoint: str) -> AwsContext:
    return AwsContext(AwsSettings(region=REGION, endpoint_url=endpoint))


def now() -> datetime:
    return datetime.now(UTC)


@pytest.mark.parametrize(
    ("name", "api_key", "stage", "symptom"),
    [
        ("rest-5xx", None, "prod", "5xx"),
        ("http-5xx", "http", "prod", "5xx"),
        ("ws-errors", "ws", "live", "auto"),
    ],
)
def test_each_dimension_shape_read_from_moto(
    account: dict[str, str], name: str, api_key: str | None, stage: str, symptom: str
) -> None:
    aws = context(account["endpoint"])
    _, target = resolve_alarm(aws, name, now())
    assert target.api == (account[api_key] if api_key else "orders-api")
    assert (target.stage, target.symptom, target.window_source) == (stage, symptom, "state")
    # moto has no DescribeAlarmHistory: a partial result, named, and the current ALARM state stands in
    history = [c for c in target.checks if c.id == "alarm-history"]
    assert history
    assert history[0].status == "skipped"
    assert target.fired_at is not None
    assert target.window.start < target.fired_at - timedelta(minutes=30)


def test_alarm_arn_is_accepted(account: dict[str, str]) -> None:
    arn = f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:rest-5xx"
    _, target = resolve_alarm(context(account["endpoint"]), arn, now())
    assert (target.api, target.read.alarm.name) == ("orders-api", "rest-5xx")


def test_lambda_alarm_maps_back_to_the_apis_that_integrate_the_function(account: dict[str, str]) -> None:
    aws = context(account["endpoint"])
    with pytest.raises(UsageError) as err:
        resolve_alarm(aws, "fn-errors", now())
    # both APIs that integrate the function are named, the unrelated one is not
    assert "orders-api" in err.value.message
    assert "orders-http" in err.value.message
    assert "unrelated-api" not in err.value.message
    _, target = resolve_alarm(aws, "fn-errors", now(), api="orders-http")
    assert (target.api, target.stage, target.symptom) == (account["http"], "prod", "5xx")
    assert any("orders-fn is integrated by orders-http" in n for n in target.notes)


def test_an_alarm_that_never_fired_is_not_an_error(account: dict[str, str]) -> None:
    _, target = resolve_alarm(context(account["endpoint"]), "quiet", now())
    assert target.fired_at is None
    assert target.window_source == "none"
    assert any("has not been in ALARM now" in n for n in target.notes)


def test_unknown_alarm_is_a_usage_error(account: dict[str, str]) -> None:
    with pytest.raises(NotFoundError, match="no CloudWatch alarm named 'nope'"):
        resolve_alarm(context(account["endpoint"]), "nope", now())


def _metric_alarm(name: str, metric: str, dims: dict[str, str], state: str) -> dict[str, Any]:
    return {
        "AlarmName": name,
        "AlarmArn": f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:{name}",
        "StateValue": state,
        "StateReason": "Threshold Crossed",
        "StateUpdatedTimestamp": now() - timedelta(minutes=5),
        "MetricName": metric,
        "Namespace": "AWS/ApiGateway",
        "Statistic": "Sum",
        "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 10.0,
        "ComparisonOperator": "GreaterThanThreshold",
    }


def test_composite_alarm_uses_the_child_in_alarm_and_its_own_history(account: dict[str, str]) -> None:
    aws = context(account["endpoint"])
    fired = now() - timedelta(minutes=12)
    stub = Stubber(aws.client("cloudwatch"))
    stub.add_response(
        "describe_alarms",
        {
            "CompositeAlarms": [
                {
                    "AlarmName": "checkout-down",
                    "AlarmArn": f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:checkout-down",
                    "AlarmRule": 'ALARM("http-latency") OR ALARM("http-5xx") OR ALARM("gone")',
                    "StateValue": "ALARM",
                    "StateUpdatedTimestamp": fired,
                }
            ],
            "MetricAlarms": [],
        },
    )
    stub.add_response(
        "describe_alarms",
        {
            "MetricAlarms": [
                _metric_alarm("http-latency", "Latency", {"ApiId": account["http"], "Stage": "prod"}, "OK"),
                _metric_alarm("http-5xx", "5xx", {"ApiId": account["http"], "Stage": "prod"}, "ALARM"),
            ],
            "CompositeAlarms": [],
        },
    )
    stub.add_response(
        "describe_alarm_history",
        {
            "AlarmHistoryItems": [
                {
                    "AlarmName": "checkout-down",
                    "AlarmType": "CompositeAlarm",
                    "Timestamp": fired,
                    "HistoryItemType": "StateUpdate",
                    "HistorySummary": "Alarm updated from OK to ALARM",
                    "HistoryData": json.dumps(
                        {
                            "version": "1.0",
                            "oldState": {"stateValue": "OK"},
                            "newState": {"stateValue": "ALARM"},
                        }
                    ),
                }
            ]
        },
    )
    with stub:
        read = read_alarm(aws, "checkout-down", now())
    target = alarm_target(aws, read, now())
    assert target.used_alarm is not None
    assert target.used_alarm.name == "http-5xx"
    assert (target.api, target.stage, target.symptom) == (account["http"], "prod", "5xx")
    assert (target.window_source, target.fired_at) == ("history", fired)
    doc = target.as_json()
    assert doc["type"] == "composite"
    assert doc["used_child"] == "http-5xx"
    assert [c.id + ":" + c.status for c in read.checks] == [
        "alarm-describe:ok",
        "alarm-children:skipped",  # "gone" is named in the rule but does not exist
        "alarm-history:ok",
    ]


def test_access_denied_on_history_is_a_partial_result_named(account: dict[str, str]) -> None:
    aws = context(account["endpoint"])
    stub = Stubber(aws.client("cloudwatch"))
    stub.add_response(
        "describe_alarms",
        {
            "MetricAlarms": [
                _metric_alarm("rest-5xx", "5XXError", {"ApiName": "orders-api", "Stage": "prod"}, "ALARM")
            ]
        },
    )
    stub.add_client_error(
        "describe_alarm_history",
        service_error_code="AccessDenied",
        service_message="User: arn:aws:iam::123456789012:user/oncall is not authorized to perform: "
        "cloudwatch:DescribeAlarmHistory",
        http_status_code=403,
    )
    with stub:
        read = read_alarm(aws, "rest-5xx", now())
    history = next(c for c in read.checks if c.id == "alarm-history")
    assert (history.status, history.reason) == ("skipped", "AccessDenied: cloudwatch:DescribeAlarmHistory")
    target = alarm_target(aws, read, now())
    assert (target.api, target.stage, target.window_source) == ("orders-api", "prod", "state")


def test_an_arn_in_another_region_is_read_there(account: dict[str, str]) -> None:
    eu = boto3.client(
        "cloudwatch",
        endpoint_url=account["endpoint"],
        region_name="eu-west-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
    )
    alarm(eu, "eu-5xx", "AWS/ApiGateway", "5XXError", {"ApiName": "eu-api", "Stage": "live"})
    with pytest.raises(NotFoundError):  # not in the context's own region
        resolve_alarm(context(account["endpoint"]), "eu-5xx", now())
    used, target = resolve_alarm(
        context(account["endpoint"]), "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:eu-5xx", now()
    )
    assert used.region == "eu-west-1"
    assert (target.api, target.stage) == ("eu-api", "live")
