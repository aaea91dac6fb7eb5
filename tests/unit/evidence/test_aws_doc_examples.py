"""Public AWS documentation examples read through the real parsers. Each test names its page; the text is
copied as published (where a published example is not valid JSON, the test says so and what was changed).
The sources are listed in docs/aws-sources.md.
"""

from __future__ import annotations

import json
import re

from apigwops.evidence.parse.lambdalog import parse_lambda_events, parse_line
from apigwops.evidence.parse.waflog import parse_waf_log_events
from apigwops.evidence.sources.gateway import LAMBDA_LOG_REGEX

T = 1_559_763_003_171


def test_lambda_python_logging_page_report_with_init_duration() -> None:
    """https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html ("Example log format";
    awsdocs/aws-lambda-developer-guide doc_source/python-logging.md). The doc's ids contain "xmpl"."""
    lines = [
        "START RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95 Version: $LATEST",
        "END RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95",
        "REPORT RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95  Duration: 15.74 ms  Billed Duration: 16 ms "
        "Memory Size: 128 MB Max Memory Used: 56 MB  Init Duration: 130.49 ms",
    ]
    assert all(re.search(LAMBDA_LOG_REGEX, line) for line in lines)
    frame = parse_lambda_events("my-function", [T, T + 1, T + 2], lines)
    report = frame.iloc[2]
    assert (report["kind"], report["request_id"], report["invocation_status"]) == (
        "report",
        "8f507cfc-xmpl-4697-b07a-ac58fc914c95",
        "success",
    )
    assert (report["duration_ms"], report["init_duration_ms"], report["max_memory_used_mb"]) == (
        15.74,
        130.49,
        56,
    )


def test_lambda_python_logging_page_get_log_events_output() -> None:
    """Same page, "retrieve the last five log events": the CloudWatch events' messages as the API returns them."""
    events = json.loads(
        '[{"timestamp": 1559763003171, "message": "START RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf Version: $LATEST\\n"},'
        ' {"timestamp": 1559763003218, "message": "END RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf\\n"},'
        ' {"timestamp": 1559763003218, "message": "REPORT RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf\\tDuration: '
        '26.73 ms\\tBilled Duration: 27 ms \\tMemory Size: 128 MB\\tMax Memory Used: 75 MB\\t\\n"}]'
    )
    frame = parse_lambda_events(
        "my-function", [e["timestamp"] for e in events], [e["message"] for e in events]
    )
    assert list(frame["kind"]) == ["start", "end", "report"]
    assert set(frame["request_id"]) == {"4ce9340a-b765-490f-ad8a-02ab3415e2bf"}
    assert frame["duration_ms"].iloc[2] == 26.73
    assert frame["init_duration_ms"].isna().all()  # a warm invocation: no cold start


def test_lambda_telemetry_schema_reference_init_report_and_runtime_done() -> None:
    """https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html (platform.initReport and
    platform.runtimeDone examples; awsdocs/aws-lambda-developer-guide doc_source/telemetry-schema-reference.md)."""
    init_report = """{
    "time": "2022-10-12T00:01:15.000Z",
    "type": "platform.initReport",
    "record": {
        "initializationType": "on-demand",
        "phase": "init",
        "metrics": {
            "durationMs": 125.33
        },
        "spans": [
            {
                "name": "someTimeSpan",
                "start": "2022-06-02T12:02:33.913Z",
                "durationMs": 90.1
            }
        ]
    }
}"""
    runtime_done = """{
    "time": "2022-10-12T00:01:15.000Z",
    "type": "platform.runtimeDone",
    "record": {
        "requestId": "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa",
        "status": "success",
        "tracing": {
            "spanId": "54565fb41ac79632",
            "type": "X-Amzn-Trace-Id",
            "value": "Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"
        },
        "spans": [
            {
                "name": "someTimeSpan",
                "start": "2022-08-02T12:01:23:521Z",
                "durationMs": 80.0
            }
        ],
        "metrics": {
            "durationMs": 140.0,
            "producedBytes": 16
        }
    }
}"""
    init = parse_line(init_report)
    assert (init["kind"], init.get("init_duration_ms"), init.get("invocation_status")) == (
        "init",
        125.33,
        None,
    )
    done = parse_line(runtime_done)
    assert done["kind"] == "other"  # repeats what platform.report says: never counted twice
    assert done["request_id"] == "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"
    assert all(re.search(LAMBDA_LOG_REGEX, text) for text in (init_report, runtime_done))


