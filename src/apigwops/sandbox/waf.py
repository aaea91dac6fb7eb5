"""The REST stage's web ACL: its rules as provisioned in moto, their evaluation, and AWS's WAF log records.

Rules (evaluated in priority order, before anything else on the stage: signals reference §1.1):
geo match on the client's country (the sandbox takes it from an `x-sandbox-country` header, since every
sandbox client is 127.0.0.1), a rate-based rule per forwarded IP (`X-Forwarded-For`; requests without the
header are not counted, like WAF's NO_MATCH fallback), and the AWS managed SQL-injection and common (XSS)
rule groups, approximated with a few well-known patterns; a CAPTCHA rule for headless browsers (`HeadlessChrome` in the User-Agent) and
a Challenge rule for scrapers (§15.6: 405 / 202 with `x-amzn-waf-action`), and the AWS managed known-bad-inputs
group with its `Host_localhost_HEADER` rule overridden to Count (a rule in COUNT: it matches, logs what it would
have done, and lets the request on; §7.3, §15.6). Log records follow §7.2 (WLF/WLE) and §15.6.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

BLOCKED_COUNTRIES = ("KP", "IR", "CU", "SY")
COUNTRY_HEADER = "x-sandbox-country"
RATE_LIMIT = 100  # requests per forwarded IP per evaluation window
RATE_WINDOW_S = 300
GEO_RULE = "GeoBlock"
RATE_RULE = "RateLimitPerIP"
SQLI_RULE = "AWS-AWSManagedRulesSQLiRuleSet"
COMMON_RULE = "AWS-AWSManagedRulesCommonRuleSet"
BAD_INPUTS_RULE = "AWS-AWSManagedRulesKnownBadInputsRuleSet"
CAPTCHA_RULE = "CaptchaHeadlessBrowsers"
CHALLENGE_RULE = "ChallengeScrapers"
COUNTED_RULE = "Host_localhost_HEADER"  # in the known-bad-inputs group, overridden to Count
MANAGED_GROUP_IDS = {
    SQLI_RULE: "AWS#AWSManagedRulesSQLiRuleSet",
    COMMON_RULE: "AWS#AWSManagedRulesCommonRuleSet",
    BAD_INPUTS_RULE: "AWS#AWSManagedRulesKnownBadInputsRuleSet",
}
# What WAF answers for an interstitial (§15.6 [DOC WAF CaptchaAction, "CAPTCHA and Challenge action behavior"])
INTERSTITIAL_STATUS = {"CAPTCHA": 405, "CHALLENGE": 202}
TOKEN_MISSING = "TOKEN_MISSING"  # no aws-waf-token: what an API client never has (§15.6)
TOKEN_ABSENT_LABEL = "awswaf:managed:token:absent"  # the token label WAF adds (INF: which labels go with it)

SQLI = re.compile(
    r"(?i)(\bunion\b[\s\S]{0,40}\bselect\b|'\s*or\s+'?\d+'?\s*=\s*'?\d+|\bor\s+1\s*=\s*1\b|"
    r";\s*drop\s+table\b|\bsleep\s*\(\s*\d+\s*\)|'\s*;\s*--)"
)
XSS = re.compile(r"(?i)(<\s*script\b|javascript\s*:|\bon(error|load|mouseover)\s*=|<\s*iframe\b)")


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def _user_agent_contains(text: str) -> dict[str, Any]:
    return {
        "ByteMatchStatement": {
            "SearchString": text,
            "FieldToMatch": {"SingleHeader": {"Name": "user-agent"}},
            "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}],
            "PositionalConstraint": "CONTAINS",
        }
    }


def web_acl_rules() -> list[dict[str, Any]]:
    """The rules as wafv2 CreateWebACL takes them (rule name = metric name, as the console does)."""
    return [
        {
            "Name": GEO_RULE,
            "Priority": 0,
            "Statement": {"GeoMatchStatement": {"CountryCodes": list(BLOCKED_COUNTRIES)}},
            "Action": {"Block": {}},
            "VisibilityConfig": _visibility(GEO_RULE),
        },
        {
            "Name": RATE_RULE,
            "Priority": 1,
            "Statement": {
                "RateBasedStatement": {
                    "Limit": RATE_LIMIT,
                    "AggregateKeyType": "FORWARDED_IP",
                    "ForwardedIPConfig": {"HeaderName": "X-Forwarded-For", "FallbackBehavior": "NO_MATCH"},
                }
            },
            "Action": {"Block": {}},
            "VisibilityConfig": _visibility(RATE_RULE),
        },
        {
            "Name": SQLI_RULE,
            "Priority": 2,
            "Statement": {
                "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesSQLiRuleSet"}
            },
            "OverrideAction": {"None": {}},
            "VisibilityConfig": _visibility(SQLI_RULE),
        },
        {
            "Name": COMMON_RULE,
            "Priority": 3,
            "Statement": {
                "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}
            },
            "OverrideAction": {"None": {}},
            "VisibilityConfig": _visibility(COMMON_RULE),
        },
        {
            "Name": BAD_INPUTS_RULE,
            "Priority": 4,
            "Statement": {
                "ManagedRuleGroupStatement": {
                    "VendorName": "AWS",
                    "Name": "AWSManagedRulesKnownBadInputsRuleSet",
                    "RuleActionOverrides": [{"Name": COUNTED_RULE, "ActionToUse": {"Count": {}}}],
                }
            },
            "OverrideAction": {"None": {}},
            "VisibilityConfig": _visibility(BAD_INPUTS_RULE),
        },
        {
            "Name": CAPTCHA_RULE,
            "Priority": 5,
            "Statement": _user_agent_contains("headlesschrome"),
            "Action": {"Captcha": {}},
            "VisibilityConfig": _visibility(CAPTCHA_RULE),
        },
        {
            "Name": CHALLENGE_RULE,
            "Priority": 6,
            "Statement": _user_agent_contains("scrapy"),
            "Action": {"Challenge": {}},
            "VisibilityConfig": _visibility(CHALLENGE_RULE),
        },
    ]


@dataclass(frozen=True)
class WafRequest:
    client_ip: str
    forwarded_ip: str | None
    country: str
    method: str
    uri: str
    args: str
    body: str
    headers: tuple[tuple[str, str], ...]


@dataclass
class WafVerdict:
    """ALLOW (default action), BLOCK, CAPTCHA or CHALLENGE by one rule, with the details the WAF log carries;
    `counted` are the rules in COUNT that matched on the way (they never terminate)."""

    action: str = "ALLOW"
    rule: str = "Default_Action"
    rule_type: str = "REGULAR"
    inner_rule: str | None = None
    match_details: list[dict[str, Any]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    rate_limit_value: str | None = None
    counted: bool = False

    @property
    def blocked(self) -> bool:
        """The request does not reach the API: blocked, or answered with an interstitial."""
        return self.action != "ALLOW"


class WebAcl:
    """Evaluates requests against the rules; the rate-based counters are shared by all stage threads."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: defaultdict[str, deque[float]] = defaultdict(deque)

    def evaluate(
        self,
        req: WafRequest,
        *,
        force_sqli: bool = False,
        force_rate: bool = False,
        force_count: bool = False,
        force_captcha: bool = False,
        force_challenge: bool = False,
    ) -> WafVerdict:
        verdict = self._terminating(req, force_sqli, force_rate, force_captcha, force_challenge)
        host = {k.lower(): v for k, v in req.headers}.get("host", "")
        if verdict.rule not in (GEO_RULE, RATE_RULE, SQLI_RULE, COMMON_RULE) and (
            force_count or "localhost" in host.lower()
        ):
            # the group is evaluated (priority 4) only when nothing before it terminated
            verdict.counted = True
            verdict.labels.append("awswaf:managed:aws:known-bad-inputs:Host_Localhost_Header")  # INF casing
        return verdict

    def _terminating(
        self, req: WafRequest, force_sqli: bool, force_rate: bool, force_captcha: bool, force_challenge: bool
    ) -> WafVerdict:
        if req.country in BLOCKED_COUNTRIES:
            return WafVerdict(
                "BLOCK", GEO_RULE, "REGULAR", labels=[f"awswaf:clientip:geo:country:{req.country}"]
            )
        if self._over_rate(req.forwarded_ip) or force_rate:
            return WafVerdict(
                "BLOCK", RATE_RULE, "RATE_BASED", rate_limit_value=req.forwarded_ip or req.client_ip
            )
        sqli = self._match(SQLI, req)
        if sqli or force_sqli:
            location, data = sqli or ("QUERY_STRING", ["1", "OR", "1"])
            inner = "SQLi_QUERYARGUMENTS" if location == "QUERY_STRING" else "SQLi_BODY"
            return WafVerdict(
                "BLOCK",
                SQLI_RULE,
                "MANAGED_RULE_GROUP",
                inner_rule=inner,
                match_details=[_details("SQL_INJECTION", location, data)],
                labels=[f"awswaf:managed:aws:sql-database:{_label(inner)}"],
            )
        xss = self._match(XSS, req)
        if xss:
            location, data = xss
            inner = (
                "CrossSiteScripting_QUERYARGUMENTS"
                if location == "QUERY_STRING"
                else "CrossSiteScripting_BODY"
            )
            return WafVerdict(
                "BLOCK",
                COMMON_RULE,
                "MANAGED_RULE_GROUP",
                inner_rule=inner,
                match_details=[_details("XSS", location, data)],
                labels=[f"awswaf:managed:aws:core-rule-set:{_label(inner)}"],
            )
        agent = {k.lower(): v for k, v in req.headers}.get("user-agent", "").lower()
        if force_captcha or "headlesschrome" in agent:
            return WafVerdict("CAPTCHA", CAPTCHA_RULE, "REGULAR", labels=[TOKEN_ABSENT_LABEL])
        if force_challenge or "scrapy" in agent:
            return WafVerdict("CHALLENGE", CHALLENGE_RULE, "REGULAR", labels=[TOKEN_ABSENT_LABEL])
        return WafVerdict()

    def _over_rate(self, ip: str | None) -> bool:
        if not ip:
            return False
        now = self._clock()
        with self._lock:
            seen = self._seen[ip]
            seen.append(now)
            while seen and seen[0] < now - RATE_WINDOW_S:
                seen.popleft()
            return len(seen) > RATE_LIMIT

    @staticmethod
    def _match(pattern: re.Pattern[str], req: WafRequest) -> tuple[str, list[str]] | None:
        from urllib.parse import unquote_plus

        for location, text in (("QUERY_STRING", unquote_plus(req.args)), ("BODY", req.body)):
            found = pattern.search(text)
            if found:
                return location, found.group(0).split()[:5]
        return None


