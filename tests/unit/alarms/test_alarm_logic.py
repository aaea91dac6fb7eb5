"""Alarm parsing, the alarm -> stage/symptom/window mapping, and the recommended-alarm commands, without AWS."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from apigwops.alarms.model import parse_arn, parse_composite_alarm, parse_metric_alarm, parse_transition
from apigwops.alarms.read import AlarmRead, alarm_name
from apigwops.alarms.recommended import (
    StageRef,
    cloudformation_resources,
    coverage,
    put_metric_alarm_command,
    recommended_for,
)
from apigwops.alarms.target import alarm_target
from apigwops.aws.allowlist import least_privilege_policy
from apigwops.aws.session import AwsContext
from apigwops.errors import UsageError
from apigwops.model import Check

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def metric_alarm(metric: str, dims: dict[str, str], *, state: str = "OK", **extra: Any) -> dict[str, Any]:
    return {
        "AlarmName": extra.pop("name", f"{metric}-alarm"),
        "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x",
        "StateValue": state,
        "StateUpdatedTimestamp": NOW - timedelta(minutes=20),
        "MetricName": metric,
        "Namespace": extra.pop("namespace", "AWS/ApiGateway"),
        "Statistic": "Sum",
        "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
        "Period": 300,
        "EvaluationPeriods": 2,
        "Threshold": 10.0,
        "ComparisonOperator": "GreaterThanThreshold",
        **extra,
    }


def history_item(when: datetime, old: str, new: str) -> dict[str, Any]:
    data = {"version": "1.0", "oldState": {"stateValue": old}, "newState": {"stateValue": new}}
    return {
        "Timestamp": when,
        "HistoryItemType": "StateUpdate",
        "AlarmName": "a",
        "HistoryData": json.dumps(data),
        "HistorySummary": f"Alarm updated from {old} to {new}",
    }


def read_of(raw: dict[str, Any], history: list[dict[str, Any]] | None = None) -> AlarmRead:
    transitions = tuple(t for t in (parse_transition(h) for h in history or []) if t)
    checks = (
        Check(
            "alarm-history",
            "ok" if history is not None else "skipped",
            "" if history is not None else "AccessDenied",
        ),
    )
    return AlarmRead(
        parse_metric_alarm(raw),
        (),
        tuple(sorted(transitions, key=lambda t: t.timestamp, reverse=True)),
        checks,
    )


AWS = AwsContext()  # never used for API/stage alarms: nothing is listed


@pytest.mark.parametrize(
    ("metric", "dims", "api", "symptom"),
    [
        ("5XXError", {"ApiName": "user-api", "Stage": "prod"}, "user-api", "5xx"),
        ("4XXError", {"ApiName": "user-api", "Stage": "prod"}, "user-api", "auto"),
        ("5xx", {"ApiId": "a1b2c3", "Stage": "prod"}, "a1b2c3", "5xx"),
        ("4xx", {"ApiId": "a1b2c3", "Stage": "prod"}, "a1b2c3", "auto"),
        ("Latency", {"ApiId": "a1b2c3", "Stage": "prod"}, "a1b2c3", "latency"),
        ("IntegrationLatency", {"ApiName": "user-api", "Stage": "prod"}, "user-api", "latency"),
        ("Count", {"ApiName": "user-api", "Stage": "prod"}, "user-api", "auto"),
        ("IntegrationError", {"ApiId": "ws1", "Stage": "live"}, "ws1", "auto"),
    ],
)
def test_each_dimension_shape_maps_to_api_stage_and_symptom(
    metric: str, dims: dict[str, str], api: str, symptom: str
) -> None:
    target = alarm_target(AWS, read_of(metric_alarm(metric, dims, state="ALARM")), NOW)
    assert (target.api, target.stage, target.symptom) == (api, dims["Stage"], symptom)


def test_window_starts_before_the_last_transition_to_alarm_and_ends_when_it_cleared() -> None:
    fired = NOW - timedelta(minutes=50)
    cleared = NOW - timedelta(minutes=30)
    history = [
        history_item(NOW - timedelta(hours=5), "OK", "ALARM"),
        history_item(NOW - timedelta(hours=4), "ALARM", "OK"),
        history_item(fired, "OK", "ALARM"),
        history_item(cleared, "ALARM", "OK"),
    ]
    target = alarm_target(
        AWS, read_of(metric_alarm("5XXError", {"ApiName": "a", "Stage": "p"}), history), NOW
    )
    assert target.window_source == "history"
    assert target.fired_at == fired
    assert target.ok_at == cleared
    # evaluation range (2 x 300 s) plus the 30-minute lead-in before the transition
    assert target.window.start == fired - timedelta(minutes=10) - timedelta(minutes=30)
    assert target.window.end == cleared + timedelta(minutes=10)


def test_without_history_the_current_alarm_state_gives_the_window_and_says_so() -> None:
    target = alarm_target(
        AWS, read_of(metric_alarm("5XXError", {"ApiName": "a", "Stage": "p"}, state="ALARM")), NOW
    )
    assert target.window_source == "state"
    assert target.fired_at == NOW - timedelta(minutes=20)
    assert target.window.end == NOW
    assert any("history could not be read" in n for n in target.notes)


def test_an_alarm_that_never_fired_diagnoses_the_last_30_minutes_and_says_so() -> None:
    history = [history_item(NOW - timedelta(days=1), "INSUFFICIENT_DATA", "OK")]
    target = alarm_target(
        AWS, read_of(metric_alarm("5XXError", {"ApiName": "a", "Stage": "p"}), history), NOW
    )
    assert target.window_source == "none"
    assert target.fired_at is None
    assert target.window.end - target.window.start == timedelta(minutes=30)
    assert any("has not been in ALARM in its history" in n for n in target.notes)


def test_command_line_window_api_and_stage_win() -> None:
    from apigwops.timewindow import Window

    given = Window(NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    raw = metric_alarm("5XXError", {"ApiName": "a"}, state="ALARM")  # no Stage dimension
    with pytest.raises(UsageError, match="across all stages"):
        alarm_target(AWS, read_of(raw), NOW)
    target = alarm_target(AWS, read_of(raw), NOW, stage="beta", window=given)
    assert (target.api, target.stage, target.window, target.window_source) == (
        "a",
        "beta",
        given,
        "command-line",
    )


def test_metric_math_uses_the_api_metrics_and_names_the_expression() -> None:
    dims = [{"Name": "ApiName", "Value": "user-api"}, {"Name": "Stage", "Value": "prod"}]

    def stat(query_id: str, metric: str) -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {"Namespace": "AWS/ApiGateway", "MetricName": metric, "Dimensions": dims},
                "Period": 60,
                "Stat": "Sum",
            },
            "ReturnData": False,
        }

    raw = metric_alarm("x", {}, state="ALARM", name="error-rate")
    for key in ("MetricName", "Namespace", "Statistic", "Dimensions", "Period"):
        raw.pop(key)
    raw["Metrics"] = [
        stat("errors", "5XXError"),
        stat("requests", "Count"),
        {"Id": "rate", "Expression": "100 * errors / requests", "ReturnData": True},
        {
            "Id": "other",
            "MetricStat": {
                "Metric": {"Namespace": "Custom/App", "MetricName": "Queue"},
                "Period": 60,
                "Stat": "Sum",
            },
        },
    ]
    alarm = parse_metric_alarm(raw)
    assert alarm.kind == "math"
    assert alarm.evaluation_range_s() == 120
    target = alarm_target(AWS, read_of(raw), NOW)
    assert (target.api, target.stage, target.symptom) == ("user-api", "prod", "5xx")  # 5XXError beats Count
    assert any("100 * errors / requests" in u for u in target.unresolved)
    assert any("Custom/App Queue" in u for u in target.unresolved)
    assert target.as_json()["expressions"] == [{"id": "rate", "expression": "100 * errors / requests"}]


def test_composite_rule_children_and_arn_parsing() -> None:
    rule = 'ALARM("api-5xx") OR (ALARM(api-latency) AND NOT OK("arn:aws:cloudwatch:us-east-1:123456789012:alarm:deps"))'
    composite = parse_composite_alarm({"AlarmName": "c", "AlarmRule": rule, "StateValue": "ALARM"})
    assert composite.children() == ["api-5xx", "api-latency", "deps"]
    assert parse_arn("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:my alarm") == ("eu-west-1", "my alarm")
    assert alarm_name("  user-api-5xx ") == (None, "user-api-5xx")
    with pytest.raises(UsageError):
        alarm_name("arn:aws:sns:us-east-1:123456789012:topic")
    with pytest.raises(UsageError):
        alarm_name(" ")


def test_history_summary_is_enough_when_history_data_is_absent() -> None:
    item = {
        "Timestamp": NOW,
        "HistoryItemType": "StateUpdate",
        "HistorySummary": "Alarm updated from OK to ALARM",
    }
    transition = parse_transition(item)
    assert transition is not None
    assert (transition.old_state, transition.new_state) == ("OK", "ALARM")
    assert parse_transition({**item, "HistoryItemType": "Action"}) is None


REST = StageRef("us-east-1", "r1", "user-api", "REST", "prod", caching=True)
HTTP = StageRef("us-east-1", "h1", "user-http-api", "HTTP", "prod")


def test_recommended_set_uses_the_metric_names_and_dimensions_of_each_api_type() -> None:
    assert [r.metric for r in recommended_for(REST)] == [
        "5XXError",
        "4XXError",
        "Latency",
        "IntegrationLatency",
        "CacheHitCount",
    ]
    assert [r.metric for r in recommended_for(HTTP)] == ["5xx", "4xx", "Latency", "IntegrationLatency"]
    command = shlex.split(put_metric_alarm_command(HTTP, recommended_for(HTTP)[0]).replace("\\\n", ""))
    assert command[:3] == ["aws", "cloudwatch", "put-metric-alarm"]
    assert command[command.index("--metric-name") + 1] == "5xx"
    assert command[command.index("--dimensions") + 1 : command.index("--dimensions") + 3] == [
        "Name=ApiId,Value=h1",
        "Name=Stage,Value=prod",
    ]
    assert command[command.index("--threshold") + 1] == "10"
    latency = shlex.split(put_metric_alarm_command(REST, recommended_for(REST)[2]).replace("\\\n", ""))
    assert latency[latency.index("--extended-statistic") + 1] == "p99"
    assert latency[latency.index("--threshold") + 1] == "3000"
    cache = shlex.split(put_metric_alarm_command(REST, recommended_for(REST)[4]).replace("\\\n", ""))
    metrics = json.loads(cache[cache.index("--metrics") + 1])
    assert [m["Id"] for m in metrics] == ["hits", "misses", "rate"]
    assert cache[cache.index("--comparison-operator") + 1] == "LessThanThreshold"


def test_coverage_counts_an_alarm_on_the_stage_and_lists_the_rest_as_missing() -> None:
    existing = parse_metric_alarm(
        metric_alarm("5XXError", {"ApiName": "user-api", "Stage": "prod"}, name="mine")
    )
    elsewhere = parse_metric_alarm(
        metric_alarm("4XXError", {"ApiName": "user-api", "Stage": "beta"}, name="beta")
    )
    result = coverage(REST, [existing, elsewhere])
    assert result.present == {"5xx": ["mine"]}
    assert [m.key for m in result.missing] == [
        "4xx",
        "latency-p99",
        "integration-latency-p99",
        "cache-hit-rate",
    ]
    template = yaml.safe_load(yaml.safe_dump(cloudformation_resources([(REST, m) for m in result.missing])))
    props = [r["Properties"] for r in template["Resources"].values()]
    assert {p.get("MetricName") for p in props} == {"4XXError", "Latency", "IntegrationLatency", None}
    assert all(r["Type"] == "AWS::CloudWatch::Alarm" for r in template["Resources"].values())


def test_iam_policy_gains_only_the_read_only_alarm_actions() -> None:
    actions = least_privilege_policy()["Statement"][0]["Action"]
    assert "cloudwatch:DescribeAlarmHistory" in actions
    assert "cloudwatch:DescribeAlarms" in actions
    assert not [
        a for a in actions if a.split(":")[1].startswith(("Put", "Set", "Delete", "Enable", "Disable"))
    ]