def test_lambda_telemetry_schema_reference_platform_report() -> None:
    """Same page, platform.report example. As published it has a trailing comma after "requestId" (not valid
    JSON); Lambda writes valid JSON, so the comma is removed here and nothing else changed."""
    published = """{
    "time": "2022-10-12T00:01:15.000Z",
    "type": "platform.report",
    "record": {
        "metrics": {
            "billedDurationMs": 694,
            "durationMs": 693.92,
            "initDurationMs": 397.68,
            "maxMemoryUsedMB": 84,
            "memorySizeMB": 128
        },
        "requestId": "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa",
    }
}"""
    row = parse_line(published.replace('aa",\n    }', 'aa"\n    }'))
    assert row["kind"] == "report"
    assert row["request_id"] == "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"
    assert (row["duration_ms"], row["init_duration_ms"], row["memory_size_mb"]) == (693.92, 397.68, 128)
    assert parse_line(published)["kind"] == "other"  # the invalid text is kept, not misread


CAPTCHA_PAGE = (
    "https://docs.aws.amazon.com/waf/latest/developerguide/waf-captcha-and-challenge-logs-metrics.html"
)


def _record(**fields: object) -> str:
    """A WAF log record around a documented fragment: the envelope is the logging-fields page's required
    fields with the §7.2 verbatim example's values."""
    base: dict[str, object] = {
        "timestamp": 1632420429000,
        "formatVersion": 1,
        "webaclId": "arn:aws:wafv2:ap-southeast-2:111122223333:regional/webacl/STMTest/1EXAMPLE-2ARN-3ARN-4ARN-123456EXAMPLE",
        "terminatingRuleId": "Default_Action",
        "terminatingRuleType": "REGULAR",
        "action": "ALLOW",
        "httpSourceName": "-",
        "httpSourceId": "-",
        "ruleGroupList": [],
        "rateBasedRuleList": [],
        "nonTerminatingMatchingRules": [],
        "httpRequest": {
            "clientIp": "1.1.1.1",
            "country": "AU",
            "uri": "/myUri",
            "httpMethod": "GET",
            "requestId": "rid",
        },
    }
    return json.dumps({**base, **fields})


def test_waf_captcha_page_missing_token_is_a_served_captcha() -> None:
    """CAPTCHA_PAGE, "Missing, invalid, or expired token" fragment (verbatim fields)."""
    fragment = json.loads(
        '{"terminatingRuleId": "captcha-rule", "terminatingRuleType": "REGULAR", "action": "CAPTCHA",'
        ' "terminatingRuleMatchDetails": [], "responseCodeSent": 405,'
        ' "captchaResponse": {"responseCode": 405, "solveTimestamp": 0, "failureReason": "TOKEN_MISSING"}}'
    )
    frame, bad = parse_waf_log_events([_record(**fragment)])
    assert bad == 0
    row = frame.iloc[0]
    assert (row["action"], row["terminating_rule_id"], row["token_failure"], row["response_code"]) == (
        "CAPTCHA",
        "captcha-rule",
        "TOKEN_MISSING",
        "405",
    )


def test_waf_captcha_page_valid_token_is_not_an_interstitial() -> None:
    """CAPTCHA_PAGE, "Valid token" fragment (verbatim): a non-terminating CAPTCHA match, the request went on."""
    fragment = json.loads(
        '{"nonTerminatingMatchingRules": [{"ruleId": "captcha-rule", "action": "CAPTCHA", "ruleMatchDetails": [],'
        ' "captchaResponse": {"responseCode": 0, "solveTimestamp": 1632420429}}]}'
    )
    frame, _ = parse_waf_log_events([_record(**fragment)])
    row = frame.iloc[0]
    assert row["action"] == "ALLOW"
    assert row.isna()[["token_failure", "count_rules", "response_code"]].all()
