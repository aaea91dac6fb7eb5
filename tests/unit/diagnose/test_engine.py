"""Engine behaviour across causes: healthy stages, mixed incidents, partial evidence, triage and onset."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.loader import load_playbooks
from apigwops.diagnose.triage import Bucket, find_onset
from apigwops.errors import UsageError
from apigwops.model import Check
from tests.builders.stage import FUNCTION, ONSET_MINUTE, START, Stage, healthy

PLAYBOOKS = load_playbooks()


@pytest.mark.parametrize("api_type", ["REST", "HTTP"])
def test_healthy_stage_has_no_findings_and_exit_0(api_type: str) -> None:
    report = diagnose(healthy(api_type).build(), playbooks=PLAYBOOKS)
    assert report.findings == []
    assert report.blind_spots == []
    assert report.triage.onset is None
    assert report.exit_code() == 0
    assert report.exit_code("info") == 0


def test_mixed_incident_ranks_causes_by_share() -> None:
    stage = healthy()
    stage.traffic(
        60,
        status=504,
        start=ONSET_MINUTE,
        latency=29010,
        error_type="INTEGRATION_TIMEOUT",
        error_message="Endpoint request timed out",
    )
    stage.traffic(
        30,
        status=502,
        start=ONSET_MINUTE,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_error="Lambda Customer Function Error:boom",
    )
    stage.traffic(
        10,
        status=500,
        start=ONSET_MINUTE,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
        integration_error="Execution failed due to configuration error: Rate Exceeded.",
    )
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    assert [(f.id, f.count, f.share) for f in report.findings] == [
        ("integration-timeout", 60, 0.6),  # a 504 at the limit is API Gateway giving up (§15.5)
        ("lambda-function-error", 30, 0.3),
        ("lambda-throttled", 10, 0.1),
    ]
    assert [f.symptom for f in report.findings] == ["504", "502", "500"]


def test_a_request_is_explained_once_within_a_playbook() -> None:
    """A Lambda 'Task timed out' error is both a function error and a timeout: the decision list says timeout."""
    stage = healthy("HTTP")
    stage.traffic(
        40,
        status=500,
        start=ONSET_MINUTE,
        integration_error="The Lambda function returned the following error: RequestId: 1b2c Error: Task timed out after 5.00 seconds. Check your Lambda function code and try again.",
    )
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    assert [(f.id, f.count) for f in report.findings] == [("lambda-timeout", 40)]


def test_specific_symptom_keeps_only_that_status() -> None:
    stage = healthy()
    stage.traffic(60, status=504, start=ONSET_MINUTE, latency=29010, error_type="INTEGRATION_TIMEOUT")
    stage.traffic(30, status=502, start=ONSET_MINUTE, integration_error="Lambda Customer Function Error:boom")
    report = diagnose(stage.build(), symptom="502", playbooks=PLAYBOOKS)
    assert [(f.id, f.share) for f in report.findings] == [("lambda-function-error", 1.0)]
    assert report.triage.status["5xx"] == 90  # triage still shows the whole window


def test_metrics_only_gives_a_partial_report_that_names_what_it_skipped() -> None:
    stage = Stage()
    stage.checks = [
        Check("access-logs", "skipped", "AccessDenied: logs:StartQuery"),
        Check("execution-logs", "skipped", "logging OFF"),
    ]
    stage.with_stage(access_log_destination=None, logging_level="OFF")
    for minute in range(30):
        errors = 40 if minute >= ONSET_MINUTE else 0
        stage.metric("AWS/ApiGateway", "Count", 100, minute=minute, dims="ApiName=user-api,Stage=prod")
        stage.metric("AWS/ApiGateway", "5XXError", errors, minute=minute, dims="ApiName=user-api,Stage=prod")
        stage.metric("AWS/ApiGateway", "4XXError", 0, minute=minute, dims="ApiName=user-api,Stage=prod")
        stage.metric("AWS/Lambda", "Throttles", errors, minute=minute, dims=f"FunctionName={FUNCTION}")
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    assert report.triage.source == "metrics"
    assert report.triage.requests == 3000
    assert report.triage.status == {"2xx": 2280, "4xx": 0, "5xx": 720}
    assert report.triage.onset == START + timedelta(minutes=ONSET_MINUTE)
    top = report.findings[0]
    assert (top.id, top.count, top.confidence) == ("lambda-throttled", 720, "medium")
    assert any(f.id == "logging-blind-spot" for f in report.findings)
    assert report.blind_spots[0].startswith("access logging is off (skipped: AccessDenied: logs:StartQuery)")
    assert '"integrationError":"$context.integration.error"' in report.blind_spots[0]
    assert report.as_json()["checks"][0] == {
        "id": "access-logs",
        "status": "skipped",
        "reason": "AccessDenied: logs:StartQuery",
    }


def test_missing_format_field_becomes_a_blind_spot_naming_the_variable_to_add() -> None:
    stage = healthy().with_stage(logging_level="OFF")
    stage.missing |= {"integration_error"}
    stage.traffic(
        50,
        status=502,
        start=ONSET_MINUTE,
        error_type="INTEGRATION_FAILURE",
        error_message="Internal server error",
    )
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    assert "lambda-function-error" not in {f.id for f in report.findings}
    line = next(s for s in report.blind_spots if "$context.integration.error" in s)
    assert "lambda-function-error" in line
    assert line.endswith('add "integrationError":"$context.integration.error"')
    assert any("execution logs not available (logging level OFF)" in s for s in report.blind_spots)
    assert report.findings[-1].id == "logging-blind-spot"


def test_execution_logs_fill_in_for_a_field_the_format_lacks() -> None:
    stage = healthy()
    stage.missing |= {"integration_error"}
    stage.traffic(
        50,
        status=502,
        start=ONSET_MINUTE,
        error_type="INTEGRATION_FAILURE",
        exec_log="Lambda execution failed with status 200 due to customer function error: boom. Lambda request id: 9f1",
    )
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert (top.id, top.count) == ("lambda-function-error", 50)
    assert any(e.source == "execution-log" and e.detail.startswith("50 lines") for e in top.evidence)


def test_window_without_any_data_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no data for user-api/prod"):
        diagnose(Stage().build(), playbooks=PLAYBOOKS)


def test_unknown_symptom_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown symptom '418'"):
        diagnose(healthy().build(), symptom="418", playbooks=PLAYBOOKS)


def test_complete_request_counts_win_over_sampled_rows() -> None:
    stage = healthy()
    stage.traffic(20, status=502, start=ONSET_MINUTE, integration_error="Lambda Customer Function Error:boom")
    evidence = stage.build()
    # Logs Insights returned a sample of the rows (the collector says so on the check) plus complete counts
    evidence.checks = [
        Check("access-logs", "ok", detail={"sampled": True}) if c.id == "access-logs" else c
        for c in evidence.checks
    ]
    minutes = [START + timedelta(minutes=m) for m in range(30)]
    evidence.request_counts = pd.DataFrame(
        {
            "minute": minutes + minutes[ONSET_MINUTE:],
            "status": [200] * 30 + [502] * (30 - ONSET_MINUTE),
            "count": [1000] * 30 + [30] * (30 - ONSET_MINUTE),
        }
    )
    report = diagnose(evidence, playbooks=PLAYBOOKS)
    assert report.triage.requests == 30540
    assert report.triage.status == {"2xx": 30000, "4xx": 0, "5xx": 540}
    assert report.triage.buckets[ONSET_MINUTE].requests == 1030
    assert report.triage.onset == START + timedelta(minutes=ONSET_MINUTE)


def test_latency_needs_at_least_one_percent_slow_requests() -> None:
    stage = healthy(count=1000)
    stage.traffic(5, latency=2500, integration_latency=2450)  # 0.5%: noise, not a symptom
    assert diagnose(stage.build(), playbooks=PLAYBOOKS).findings == []
    report = diagnose(stage.build(), playbooks=PLAYBOOKS, latency_threshold_ms=60)
    assert report.findings[0].id == "slow-integration"


def test_short_window_with_every_row_gets_fine_buckets() -> None:
    from apigwops.diagnose.triage import bucket_seconds

    assert bucket_seconds(90, per_request=True) == 5
    assert bucket_seconds(600, per_request=True) == 20
    assert bucket_seconds(1800, per_request=True) == 60
    assert bucket_seconds(90) == 60  # per-minute counts only: a minute is the finest there is
    assert bucket_seconds(6 * 3600) == 900  # sizes that divide a day, so buckets sit on the clock


def _buckets(rates: list[float], requests: int = 100) -> list[Bucket]:
    return [
        Bucket(START + timedelta(minutes=i), requests, round(r * requests), None) for i, r in enumerate(rates)
    ]


def test_onset_is_where_the_rate_leaves_a_noisy_baseline() -> None:
    rates = [0.01, 0.02, 0.0, 0.01, 0.02, 0.01, 0.3, 0.35, 0.4, 0.3]
    assert find_onset(_buckets(rates)) == START + timedelta(minutes=6)


def test_a_single_noisy_bucket_is_not_an_onset() -> None:
    rates = [0.0] * 10 + [0.05] + [0.0] * 5 + [0.04] + [0.0] * 5
    assert find_onset(_buckets(rates)) is None


def test_errors_from_the_first_minute_have_no_onset() -> None:
    assert find_onset(_buckets([0.5] * 10)) is None


def test_recommended_formats_are_valid_json_with_the_variables_each_api_type_has() -> None:
    import json

    from apigwops.diagnose.blindspots import recommended_format

    rest = json.loads(recommended_format("REST"))
    http = json.loads(recommended_format("HTTP"))
    assert rest["errorType"] == "$context.error.responseType"
    assert rest["wafResponseCode"] == "$context.wafResponseCode"
    assert http["routeKey"] == "$context.routeKey"
    assert http["authorizerError"] == "$context.authorizer.error"
    assert http["integrationError"] == "$context.integration.error"
    assert not {"wafStatus", "apiKeyId", "resourcePath", "authorizerLatency", "xrayTraceId"} & set(http)


def test_a_format_without_status_falls_back_to_metrics_and_says_why() -> None:
    stage = healthy()
    stage.missing |= {"status"}
    for minute in range(30):
        stage.metric("AWS/ApiGateway", "Count", 20, minute=minute, dims="ApiName=user-api,Stage=prod")
        stage.metric("AWS/ApiGateway", "5XXError", 5 if minute >= ONSET_MINUTE else 0, minute=minute)
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    assert report.triage.source == "metrics"
    assert report.triage.status["5xx"] == 90
    assert report.blind_spots[0].startswith(
        "access log format lacks $context.status: 600 lines could not be classified"
    )
    assert report.findings[-1].id == "logging-blind-spot"


def test_504_on_an_http_api_means_its_503_timeouts() -> None:
    stage = healthy("HTTP")
    stage.traffic(
        40,
        status=503,
        start=ONSET_MINUTE,
        latency=30004,
        integration_latency=30001,
        error_message="Service Unavailable",
    )
    stage.traffic(
        20,
        status=500,
        start=ONSET_MINUTE,
        integration_error="The Lambda function returned the following error: boom. Check your Lambda function code and try again.",
    )
    report = diagnose(stage.build(), symptom="504", playbooks=PLAYBOOKS)
    assert [(f.id, f.symptom, f.count, f.share) for f in report.findings] == [
        ("integration-timeout", "503", 40, 1.0)
    ]


def test_latency_symptom_leaves_failures_out() -> None:
    stage = healthy()
    stage.traffic(60, latency=2500, integration_latency=2450, start=ONSET_MINUTE)
    stage.traffic(30, status=502, start=ONSET_MINUTE, integration_error="Lambda Customer Function Error:boom")
    report = diagnose(stage.build(), symptom="latency", playbooks=PLAYBOOKS)
    assert [(f.id, f.count) for f in report.findings] == [("slow-integration", 60)]


def test_metrics_only_on_an_http_api_reads_its_metric_names() -> None:
    stage = Stage(api_type="HTTP")
    stage.checks = [Check("access-logs", "skipped", "no access log settings")]
    stage.with_stage(access_log_destination=None)
    for minute in range(30):
        stage.metric("AWS/ApiGateway", "Count", 50, minute=minute, dims="ApiId=a1b2c3,Stage=prod")
        stage.metric("AWS/ApiGateway", "4xx", 10 if minute >= ONSET_MINUTE else 0, minute=minute)
        stage.metric("AWS/ApiGateway", "5xx", 0, minute=minute)
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    assert report.triage.status == {"2xx": 1320, "4xx": 180, "5xx": 0}
    assert report.triage.onset == START + timedelta(minutes=ONSET_MINUTE)
    assert [f.id for f in report.findings] == ["logging-blind-spot"]
    assert report.blind_spots[0].startswith("access logging is off (skipped: no access log settings)")


def test_failures_no_playbook_explains_are_named_with_their_shape() -> None:
    stage = healthy()
    stage.traffic(40, status=502, start=ONSET_MINUTE, integration_error="Lambda Customer Function Error:boom")
    stage.traffic(10, status=500, start=ONSET_MINUTE, error_type="DEFAULT_5XX", error_message="Something new")
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    assert [f.id for f in report.findings] == ["lambda-function-error"]
    assert report.blind_spots == [
        "10 of 50 5xx matched no playbook; most common: status 500, error type DEFAULT_5XX, 'Something new' on GET /orders/{id}"
    ]


def test_waf_block_names_the_managed_rule_that_blocked_most() -> None:
    from .test_findings import s_waf_block

    top = diagnose(s_waf_block().build(), playbooks=PLAYBOOKS).findings[0]
    waf_lines = [e.detail for e in top.evidence if e.source == "waf-log"]
    assert waf_lines == [
        "rule AWS-AWSManagedRulesCommonRuleSet / SizeRestrictions_BODY (MANAGED_RULE_GROUP) blocked 120 of 125"
    ]
