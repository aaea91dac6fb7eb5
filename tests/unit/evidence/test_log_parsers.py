"""Execution, Lambda and WAF log lines (exact texts from reference §7.2, §9.3–9.4 and the Lambda runtime)."""

from __future__ import annotations

import json

import pandas as pd

from apigwops.evidence.parse.execlog import parse_execution_events
from apigwops.evidence.parse.lambdalog import parse_lambda_events
from apigwops.evidence.parse.waflog import parse_waf_log_events, sample_rows, waf_frame
from apigwops.model import EXECUTION_LOG_COLUMNS, LAMBDA_LOG_COLUMNS, WAF_COLUMNS

RID = "394365dc-1b10-411f-9668-70521cec1205"
LRID = "8f5e1b7a-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
T = 1_763_946_123_000


def test_execution_lines_split_request_id_and_message() -> None:
    messages = [
        f"({RID}) Starting execution for request: {RID}",
        f"({RID}) Lambda execution failed with status 200 due to customer function error: boom. Lambda request id: {LRID}",
        f"({RID}) Method completed with status: 502",
        "Thu May 04 17:48:21 UTC 2024 : Method completed with status: 500",
    ]
    frame = parse_execution_events([T + 1, T + 2, T + 3, T], messages)
    assert tuple(frame.columns) == EXECUTION_LOG_COLUMNS
    assert frame["message"].iloc[-1] == "Method completed with status: 502"  # sorted by time
    assert pd.isna(frame["request_id"].iloc[0])
    assert frame["message"].iloc[0].startswith("Thu May 04")
    assert set(frame["request_id"].dropna()) == {RID}
    assert frame["time"].iloc[0] == pd.Timestamp(T, unit="ms", tz="UTC")


def test_lambda_platform_lines_timeouts_and_errors() -> None:
    messages = [
        "INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc",
        f"START RequestId: {LRID} Version: $LATEST",
        f"2026-11-24T01:02:03.456Z {LRID} Task timed out after 3.00 seconds",
        f"END RequestId: {LRID}",
        f"REPORT RequestId: {LRID}\tDuration: 3003.51 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 71 MB\tInit Duration: 245.12 ms\t",
        '[ERROR] ValueError: bad input\nTraceback (most recent call last):\n  File "/var/task/app.py"',
        f'2026-11-24T01:02:04.000Z\t{LRID}\tERROR\tInvoke Error \t{{"errorType":"Error","errorMessage":"boom"}}',
        '{"errorMessage": "2026-11-24T01:02:05.000Z ' + LRID + ' Task timed out after 3.00 seconds"}',
        "just an application log line",
    ]
    frame = parse_lambda_events("orders-fn", [T + i for i in range(len(messages))], messages)
    assert tuple(frame.columns) == LAMBDA_LOG_COLUMNS
    assert list(frame["kind"]) == [
        "init",
        "start",
        "timeout",
        "end",
        "report",
        "error",
        "error",
        "timeout",
        "other",
    ]
    report = frame[frame["kind"] == "report"].iloc[0]
    assert report["request_id"] == LRID
    assert report["duration_ms"] == 3003.51
    assert report["billed_duration_ms"] == 3000.0
    assert report["init_duration_ms"] == 245.12
    assert report["memory_size_mb"] == 128
    assert report["max_memory_used_mb"] == 71
    assert pd.isna(frame[frame["kind"] == "start"].iloc[0]["duration_ms"])
    assert frame["request_id"].iloc[2] == LRID
    assert set(frame["function"]) == {"orders-fn"}


