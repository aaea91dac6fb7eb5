"""The REST stage's web ACL: its rules as provisioned in moto, their evaluation, and AWS's WAF log records.

Rules (evaluated in priority order, before anything else on the stage: signals reference §1.1):
geo match on the client's country (the sandbox takes it from an `x-sandbox-country` header, since every
sandbox client is 127.0.0.1), a rate-based rule per forwarded IP (`X-Forwarded-For`; requests without the
header are not counted, like WAF's NO_MATCH fallback), and the AWS managed SQL-injection and common (XSS)
rule groups, approximated with a few well-known patterns. Log records follow §7.2 (WLF/WLE).
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
MANAGED_GROUP_IDS = {
    SQLI_RULE: "AWS#AWSManagedRulesSQLiRuleSet",
    COMMON_RULE: "AWS#AWSManagedRulesCommonRuleSet",
}

SQLI = re.compile(
    r"(?i)(\bunion\b[\s\S]{0,40}\bselect\b|'\s*or\s+'?\d+'?\s*=\s*'?\d+|\bor\s+1\s*=\s*1\b|"
    r";\s*drop\s+table\b|\bsleep\s*\(\s*\d+\s*\)|'\s*;\s*--)"
)
XSS = re.compile(r"(?i)(<\s*script\b|javascript\s*:|\bon(error|load|mouseover)\s*=|<\s*iframe\b)")


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


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
    """ALLOW (default action) or BLOCK by one rule, with the details the WAF log carries."""

    action: str = "ALLOW"
    rule: str = "Default_Action"
    rule_type: str = "REGULAR"
    inner_rule: str | None = None
    match_details: list[dict[str, Any]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    rate_limit_value: str | None = None

    @property
    def blocked(self) -> bool:
        return self.action == "BLOCK"


class WebAcl:
    """Evaluates requests against the rules; the rate-based counters are shared by all stage threads."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: defaultdict[str, deque[float]] = defaultdict(deque)

    def evaluate(self, req: WafRequest, *, force_sqli: bool = False, force_rate: bool = False) -> WafVerdict:
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
        rule_groups.append(
            {
                "ruleGroupId": group_id,
                "terminatingRule": terminating,
                "nonTerminatingMatchingRules": [],
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
    return {
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