def _details(condition: str, location: str, data: list[str]) -> dict[str, Any]:
    return {"conditionType": condition, "sensitivityLevel": "HIGH", "location": location, "matchedData": data}


_LABELS = {
    "SQLi_QUERYARGUMENTS": "SQLi_QueryArguments",
    "SQLi_BODY": "SQLi_Body",
    "CrossSiteScripting_QUERYARGUMENTS": "CrossSiteScripting_QueryArguments",
    "CrossSiteScripting_BODY": "CrossSiteScripting_Body",
}


def _label(rule: str) -> str:
    return _LABELS.get(rule, rule)


def log_record(
    verdict: WafVerdict,
    req: WafRequest,
    *,
    timestamp_ms: int,
    web_acl_arn: str,
    source_id: str,
    request_id: str,
) -> dict[str, Any]:
    """One WAF log record in AWS's field layout (§7.2); secrets are REDACTED by the logging configuration."""
    rule_groups: list[dict[str, Any]] = []
    for rule, group_id in MANAGED_GROUP_IDS.items():
        terminating = None
        if verdict.rule == rule and verdict.inner_rule:
            terminating = {"ruleId": verdict.inner_rule, "action": "BLOCK", "ruleMatchDetails": None}
        counted: list[dict[str, Any]] = []
        if rule == BAD_INPUTS_RULE and verdict.counted:
            # a rule whose action the web ACL overrides to Count: action COUNT, its own action as
            # overriddenAction (§7.2 WLF field list, §7.3, §15.6)
            counted.append(
                {
                    "ruleId": COUNTED_RULE,
                    "action": "COUNT",
                    "overriddenAction": "BLOCK",
                    "ruleMatchDetails": [],
                }
            )
        rule_groups.append(
            {
                "ruleGroupId": group_id,
                "terminatingRule": terminating,
                "nonTerminatingMatchingRules": counted,
                "excludedRules": None,
            }
        )
    rate_list = []
    if verdict.rule == RATE_RULE:
        rate_list.append(
            {
                "rateBasedRuleId": f"{web_acl_arn.rsplit('/', 1)[-1]}-{RATE_RULE}",
                "rateBasedRuleName": RATE_RULE,
                "limitKey": "FORWARDED_IP",
                "maxRateAllowed": RATE_LIMIT,
                "limitValue": verdict.rate_limit_value,
            }
        )
    redacted = {"authorization", "x-api-key"}
    record: dict[str, Any] = {
        "timestamp": timestamp_ms,
        "formatVersion": 1,
        "webaclId": web_acl_arn,
        "terminatingRuleId": verdict.rule,
        "terminatingRuleType": verdict.rule_type,
        "action": verdict.action,
        "terminatingRuleMatchDetails": verdict.match_details,
        "httpSourceName": "APIGW",
        "httpSourceId": source_id,
        "ruleGroupList": rule_groups,
        "rateBasedRuleList": rate_list,
        "nonTerminatingMatchingRules": [],
        "requestHeadersInserted": None,
        "responseCodeSent": None,
        "httpRequest": {
            "clientIp": req.forwarded_ip or req.client_ip,
            "country": req.country,
            "headers": [
                {"name": k, "value": "REDACTED" if k.lower() in redacted else v} for k, v in req.headers
            ],
            "uri": req.uri,
            "args": req.args,
            "httpVersion": "HTTP/1.1",
            "httpMethod": req.method,
            "requestId": request_id,
        },
        "labels": [{"name": name} for name in verdict.labels],
    }
    if verdict.action in INTERSTITIAL_STATUS:
        # §15.6: the token check's outcome; sandbox clients never carry an aws-waf-token
        key = "captchaResponse" if verdict.action == "CAPTCHA" else "challengeResponse"
        record[key] = {"responseCode": INTERSTITIAL_STATUS[verdict.action], "failureReason": TOKEN_MISSING}
    return record