# §7.2 verbatim AWS example (terminating SQLi rule) and a managed rule group record.
WAF_REGULAR = {
    "timestamp": 1576280412771,
    "formatVersion": 1,
    "webaclId": "arn:aws:wafv2:ap-southeast-2:111122223333:regional/webacl/STMTest/1EXAMPLE-2ARN-3ARN-4ARN-123456EXAMPLE",
    "terminatingRuleId": "STMTest_SQLi_XSS",
    "terminatingRuleType": "REGULAR",
    "action": "BLOCK",
    "terminatingRuleMatchDetails": [
        {
            "conditionType": "SQL_INJECTION",
            "sensitivityLevel": "HIGH",
            "location": "HEADER",
            "matchedData": ["10", "AND", "1"],
        }
    ],
    "httpSourceName": "-",
    "httpSourceId": "-",
    "ruleGroupList": [],
    "rateBasedRuleList": [],
    "nonTerminatingMatchingRules": [],
    "httpRequest": {
        "clientIp": "1.1.1.1",
        "country": "AU",
        "headers": [{"name": "Host", "value": "localhost:1989"}],
        "uri": "/myUri",
        "args": "",
        "httpVersion": "HTTP/1.1",
        "httpMethod": "GET",
        "requestId": "rid",
    },
    "labels": [{"name": "value"}],
}
WAF_MANAGED = {
    **WAF_REGULAR,
    "timestamp": 1576280412999,
    "terminatingRuleId": "AWS-AWSManagedRulesAnonymousIpList",
    "terminatingRuleType": "MANAGED_RULE_GROUP",
    "ruleGroupList": [
        {
            "ruleGroupId": "AWS#AWSManagedRulesCommonRuleSet",
            "terminatingRule": None,
            "nonTerminatingMatchingRules": [],
            "excludedRules": None,
        },
        {
            "ruleGroupId": "AWS#AWSManagedRulesAnonymousIpList",
            "terminatingRule": {
                "ruleId": "HostingProviderIPList",
                "action": "BLOCK",
                "ruleMatchDetails": None,
            },
            "nonTerminatingMatchingRules": [],
            "excludedRules": None,
        },
    ],
    "httpRequest": {**WAF_REGULAR["httpRequest"], "country": "-", "clientIp": "198.51.100.7"},
}


def test_waf_log_records_name_the_rule_inside_a_managed_group() -> None:
    frame, bad = parse_waf_log_events([json.dumps(WAF_MANAGED), json.dumps(WAF_REGULAR), "not json", "{}"])
    assert bad == 2
    assert tuple(frame.columns) == WAF_COLUMNS
    regular, managed = frame.iloc[0], frame.iloc[1]
    assert regular["terminating_rule_id"] == "STMTest_SQLi_XSS"
    assert pd.isna(regular["rule_group_rule"])
    assert regular["country"] == "AU"
    assert regular["request_id"] == "rid"
    assert managed["terminating_rule_type"] == "MANAGED_RULE_GROUP"
    assert managed["rule_group_rule"] == "HostingProviderIPList"
    assert pd.isna(managed["country"])
    assert managed["client_ip"] == "198.51.100.7"
    assert set(frame["source"]) == {"log"}


def test_sampled_requests_become_rows() -> None:
    samples = [
        {
            "Action": "BLOCK",
            "Timestamp": 1581541799.564,
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
        }
    ]
    frame = waf_frame(
        sample_rows(samples, rule_name="AWS-AWSManagedRulesSQLiRuleSet", rule_type="MANAGED_RULE_GROUP")
    )
    row = frame.iloc[0]
    assert row["rule_group_rule"] == "SQLi_BODY"
    assert row["weight"] == 3
    assert row["source"] == "sample"
    assert row["time"] == pd.Timestamp(1581541799564, unit="ms", tz="UTC")


def test_credentials_in_log_text_are_redacted_when_read() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"
    frame = parse_execution_events(
        [T, T + 1],
        [
            f"({RID}) Method request headers: {{Authorization=Bearer {jwt}, Host=x}}",
            f"({RID}) Method completed with status: 200",
        ],
    )
    assert jwt not in frame["message"].iloc[0]
    assert "Bearer" in frame["message"].iloc[0] or "[redacted]" in frame["message"].iloc[0]
    assert frame["message"].iloc[1] == "Method completed with status: 200"
    lam = parse_lambda_events(
        "fn", [T], [f'[ERROR] KeyError: event was {{"headers": {{"Authorization": "{jwt}"}}}}']
    )
    assert jwt not in lam["message"].iloc[0]
