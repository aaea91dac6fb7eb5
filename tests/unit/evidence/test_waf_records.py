"""WAF as it answers (signals reference §7.2, §15.6): rules in COUNT with the action they would take, labels,
rate-based keys, CAPTCHA/Challenge token failures, and `httpSourceId` keeping other stages' records out."""

from __future__ import annotations

import json

from apigwops.evidence.parse.waflog import (
    count_matches,
    parse_waf_log_events,
    same_stage,
    sample_rows,
    waf_frame,
)

from .test_log_parsers import WAF_REGULAR


def _allowed(**fields: object) -> dict[str, object]:
    return {
        **WAF_REGULAR,
        "terminatingRuleId": "Default_Action",
        "action": "ALLOW",
        "terminatingRuleMatchDetails": [],
        **fields,
    }


MANAGED_IN_COUNT = _allowed(
    ruleGroupList=[
        {
            "ruleGroupId": "AWS#AWSManagedRulesSQLiRuleSet",
            "terminatingRule": None,
            "nonTerminatingMatchingRules": [
                {
                    "ruleId": "SQLi_BODY",
                    "action": "COUNT",
                    "overriddenAction": "BLOCK",
                    "ruleMatchDetails": [],
                }
            ],
            "excludedRules": None,
        }
    ],
    labels=[{"name": "awswaf:managed:aws:sql-database:SQLi_Body"}],
    httpSourceName="APIGW",
    httpSourceId="111122223333:a1b2c3:prod",
)
OWN_COUNT_RULE = _allowed(
    nonTerminatingMatchingRules=[{"ruleId": "watch-admin-paths", "action": "COUNT", "ruleMatchDetails": []}]
)
RATE_BLOCK = {
    **WAF_REGULAR,
    "terminatingRuleId": "per-ip-limit",
    "terminatingRuleType": "RATE_BASED",
    "rateBasedRuleList": [
        {
            "rateBasedRuleId": "arn:aws:wafv2:...:ratebasedrule/per-ip-limit",
            "rateBasedRuleName": "per-ip-limit",
            "limitKey": "IP",
            "limitValue": "198.51.100.7",
            "maxRateAllowed": 100,
        }
    ],
    "httpSourceName": "APIGW",
    "httpSourceId": "111122223333:zz9y8x:prod",
}
CHALLENGE = {
    **WAF_REGULAR,
    "terminatingRuleId": "challenge-bots",
    "action": "CHALLENGE",
    "challengeResponse": {"responseCode": 202, "solveTimestamp": 0, "failureReason": "TOKEN_EXPIRED"},
}


def test_rules_in_count_are_reported_with_the_action_they_would_take() -> None:
    assert count_matches(MANAGED_IN_COUNT) == [("AWS#AWSManagedRulesSQLiRuleSet/SQLi_BODY", "BLOCK")]
    assert count_matches(OWN_COUNT_RULE) == [("watch-admin-paths", "COUNT")]
    assert count_matches(WAF_REGULAR) == []
    frame, bad = parse_waf_log_events([json.dumps(r) for r in (MANAGED_IN_COUNT, OWN_COUNT_RULE)])
    assert bad == 0
    assert list(frame["count_rules"]) == [
        "AWS#AWSManagedRulesSQLiRuleSet/SQLi_BODY=BLOCK",
        "watch-admin-paths=COUNT",
    ]
    assert frame["labels"].iloc[0] == "awswaf:managed:aws:sql-database:SQLi_Body"


def test_rate_key_challenge_failure_and_source_are_kept() -> None:
    frame, _ = parse_waf_log_events([json.dumps(RATE_BLOCK), json.dumps(CHALLENGE)])
    rate = frame[frame["terminating_rule_id"] == "per-ip-limit"].iloc[0]
    assert (rate["rate_key"], rate["source_id"]) == ("IP=198.51.100.7", "111122223333:zz9y8x:prod")
    challenge = frame[frame["action"] == "CHALLENGE"].iloc[0]
    assert (challenge["token_failure"], challenge["response_code"]) == ("TOKEN_EXPIRED", "202")
    assert challenge.isna()["source_id"]  # httpSourceId "-": no source named


def test_http_source_id_keeps_other_stages_out() -> None:
    assert same_stage("111122223333:a1b2c3:prod", "a1b2c3", "prod")
    assert not same_stage("111122223333:a1b2c3:staging", "a1b2c3", "prod")
    assert not same_stage("111122223333:zz9y8x:prod", "a1b2c3", "prod")
    assert same_stage(None, "a1b2c3", "prod")  # samples and records without a source id are kept


def test_sampled_captcha_and_count_samples() -> None:
    """GetSampledRequests shapes (API reference SampledHTTPRequest: CaptchaResponse, Labels, OverriddenAction)."""
    samples = [
        {
            "Request": {
                "ClientIP": "198.51.100.8",
                "Country": "US",
                "URI": "/",
                "Method": "GET",
                "HTTPVersion": "HTTP/1.1",
                "Headers": [],
            },
            "Weight": 2,
            "Timestamp": 1581541799.564,
            "Action": "CAPTCHA",
            "ResponseCodeSent": 405,
            "CaptchaResponse": {"ResponseCode": 405, "SolveTimestamp": 0, "FailureReason": "TOKEN_MISSING"},
            "Labels": [{"Name": "awswaf:managed:token:absent"}],
        },
        {
            "Request": {
                "ClientIP": "198.51.100.9",
                "Country": "US",
                "URI": "/",
                "Method": "GET",
                "HTTPVersion": "HTTP/1.1",
                "Headers": [],
            },
            "Weight": 1,
            "Timestamp": 1581541800.0,
            "Action": "COUNT",
            "OverriddenAction": "BLOCK",
        },
    ]
    frame = waf_frame(sample_rows(samples, rule_name="captcha-login", rule_type="REGULAR"))
    assert list(frame["token_failure"].fillna("-")) == ["TOKEN_MISSING", "-"]
    assert list(frame["count_rules"].fillna("-")) == ["-", "captcha-login=BLOCK"]
    assert frame["labels"].iloc[0] == "awswaf:managed:token:absent"
