"""WAF: the web ACL read from moto over HTTP; GetSampledRequests (which moto lacks) answered by a before-call hook.

The hook's payload is the AWS CLI documentation example (reference §7.1) and is validated against the
botocore output shape, so a malformed fake fails the test instead of passing silently.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pandas as pd
from botocore.awsrequest import AWSResponse
from botocore.validate import validate_parameters

from apigwops.evidence.waf import describe_web_acl, sample_window, sampled_requests
from apigwops.runtime import Runtime
from apigwops.timewindow import Window

SAMPLED = {
    "TimeWindow": {"EndTime": 1581541800.0, "StartTime": 1581537600.0},
    "SampledRequests": [
        {
            "Action": "BLOCK",
            "Timestamp": 1581541799.564,
            "RuleNameWithinRuleGroup": "AWS#AWSManagedRulesSQLiRuleSet#SQLi_BODY",
            "Request": {
                "Country": "US",
                "URI": "/",
                "Headers": [{"Name": "Host", "Value": "alb-test-1EXAMPLE1.us-east-1.elb.amazonaws.com"}],
                "ClientIP": "198.51.100.08",
                "Method": "POST",
                "HTTPVersion": "HTTP/1.1",
            },
            "Weight": 1,
        },
        {
            "Action": "BLOCK",
            "Timestamp": 1581541799.988,
            "RuleNameWithinRuleGroup": "AWS#AWSManagedRulesSQLiRuleSet#SQLi_BODY",
            "Request": {
                "Country": "US",
                "URI": "/",
                "Headers": [],
                "ClientIP": "198.51.100.08",
                "Method": "POST",
                "HTTPVersion": "HTTP/1.1",
            },
            "Weight": 3,
        },
    ],
    "PopulationSize": 4,
}


def _visibility(name: str, sampled: bool) -> dict[str, Any]:
    return {"SampledRequestsEnabled": sampled, "CloudWatchMetricsEnabled": True, "MetricName": name}


def _make_acl(moto_endpoint: str) -> str:
    waf = boto3.client("wafv2", region_name="us-east-1", endpoint_url=moto_endpoint)
    acl = waf.create_web_acl(
        Name="user-api-acl",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig=_visibility("userApiAcl", False),
        Rules=[
            {
                "Name": "AWS-AWSManagedRulesSQLiRuleSet",
                "Priority": 1,
                "Statement": {
                    "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesSQLiRuleSet"}
                },
                "OverrideAction": {"None": {}},
                "VisibilityConfig": _visibility("AWS-AWSManagedRulesSQLiRuleSet", True),
            },
            {
                "Name": "rate-limit",
                "Priority": 0,
                "Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP"}},
                "Action": {"Block": {}},
                "VisibilityConfig": _visibility("rateLimit", False),
            },
        ],
    )
    return str(acl["Summary"]["ARN"])


def test_sampled_requests_per_rule_within_the_last_three_hours(runtime: Runtime, moto_endpoint: str) -> None:
    arn = _make_acl(moto_endpoint)
    client = runtime.aws.client("wafv2")
    asked: list[dict[str, Any]] = []
    output_shape = client.meta.service_model.operation_model("GetSampledRequests").output_shape

    def canned(model: Any, params: dict[str, Any], **_: Any) -> Any:
        asked.append(params)
        validate_parameters(SAMPLED, output_shape)
        return AWSResponse("https://stub", 200, {}, None), SAMPLED

    client.meta.events.register("before-call.wafv2.GetSampledRequests", canned)
    acl = describe_web_acl(client, arn)
    assert [r.name for r in acl.rules] == ["rate-limit", "AWS-AWSManagedRulesSQLiRuleSet"]  # by priority
    assert acl.rules[0].type == "RATE_BASED"
    assert acl.rules[1].type == "MANAGED_RULE_GROUP"

    now = datetime.now(UTC)
    window = Window(now - timedelta(hours=5), now)
    result = sampled_requests(client, acl, window, now)
    assert len(asked) == 1  # only the rule with sampling on
    body = json.loads(asked[0]["body"])
    assert body["RuleMetricName"] == "AWS-AWSManagedRulesSQLiRuleSet"
    assert body["Scope"] == "REGIONAL"
    assert body["MaxItems"] == 500
    assert result.window is not None
    assert result.window.start >= now - timedelta(hours=3)
    assert body["TimeWindow"]["StartTime"] == result.window.start.timestamp()
    assert result.unsampled_rules == ("rate-limit",)
    assert result.population == 4
    frame = result.frame
    assert frame["terminating_rule_id"].tolist() == ["AWS-AWSManagedRulesSQLiRuleSet"] * 2
    assert frame["terminating_rule_type"].tolist() == ["MANAGED_RULE_GROUP"] * 2
    assert frame["rule_group_rule"].tolist() == ["SQLi_BODY", "SQLi_BODY"]
    assert frame["client_ip"].tolist() == ["198.51.100.08"] * 2
    assert int(frame["weight"].sum()) == 4
    assert frame["time"].iloc[0] == pd.Timestamp(1581541799564, unit="ms", tz="UTC")


def test_window_older_than_three_hours_has_nothing_to_sample() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert sample_window(Window(now - timedelta(hours=6), now - timedelta(hours=4)), now) is None
    clipped = sample_window(Window(now - timedelta(hours=6), now - timedelta(hours=1)), now)
    assert clipped is not None
    assert clipped.end == now - timedelta(hours=1)
    assert now - clipped.start < timedelta(hours=3)
