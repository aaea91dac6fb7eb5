"""Denied calls give the right answer, not a wrong one (issue 13).

A stage answering 24% 5xx whose logs cannot be read (`logs:FilterLogEvents` denied) must not exit 0 and must
not be told to change its access-log format: diagnose says the logs could not be read, names the IAM action,
and reports the failures the metrics show. `waf-metrics` names CloudWatch's `GetMetricData`; with wafv2
denied, `waf-logs` says the logging configuration could not be read instead of "does not log".

Everything runs against moto's server over HTTP through `apigwops.cli.run` (the console script's own
exit-code mapping). AWS's answer to a denied call is an AccessDeniedException; a before-call hook on the
tool's clients raises exactly that botocore `ClientError`, as the existing collector tests do.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.functional.aws.moto_world import REGION, World, fresh_world

from apigwops.aws.session import AwsContext
from apigwops.cli import run
from apigwops.timewindow import iso

GROUP = "/aws/apigateway/user-api"


@pytest.fixture
def world(moto_endpoint: str) -> World:
    return fresh_world(moto_endpoint)


@pytest.fixture
def window() -> tuple[datetime, datetime]:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    return end - timedelta(minutes=20), end


def deny(monkeypatch: pytest.MonkeyPatch, *calls: str) -> list[str]:
    """Make AWS answer AccessDeniedException to each 'service.Operation' on the tool's clients."""
    denied: list[str] = []
    original = AwsContext.client

    def client(self: AwsContext, service: str) -> Any:
        made = original(self, service)
        for call in calls:
            svc, op = call.split(".")
            if svc == service and not getattr(made, f"_denied_{op}", False):

                def refuse(model: Any, _op: str = op, **_: Any) -> None:
                    denied.append(f"{service}:{_op}")
                    raise ClientError(
                        {"Error": {"Code": "AccessDeniedException", "Message": f"not authorized to {_op}"}},
                        _op,
                    )

                made.meta.events.register(
                    f"before-call.{made.meta.service_model.service_id.hyphenize()}.{op}", refuse
                )
                setattr(made, f"_denied_{op}", True)
        return made

    monkeypatch.setattr(AwsContext, "client", client)
    return denied


def seed(world: World, start: datetime, minutes: int = 10) -> None:
    """Access-log lines and the stage metrics of a stage answering 24% 5xx."""
    logs = world.client("logs")
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s1")
    events = []
    for i in range(100):
        status = 502 if i % 25 < 6 else 200
        line = {"requestId": f"r{i}", "status": str(status), "integrationError": "-", "responseLatency": "40"}
        at = start + timedelta(seconds=5 * i)
        events.append({"timestamp": int(at.timestamp() * 1000), "message": json.dumps(line)})
    logs.put_log_events(logGroupName=GROUP, logStreamName="s1", logEvents=events)
    dims = [{"Name": "ApiName", "Value": "user-api"}, {"Name": "Stage", "Value": "prod"}]
    data = []
    for minute in range(minutes):
        at = start + timedelta(minutes=minute)
        for name, value in (("Count", 100.0), ("5XXError", 24.0), ("4XXError", 0.0)):
            data.append(
                {"MetricName": name, "Dimensions": dims, "Timestamp": at, "Value": value, "Unit": "Count"}
            )
    world.client("cloudwatch").put_metric_data(Namespace="AWS/ApiGateway", MetricData=data)


def diagnose(
    world: World, window: tuple[datetime, datetime], capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any], str]:
    start, end = window
    args = ["--endpoint-url", world.endpoint, "--region", REGION, "-o", "json", "diagnose"]
    code = run([*args, "--api", "user-api", "--stage", "prod", "--start", iso(start), "--end", iso(end)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out), err


def test_denied_logs_are_said_and_the_metrics_judge(
    world: World,
    window: tuple[datetime, datetime],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed(world, window[0] + timedelta(minutes=2))
    denied = deny(monkeypatch, "logs.FilterLogEvents", "logs.StartQuery")
    code, doc, _ = diagnose(world, window, capsys)
    assert "logs:FilterLogEvents" in denied
    checks = {c["id"]: c for c in doc["checks"]}
    assert checks["access-logs"]["status"] == "skipped"
    assert checks["access-logs"]["reason"] == "AccessDenied: logs:FilterLogEvents"
    assert doc["traffic"]["source"] == "metrics"
    assert doc["traffic"]["status"]["5xx"] == 240
    assert code == 1  # a stage answering 24% 5xx is not healthy because its logs were out of reach
    ids = [f["id"] for f in doc["findings"]]
    assert "logs-unreadable" in ids
    assert "logging-blind-spot" not in ids
    unreadable = next(f for f in doc["findings"] if f["id"] == "logs-unreadable")
    assert "AccessDenied: logs:FilterLogEvents" in unreadable["title"]
    assert unreadable["count"] == 240
    text = json.dumps(doc)
    assert "access-log format" not in text  # the stage's logging is not blamed
    assert "accessLogSettings" not in text
    assert any(
        s.startswith("access logs could not be read (AccessDenied: logs:FilterLogEvents)")
        for s in doc["blind_spots"]
    )


def test_readable_logs_of_the_same_stage_are_judged_per_request(
    world: World, window: tuple[datetime, datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    """The control: the same stage with readable logs is judged from them, with no logs-unreadable finding."""
    seed(world, window[0] + timedelta(minutes=2))
    code, doc, _ = diagnose(world, window, capsys)
    assert doc["traffic"]["source"] == "access-logs"
    assert "logs-unreadable" not in [f["id"] for f in doc["findings"]]
    assert code in (0, 1)


def test_waf_metrics_names_cloudwatch_and_waf_logs_does_not_guess(
    world: World,
    window: tuple[datetime, datetime],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed(world, window[0] + timedelta(minutes=2))
    deny(
        monkeypatch, "cloudwatch.GetMetricData", "wafv2.GetWebACLForResource", "wafv2.GetLoggingConfiguration"
    )
    _, doc, _ = diagnose(world, window, capsys)
    checks = {c["id"]: c for c in doc["checks"]}
    assert checks["waf-metrics"]["reason"] == "AccessDenied: cloudwatch:GetMetricData"
    assert checks["metrics"]["reason"] == "AccessDenied: cloudwatch:GetMetricData"
    assert checks["config-waf-acl"]["reason"] == "AccessDenied: wafv2:GetWebACLForResource"
    assert checks["waf-logs"]["status"] == "skipped"
    assert checks["waf-logs"]["reason"] == (
        "the web ACL's logging configuration could not be read (AccessDenied: wafv2:GetWebACLForResource)"
    )
    assert "does not log" not in json.dumps(doc)


def test_waf_logs_still_says_does_not_log_when_that_was_read(
    world: World, window: tuple[datetime, datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    seed(world, window[0] + timedelta(minutes=2))
    world.client("wafv2").delete_logging_configuration(ResourceArn=world.web_acl_arn)
    _, doc, _ = diagnose(world, window, capsys)
    checks = {c["id"]: c for c in doc["checks"]}
    assert checks["waf-logs"]["reason"] == "the web ACL does not log to CloudWatch Logs (aws-waf-logs-*)"
