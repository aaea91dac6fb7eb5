"""WAF as it answers (signals reference §15.6): CAPTCHA (405) and Challenge (202) are their own findings with
the rule and the token failure reason, never a 403 finding; rules in COUNT are reported as what they would
do; labels and rate-based keys reach the evidence; the per-request join uses the extended request id."""

from __future__ import annotations

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.features import prepare_requests
from apigwops.diagnose.loader import load_playbooks
from tests.builders.stage import ONSET_MINUTE, Stage, healthy

N = 40
PLAYBOOKS = load_playbooks()
ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/api-acl/abcd"


def _extended(i: int) -> str:
    return f"Kq4{i:05d}xFpjoEFaQ="  # the shape of $context.extendedRequestId


def _captcha_stage(*, extended_ids: bool = True) -> Stage:
    stage = healthy().with_stage(web_acl_arn=ACL)
    ids = [_extended(i) for i in range(N)]
    for i in range(N):
        stage.traffic(
            1,
            status=405,
            route="POST /orders",
            start=ONSET_MINUTE + i * 0.1,
            end=ONSET_MINUTE + i * 0.1 + 0.05,
            latency=3,
            integration_request_id=None,
            extended_request_id=ids[i] if extended_ids else None,
        )
    stage.waf(
        N,
        rule="captcha-login",
        rule_type="REGULAR",
        action="CAPTCHA",
        request_ids=ids,
        token_failure="TOKEN_MISSING",
        response_code="405",
        labels="awswaf:managed:token:absent",
    )
    return stage


def test_captcha_is_its_own_finding_with_rule_and_token_failure() -> None:
    stage = _captcha_stage()
    evidence = stage.build()
    frame, _ = prepare_requests(evidence, None)
    assert (frame.loc[frame["status"] == 405, "waf_action"] == "CAPTCHA").all()  # joined on extendedRequestId
    report = diagnose(evidence, playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert (top.id, top.count) == ("waf-captcha", N), [(f.id, f.count) for f in report.findings]
    assert "captcha-login" in top.title
    assert any("most common token failure TOKEN_MISSING" in e.detail for e in top.evidence)
    assert "cannot solve it" in top.remediation[0]
    assert not any(f.id.startswith("waf-block") or f.id == "waf-rate-limit" for f in report.findings)


def test_captcha_without_the_extended_request_id_still_counts_from_the_waf_log() -> None:
    """A format without `$context.extendedRequestId`: no per-request join, the WAF records still count."""
    stage = _captcha_stage(extended_ids=False)
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    top = next(f for f in report.findings if f.id == "waf-captcha")
    assert top.count == N
    assert "captcha-login" in top.title


def test_valid_token_captcha_matches_are_not_interstitials() -> None:
    """A valid token logs the CAPTCHA rule as a non-terminating match; the terminating action is ALLOW."""
    stage = healthy().with_stage(web_acl_arn=ACL)
    stage.waf(N, rule="Default_Action", rule_type="REGULAR", action="ALLOW")
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    assert not any(f.id in ("waf-captcha", "waf-challenge") for f in report.findings)


def test_challenge_202s_are_a_finding_though_no_request_failed() -> None:
    stage = healthy().with_stage(web_acl_arn=ACL)
    stage.traffic(N, status=202, start=ONSET_MINUTE, latency=4, integration_request_id=None)
    stage.waf(
        N,
        rule="challenge-bots",
        rule_type="REGULAR",
        action="CHALLENGE",
        token_failure="TOKEN_EXPIRED",
        response_code="202",
    )
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    challenge = next(f for f in report.findings if f.id == "waf-challenge")
    assert challenge.count == N
    assert "challenge-bots" in challenge.title
    assert any("TOKEN_EXPIRED" in e.detail for e in challenge.evidence)


def test_rules_in_count_are_reported_as_what_would_block_next_to_the_block() -> None:
    stage = healthy().with_stage(web_acl_arn=ACL)
    stage.traffic(
        N,
        status=403,
        route="POST /orders",
        start=ONSET_MINUTE,
        error_type="WAF_FILTERED",
        error_message="Forbidden",
        waf_response_code="WAF_BLOCK",
        waf_status=403,
    )
    stage.waf(
        N,
        rule="AWS-AWSManagedRulesCommonRuleSet",
        rule_type="MANAGED_RULE_GROUP",
        inner="SizeRestrictions_BODY",
        labels="awswaf:managed:aws:core-rule-set:SizeRestrictions_Body",
    )
    stage.waf(
        12,
        rule="Default_Action",
        rule_type="REGULAR",
        action="ALLOW",
        count_rules="AWS#AWSManagedRulesSQLiRuleSet/SQLi_BODY=BLOCK",
    )
    report = diagnose(stage.build(), playbooks=PLAYBOOKS)
    top = report.findings[0]
    assert top.id == "waf-block"
    details = [e.detail for e in top.evidence]
    assert "labels on the blocked requests: awswaf:managed:aws:core-rule-set:SizeRestrictions_Body" in details
    assert (
        "rule in COUNT AWS#AWSManagedRulesSQLiRuleSet/SQLi_BODY matched 12 requests (its action without the "
        "Count override: BLOCK; 12 matches would have been blocked)"
    ) in details


def test_rate_based_key_reaches_the_evidence() -> None:
    stage = healthy().with_stage(web_acl_arn=ACL)
    stage.traffic(
        N,
        status=403,
        start=ONSET_MINUTE,
        error_type="WAF_FILTERED",
        error_message="Forbidden",
        waf_response_code="WAF_BLOCK",
    )
    stage.waf(N, rule="per-ip-limit", rule_type="RATE_BASED", rate_key="IP=198.51.100.9")
    top = diagnose(stage.build(), playbooks=PLAYBOOKS).findings[0]
    assert top.id == "waf-rate-limit"
    assert "most blocks were counted under IP=198.51.100.9" in [e.detail for e in top.evidence]
