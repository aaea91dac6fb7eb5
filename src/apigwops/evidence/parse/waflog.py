"""WAF evidence rows: full WAF log records (`aws-waf-logs-*`) and `GetSampledRequests` samples, one table.

For a managed (or own) rule group the web ACL only names the group (`terminatingRuleId`); the rule inside it
that matched is `ruleGroupList[].terminatingRule.ruleId` in logs and the last part of
`RuleNameWithinRuleGroup` (`AWS#AWSManagedRulesSQLiRuleSet#SQLi_BODY`) in samples: both land in
`rule_group_rule` so playbooks can name the rule to exclude or tune.
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


def log_record_row(record: Mapping[str, Any]) -> dict[str, Any]:
    request = record.get("httpRequest") or {}
    country = request.get("country")
    return {
        "time": datetime.fromtimestamp(int(record["timestamp"]) / 1000, tz=UTC),
        "source": "log",
        "action": record.get("action"),
        "terminating_rule_id": record.get("terminatingRuleId"),
        "terminating_rule_type": record.get("terminatingRuleType"),
        "rule_group_rule": _group_rule(record),
        "client_ip": request.get("clientIp"),
        "country": None if country in (None, "-") else country,
        "uri": request.get("uri"),
        "http_method": request.get("httpMethod"),
        "request_id": request.get("requestId"),
        "weight": 1,
    }


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
            }
        )
    return rows
