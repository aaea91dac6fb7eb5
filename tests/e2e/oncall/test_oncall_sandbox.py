"""The on-call entry points end to end on the sandbox: real HTTP traffic with an injected incident, metrics
shipped into moto's server, the sandbox's alarm evaluator moving the 5XXError alarm to ALARM (SetAlarmState),
the WebSocket stage's IntegrationError alarm too (real WebSocket messages failing with `lambda-error`),
then `apigwops status` and `apigwops diagnose --alarm` through the CLI, compared with `diagnose --api/--stage`.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from tests.functional.sandbox.helpers import call
from tests.functional.sandbox.ws_helpers import send as ws_send
from tests.functional.sandbox.ws_helpers import ws_connect
from typer.testing import CliRunner

from apigwops.cli import app

pytestmark = [pytest.mark.e2e]

REST_HEALTHY, REST_FAULTY, HTTP_HEALTHY, HTTP_FAULTY = 5, 15, 3, 12
WS_FAULTY = 11  # messages failing on the WebSocket stage: one over the 5xx-equivalent alarm's threshold


@pytest.fixture(scope="module")
def incident() -> Any:
    """Function errors on the REST stage and the WebSocket routes, backend 500s on the HTTP stage, then healed
    and shipped."""
    from apigwops.sandbox import Sandbox

    sb = Sandbox.start(seed=5, time_scale=0.005, ship_interval_s=0.5)
    try:
        rest_headers = {"x-api-key": sb.keys["internal"]}

        def send(url: str, count: int, headers: dict[str, str]) -> None:
            with ThreadPoolExecutor(max_workers=5) as pool:
                list(pool.map(lambda i: call(f"{url}/users/{i}", headers=headers), range(count)))

        send(sb.rest.url, REST_HEALTHY, rest_headers)
        send(sb.http.url, HTTP_HEALTHY, {})
        with ws_connect(sb) as ws:
            sb.set_faults({"lambda-error": 1.0})
            send(sb.rest.url, REST_FAULTY, rest_headers)
            for _ in range(WS_FAULTY):
                ws_send(ws, "sendmessage")
                assert json.loads(ws.recv(timeout=10))["message"] == "Internal server error"
            sb.set_faults({"backend-5xx": 1.0})  # not a WebSocket fault: $disconnect (on close) succeeds
        send(sb.http.url, HTTP_FAULTY, {})
        sb.set_faults({})
        sb.flush()  # ships, then evaluates the alarms against what moto now holds
        yield sb
    finally:
        sb.stop()


def _cli(sb: Any, *args: str) -> Any:
    result = CliRunner().invoke(
        app, ["--endpoint-url", sb.moto_endpoint, "--region", sb.region, "-o", "json", *args]
    )
    return result


def test_the_5xx_alarms_fired_in_moto_with_an_aws_shaped_reason(incident: Any) -> None:
    cw = boto3.client(
        "cloudwatch",
        endpoint_url=incident.moto_endpoint,
        region_name=incident.region,
        aws_access_key_id="t",
        aws_secret_access_key="t",
    )
    alarms = {a["AlarmName"]: a for a in cw.describe_alarms()["MetricAlarms"]}
    assert set(incident.provisioned.alarm_names) == set(alarms)
    assert (
        len(alarms) == 11
    )  # 4 on the REST and HTTP stages each (no cache on the sandbox), 3 on the WebSocket
    rest = alarms["user-api-prod-5xx"]
    assert rest["StateValue"] == "ALARM"
    assert rest["StateReason"] == (
        f"Threshold Crossed: 1 datapoint was greater than the threshold (10.0). "
        f"The most recent datapoints: [{REST_FAULTY:.1f}]."
    )
    data = json.loads(rest["StateReasonData"])
    assert (data["statistic"], data["period"], data["threshold"], data["recentDatapoints"]) == (
        "Sum",
        300,
        10.0,
        [REST_FAULTY],
    )
    assert alarms["user-http-api-prod-5xx"]["StateValue"] == "ALARM"
    assert alarms["user-api-prod-4xx"]["StateValue"] == "OK"
    ws = alarms["chat-ws-api-prod-5xx"]
    assert (ws["MetricName"], ws["StateValue"]) == ("IntegrationError", "ALARM")
    assert json.loads(ws["StateReasonData"])["recentDatapoints"] == [WS_FAULTY]


def test_status_shows_every_sandbox_stage_with_the_numbers_moto_holds(incident: Any) -> None:
    result = _cli(incident, "status")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    by_api = {s["api"]: s for s in doc["stages"]}
    assert set(by_api) == {"user-api", "user-http-api", "chat-ws-api"}  # every sandbox stage, WebSocket too
    rest, http, ws = by_api["user-api"], by_api["user-http-api"], by_api["chat-ws-api"]
    assert (ws["type"], ws["5xx"], ws["alarms_in_alarm"]) == (
        "WEBSOCKET",
        WS_FAULTY,
        ["chat-ws-api-prod-5xx"],
    )
    assert (rest["requests"], rest["5xx"], rest["4xx"]) == (REST_HEALTHY + REST_FAULTY, REST_FAULTY, 0)
    assert (http["requests"], http["5xx"]) == (HTTP_HEALTHY + HTTP_FAULTY, HTTP_FAULTY)
    assert rest["alarms_in_alarm"] == ["user-api-prod-5xx"]
    assert http["alarms_in_alarm"] == ["user-http-api-prod-5xx"]
    # all three fire; then HTTP: 12/15 failing beats REST: 15/20 beats WebSocket: 11 of 1 connect + 22 messages
    assert [s["api"] for s in doc["stages"]] == ["user-http-api", "user-api", "chat-ws-api"]
    assert doc["worst"]["command"] == "apigwops diagnose --alarm user-http-api-prod-5xx --region us-east-1"


@pytest.mark.parametrize(
    ("alarm", "api", "symptom"),
    [
        ("user-api-prod-5xx", "user-api", ["5xx"]),
        ("user-http-api-prod-5xx", "user-http-api", ["5xx"]),
        # the alarm's ApiId dimension resolves to the WebSocket API; its IntegrationError metric maps to no
        # status-code symptom, so both sides diagnose automatically
        ("chat-ws-api-prod-5xx", "chat-ws-api", []),
    ],
)
def test_diagnose_from_the_alarm_finds_the_same_cause_as_from_the_stage(
    incident: Any, alarm: str, api: str, symptom: list[str]
) -> None:
    from_alarm = _cli(incident, "diagnose", "--alarm", alarm)
    assert from_alarm.exit_code == 1, from_alarm.stderr
    by_alarm = json.loads(from_alarm.stdout)
    from_stage = _cli(incident, "diagnose", *symptom, "--api", api, "--stage", "prod", "--since", "30m")
    assert from_stage.exit_code == 1, from_stage.stderr
    by_stage = json.loads(from_stage.stdout)
    assert by_alarm["findings"][0]["id"] == by_stage["findings"][0]["id"]
    assert by_alarm["findings"][0]["count"] == by_stage["findings"][0]["count"]
    assert by_alarm["api"]["name"] == api
    dims = by_alarm["alarm"]["metric"]["dimensions"]
    if "ApiId" in dims:  # HTTP and WebSocket alarms name the API by id
        assert by_alarm["api"]["id"] == dims["ApiId"]
    # the report names the alarm and its threshold; existing keys are unchanged
    assert by_alarm["alarm"]["name"] == alarm
    assert (by_alarm["alarm"]["threshold"], by_alarm["alarm"]["comparison"]) == (10.0, "GreaterThanThreshold")
    assert by_alarm["alarm"]["window_source"] == "state"  # moto has no DescribeAlarmHistory
    checks = {c["id"]: c["status"] for c in by_alarm["checks"]}
    assert checks["alarm-describe"] == "ok"
    assert checks["alarm-history"] == "skipped"
    assert set(by_alarm) - {"alarm"} == set(by_stage)


@pytest.mark.xdist_group("demo")
def test_demo_ends_with_status_and_the_alarm_that_fired() -> None:
    from tests.conftest import run_cli

    result = run_cli(
        "-o", "table", "demo", "--duration", "12s", "--onset-after", "5s", env={"COLUMNS": "200"}, timeout=240
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    status_at = out.index("apigwops status --since 15m")
    alarm_at = out.index("apigwops diagnose --alarm user-api-prod-5xx")
    assert status_at < alarm_at
    assert "worst: apigwops diagnose --alarm user-api-prod-5xx --region us-east-1" in out
    assert "alarm user-api-prod-5xx (ALARM): 5XXError Sum > 10 over 1 x 300 s" in out
    # the incident's 5xx causes (hung function -> integration timeout, function errors), found from the alarm
    assert "integration-timeout" in out[alarm_at:] or "lambda-timeout" in out[alarm_at:]
    assert "lambda-function-error" in out[alarm_at:]
