"""WAF evidence rows: full WAF log records (`aws-waf-logs-*`) and `GetSampledRequests` samples, one table.

For a managed (or own) rule group the web ACL only names the group (`terminatingRuleId`); the rule inside it
that matched is `ruleGroupList[].terminatingRule.ruleId` in logs and the last part of
`RuleNameWithinRuleGroup` (`AWS#AWSManagedRulesSQLiRuleSet#SQLi_BODY`) in samples: both land in
`rule_group_rule` so playbooks can name the rule to exclude or tune.

What else a record says is kept too (signals reference §7.2, §15.6): CAPTCHA and Challenge outcomes with their
token failure reason (a valid token shows as a non-terminating CAPTCHA/CHALLENGE match, not as the action),
rules in COUNT with the action they would have taken (`overriddenAction`), labels, a rate-based rule's key, and
`httpSourceId` so records of other stages sharing the web ACL can be left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apigwops.model import WAF_COLUMNS

if TYPE_CHECKING:
    import pandas as pd


def waf_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(WAF_COLUMNS))
    for column in WAF_COLUMNS:
        if column == "time":
            frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[ms, UTC]")
        elif column == "weight":
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
        else:
            frame[column] = frame[column].astype("string")
    return frame.sort_values("time", kind="stable").reset_index(drop=True)


def _group_rule(record: Mapping[str, Any]) -> str | None:
    for group in record.get("ruleGroupList") or []:
        terminating = (group or {}).get("terminatingRule")
        if terminating and terminating.get("ruleId"):
            return str(terminating["ruleId"])
    return None


def _joined(values: Iterable[str]) -> str | None:
    unique = list(dict.fromkeys(v for v in values if v))
    return ";".join(unique) if unique else None


def count_matches(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Rules in COUNT that matched: (rule, the action it would have taken). A rule whose action the web ACL
    overrides to Count logs `action: COUNT` (or `EXCLUDED_AS_COUNT`) with its own action as
    `overriddenAction`; a rule whose own action is Count has no overriddenAction (it would count, not block)."""
    found: list[tuple[str, str]] = []

    def add(rule: Mapping[str, Any], group: str | None) -> None:
        action = str(rule.get("action") or "").upper()
        if action not in ("COUNT", "EXCLUDED_AS_COUNT"):
            return
        name = str(rule.get("ruleId") or "?")
        # an excluded rule (or one overridden to Count) that logs no overriddenAction: its own action is unknown
        default = "COUNT" if action == "COUNT" else "UNKNOWN"
        would = str(rule.get("overriddenAction") or default).upper()
        found.append((f"{group}/{name}" if group else name, would))

    for rule in record.get("nonTerminatingMatchingRules") or []:
        add(rule or {}, None)
    for group in record.get("ruleGroupList") or []:
        group = group or {}
        group_id = str(group.get("ruleGroupId") or "?")
        for rule in group.get("nonTerminatingMatchingRules") or []:
            add(rule or {}, group_id)
        terminating = group.get("terminatingRule") or {}
        if terminating.get("overriddenAction"):  # the group's own verdict, overridden (e.g. to Count)
            add({**terminating, "action": "COUNT"}, group_id)
    return found


def _token(record: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    for key in keys:
        value = record.get(key)
        if isinstance(value, Mapping):
            return value
    return {}


def log_record_row(record: Mapping[str, Any]) -> dict[str, Any]:
    request = record.get("httpRequest") or {}
    country = request.get("country")
    action = record.get("action")
    token = (
        _token(record, "captchaResponse", "challengeResponse") if action in ("CAPTCHA", "CHALLENGE") else {}
    )
    rate = next(iter(record.get("rateBasedRuleList") or []), None) or {}
    source_id = record.get("httpSourceId")
    return {
        "time": datetime.fromtimestamp(int(record["timestamp"]) / 1000, tz=UTC),
        "source": "log",
        "action": action,
        "terminating_rule_id": record.get("terminatingRuleId"),
        "terminating_rule_type": record.get("terminatingRuleType"),
        "rule_group_rule": _group_rule(record),
        "client_ip": request.get("clientIp"),
        "country": None if country in (None, "-") else country,
        "uri": request.get("uri"),
        "http_method": request.get("httpMethod"),
        "request_id": request.get("requestId"),
        "weight": 1,
        "labels": _joined(str((label or {}).get("name") or "") for label in record.get("labels") or []),
        "count_rules": _joined(f"{rule}={would}" for rule, would in count_matches(record)),
        "token_failure": token.get("failureReason"),
        "response_code": _code(record.get("responseCodeSent") or token.get("responseCode")),
        "rate_key": f"{rate.get('limitKey')}={rate.get('limitValue')}" if rate.get("limitKey") else None,
        "source_id": None if source_id in (None, "-") else source_id,
    }


def _code(value: Any) -> str | None:
    return str(int(value)) if isinstance(value, int | float) and value else None


def same_stage(source_id: str | None, api_id: str, stage: str) -> bool:
    """A record belongs to the stage unless its httpSourceId (`<account>:<api-id>:<stage>`) names another one;
    records without a source id (older formats, samples) are kept."""
    if not source_id:
        return True
    return source_id.endswith(f":{api_id}:{stage}")


def parse_waf_log_events(messages: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """WAF log lines (one JSON record each) -> rows; returns (frame, lines that were not WAF records)."""
    rows: list[dict[str, Any]] = []
    bad = 0
    for message in messages:
        try:
            record = json.loads(message)
            rows.append(log_record_row(record))
        except (ValueError, KeyError, TypeError, AttributeError):
            bad += 1
    return waf_frame(rows), bad


def sample_rows(
    samples: Sequence[Mapping[str, Any]], *, rule_name: str, rule_type: str | None
) -> list[dict[str, Any]]:
    """`GetSampledRequests.SampledRequests` for one rule -> rows (samples carry no API Gateway request id)."""
    rows = []
    for sample in samples:
        request = sample.get("Request") or {}
        inner = sample.get("RuleNameWithinRuleGroup")
        timestamp = sample.get("Timestamp")
        if isinstance(timestamp, int | float):
            timestamp = datetime.fromtimestamp(timestamp, tz=UTC)
        token = _token(sample, "CaptchaResponse", "ChallengeResponse")
        overridden = sample.get("OverriddenAction")
        rows.append(
            {
                "time": timestamp,
                "source": "sample",
                "action": sample.get("Action"),
                "terminating_rule_id": rule_name,
                "terminating_rule_type": rule_type,
                "rule_group_rule": inner.split("#")[-1] if inner else None,
                "client_ip": request.get("ClientIP"),
                "country": request.get("Country"),
                "uri": request.get("URI"),
                "http_method": request.get("Method"),
                "request_id": None,
                "weight": sample.get("Weight", 1),
                "labels": _joined(
                    str((label or {}).get("Name") or "") for label in sample.get("Labels") or []
                ),
                "count_rules": f"{rule_name}={str(overridden or 'COUNT').upper()}"
                if str(sample.get("Action") or "").upper() == "COUNT"
                else None,
                "token_failure": token.get("FailureReason"),
                "response_code": _code(sample.get("ResponseCodeSent") or token.get("ResponseCode")),
                "rate_key": None,
                "source_id": None,
            }
        )
    return rows
