"""Computing the named signals of the vocabulary from evidence: once per stage, then per finding.

Every value is a plain str, int, float or bool (or None when the evidence cannot say), so conditions compare
them and templates print them without reaching into Python objects.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apigwops.diagnose.blindspots import unread_reason
from apigwops.diagnose.triage import Triage
from apigwops.model import Evidence, LambdaFunction
from apigwops.timewindow import iso

if TYPE_CHECKING:
    import pandas as pd

CHANGE_LOOKBACK = timedelta(minutes=30)  # a change up to 30 min before the onset is "near" it
CHANGE_LOOKAHEAD = timedelta(minutes=5)
TOKEN_PROBLEMS = {
    "token_expired": ("expired",),
    "token_audience_mismatch": ("audience-mismatch",),
    "token_wrong_type_or_scope": ("wrong-token-use", "missing-scope"),
    "token_invalid": ("invalid", "issuer-mismatch", "not-yet-valid", "unsupported-algorithm"),
}

# The request columns per-finding signals read (a finding's rows are copied with these columns only).
FINDING_COLUMNS = (
    "route",
    "status",
    "integration_error",
    "error_message",
    "api_key_id",
    "response_latency",
    "integration_latency",
    "authorizer_latency",
    "gateway_overhead",
    "time",
    "timeout_ms",
)


def global_signals(
    evidence: Evidence, frame: pd.DataFrame, result: Triage, threshold_ms: float
) -> dict[str, Any]:
    config, stage = evidence.config, evidence.config.stage
    latency = frame["response_latency"].dropna() if not frame.empty else frame.get("response_latency")
    failures = result.status.get("4xx", 0) + result.status.get("5xx", 0)
    signals: dict[str, Any] = {
        "api_id": evidence.api.id,
        "api_name": evidence.api.name,
        "api_type": evidence.api.type,
        "stage": evidence.api.stage,
        "region": evidence.api.region,
        "window_minutes": round(evidence.window.seconds / 60, 1),
        "onset": iso(result.onset) if result.onset else None,
        "requests": result.requests,
        "failures": failures,
        "status_4xx": result.status.get("4xx", 0),
        "status_5xx": result.status.get("5xx", 0),
        "failures_since_onset": _failures_since(frame, result) if result.onset else None,
        "error_rate": round(failures / result.requests, 4) if result.requests else 0.0,
        "peak_rps": int(frame["time"].dt.floor("s").value_counts().max()) if not frame.empty else None,
        "slow_requests": int(frame["slow"].sum()) if not frame.empty else 0,
        "latency_threshold_ms": threshold_ms,
        "p50_ms": _quantile(latency, 0.5),
        "p99_ms": _quantile(latency, 0.99),
        "access_logs": not frame.empty,
        "execution_logging": stage.logging_level or None,
        "missing_field_count": len(evidence.missing_fields),
        "logs_unreadable": unread_reason(evidence, "access-logs") is not None and frame.empty,
        "logs_unreadable_reason": unread_reason(evidence, "access-logs"),
        "cache_enabled": stage.caching_enabled,
        "stage_throttle_rate": stage.throttle_rate,
        "stage_throttle_burst": stage.throttle_burst,
        "account_throttle_rate": config.account_throttle_rate,
        "account_throttle_burst": config.account_throttle_burst,
        "has_resource_policy": config.has_resource_policy,
        "resource_policy_vpce": bool(
            config.resource_policy and "aws:sourcevpc" in config.resource_policy.lower()
        ),
        "web_acl_arn": stage.web_acl_arn,
        "function_permission_missing": any(f.invoke_permission is False for f in config.functions),
        "function_permission_detail": next(
            (f"{f.name}: {f.permission_detail}" for f in config.functions if f.invoke_permission is False),
            None,
        ),
    }
    signals.update(_metric_signals(evidence))
    signals.update(_lambda_log_signals(evidence))
    signals.update(_waf_signals(evidence))
    signals.update(_token_signals(evidence))
    signals.update(_change_signals(evidence, result.onset))
    return signals


def _failures_since(frame: pd.DataFrame, result: Triage) -> int:
    import pandas as pd

    if frame.empty or result.onset is None:
        return sum(b.failures for b in result.buckets if result.onset and b.start >= result.onset)
    return int((frame["failed"] & (frame["time"] >= pd.Timestamp(result.onset))).sum())


def _quantile(values: pd.Series | None, q: float) -> float | None:
    if values is None or len(values) == 0:
        return None
    return round(float(values.quantile(q)), 1)


def _metric_sum(evidence: Evidence, namespace: str, metric: str) -> float | None:
    import pandas as pd

    metrics = evidence.metrics
    if metrics.empty:
        return None
    rows = metrics[(metrics["namespace"] == namespace) & (metrics["metric"] == metric)]
    if rows.empty:
        return None
    return float(pd.to_numeric(rows["value"], errors="coerce").sum())


def _metric_signals(evidence: Evidence) -> dict[str, Any]:
    hits = _metric_sum(evidence, "AWS/ApiGateway", "CacheHitCount")
    misses = _metric_sum(evidence, "AWS/ApiGateway", "CacheMissCount")
    ratio = None
    if hits is not None and misses is not None and hits + misses > 0:
        ratio = round(hits / (hits + misses), 3)
    throttles = _metric_sum(evidence, "AWS/Lambda", "Throttles")
    errors = _metric_sum(evidence, "AWS/Lambda", "Errors")
    return {
        "cache_hits": None if hits is None else int(hits),
        "cache_misses": None if misses is None else int(misses),
        "cache_hit_ratio": ratio,
        "lambda_throttles": None if throttles is None else int(throttles),
        "lambda_errors": None if errors is None else int(errors),
    }


def _lambda_log_signals(evidence: Evidence) -> dict[str, Any]:
    logs = evidence.lambda_logs
    if logs.empty:
        return {"lambda_cold_starts": None, "lambda_max_init_ms": None, "lambda_timeouts": None}
    import pandas as pd

    column = logs["init_duration_ms"] if "init_duration_ms" in logs else pd.Series(dtype="float64")
    init = [float(v) for v in pd.to_numeric(column, errors="coerce").dropna()]
    return {
        "lambda_cold_starts": len(init),
        "lambda_max_init_ms": round(max(init), 1) if init else None,
        "lambda_timeouts": int((logs["kind"] == "timeout").sum()),
    }


def _waf_signals(evidence: Evidence) -> dict[str, Any]:
    import pandas as pd

    waf = evidence.waf
    out: dict[str, Any] = {"waf_blocked": None, "waf_top_rule": None, "waf_top_rule_type": None}
    out.update({"waf_top_rule_count": None, "waf_rate_based_blocked": None})
    if waf.empty:
        blocked = _metric_sum(evidence, "AWS/WAFV2", "BlockedRequests")
        out["waf_blocked"] = None if blocked is None else int(blocked)
        return out
    blocks = waf[waf["action"].astype("string").isin(["BLOCK", "CAPTCHA", "CHALLENGE"]).fillna(False)]
    weight = pd.to_numeric(blocks["weight"], errors="coerce").fillna(1) if "weight" in blocks else 1
    out["waf_blocked"] = int(pd.Series(weight, index=blocks.index).sum()) if len(blocks) else 0
    if blocks.empty:
        return out
    inner = blocks["rule_group_rule"].astype("string")
    rule = blocks["terminating_rule_id"].astype("string").fillna("?")
    name = rule.where(inner.isna(), rule + " / " + inner)
    totals = pd.Series(weight, index=blocks.index).groupby(name).sum().sort_values(ascending=False)
    top = str(totals.index[0])
    out["waf_top_rule"] = top
    out["waf_top_rule_count"] = int(totals.iloc[0])
    out["waf_top_rule_type"] = str(blocks.loc[name == top, "terminating_rule_type"].iloc[0])
    rate_based = blocks["terminating_rule_type"].astype("string") == "RATE_BASED"
    out["waf_rate_based_blocked"] = int(pd.Series(weight, index=blocks.index)[rate_based.fillna(False)].sum())
    return out


def _token_signals(evidence: Evidence) -> dict[str, Any]:
    token = evidence.token
    out: dict[str, Any] = {name: False for name in TOKEN_PROBLEMS}
    out["token_checked"] = token is not None
    out["token_detail"] = "; ".join(token.details) if token and token.details else None
    if token is not None:
        for name, problems in TOKEN_PROBLEMS.items():
            out[name] = any(p in token.problems for p in problems)
    return out


def _change_signals(evidence: Evidence, onset: datetime | None) -> dict[str, Any]:
    out: dict[str, Any] = {"recent_change": False, "change_kind": None, "change_subject": None}
    out.update({"change_time": None, "change_lead_minutes": None, "change_detail": None})
    if onset is None:
        return out
    near = [
        c for c in evidence.config.changes if onset - CHANGE_LOOKBACK <= c.time <= onset + CHANGE_LOOKAHEAD
    ]
    if not near:
        return out
    change = min(near, key=lambda c: abs((onset - c.time).total_seconds()))
    out.update(
        recent_change=True,
        change_kind=change.kind,
        change_subject=change.subject,
        change_time=iso(change.time),
        change_lead_minutes=round((onset - change.time).total_seconds() / 60, 1),
        change_detail=change.detail or None,
    )
    return out


def finding_signals(
    evidence: Evidence, frame: pd.DataFrame, matched: pd.Series | None, exec_lines: int
) -> dict[str, Any]:
    """Signals about the requests one finding selected (empty selection: config defaults)."""
    columns = [c for c in FINDING_COLUMNS if c in frame.columns]
    rows = frame.loc[matched, columns] if matched is not None and not frame.empty else frame.iloc[0:0]
    out: dict[str, Any] = {"matched": len(rows), "exec_log_lines": exec_lines}
    routes = rows["route"].astype("string").dropna()
    top_route = routes.value_counts().index[0] if len(routes) else None
    out["top_route"] = top_route
    out["top_route_count"] = int((routes == top_route).sum()) if top_route else None
    statuses = rows["status"].dropna()
    out["top_status"] = str(int(statuses.value_counts().index[0])) if len(statuses) else None
    messages = (
        rows["integration_error"]
        .astype("string")
        .where(
            rows["integration_error"].notna() & (rows["integration_error"].astype("string") != "-"),
            rows["error_message"].astype("string"),
        )
    )
    messages = messages.dropna()
    messages = messages[~messages.isin(["-", ""])]
    out["top_message"] = str(messages.value_counts().index[0])[:200] if len(messages) else None
    keys = rows["api_key_id"].astype("string").dropna()
    keys = keys[keys != "-"]
    out["top_api_key"] = "…" + str(keys.value_counts().index[0])[-4:] if len(keys) else None
    out["matched_keys"] = int(keys.nunique())
    for name, column, q in (
        ("matched_p50_ms", "response_latency", 0.5),
        ("matched_p99_ms", "response_latency", 0.99),
        ("matched_max_ms", "response_latency", 1.0),
        ("matched_integration_p50_ms", "integration_latency", 0.5),
        ("matched_authorizer_p50_ms", "authorizer_latency", 0.5),
        ("matched_overhead_p50_ms", "gateway_overhead", 0.5),
    ):
        out[name] = _quantile(rows[column].dropna(), q)
    times = rows["time"].dropna()
    out["first_seen"] = iso(times.min().to_pydatetime()) if len(times) else None
    out["last_seen"] = iso(times.max().to_pydatetime()) if len(times) else None
    route = next((r for r in evidence.config.routes if r.key == top_route), None)
    out["timeout_ms"] = int(rows["timeout_ms"].iloc[0]) if len(rows) else None
    out.update(_function_signals(evidence, route.function_name if route else None))
    out.update(_plan_signals(evidence, keys))
    out.update(_authorizer_signals(evidence, route.authorizer_id if route else None))
    return out


def _function_signals(evidence: Evidence, name: str | None) -> dict[str, Any]:
    functions = evidence.config.functions
    function: LambdaFunction | None = next((f for f in functions if f.name == name), None)
    if function is None and functions:
        function = functions[0]
    return {
        "function_name": function.name if function else name,
        "function_timeout_s": function.timeout_s if function else None,
        "function_reserved_concurrency": function.reserved_concurrency if function else None,
    }


def _plan_signals(evidence: Evidence, keys: pd.Series) -> dict[str, Any]:
    plans = evidence.config.usage_plans
    counts = Counter(str(k) for k in keys)
    plan = next((p for k, _ in counts.most_common() for p in plans if k in p.key_ids), None)
    if plan is None and plans:
        plan = plans[0]
    return {
        "usage_plan_id": plan.id if plan else None,
        "usage_plan_name": plan.name if plan else None,
        "usage_plan_rate": plan.rate_limit if plan else None,
        "usage_plan_burst": plan.burst_limit if plan else None,
        "usage_plan_quota": plan.quota_limit if plan else None,
        "usage_plan_period": plan.quota_period if plan else None,
    }


def _authorizer_signals(evidence: Evidence, authorizer_id: str | None) -> dict[str, Any]:
    authorizers = evidence.config.authorizers
    authorizer = next((a for a in authorizers if a.id == authorizer_id), None)
    if authorizer is None and authorizers:
        authorizer = authorizers[0]
    return {
        "authorizer_id": authorizer.id if authorizer else None,
        "authorizer_name": authorizer.name if authorizer else None,
        "authorizer_type": authorizer.type if authorizer else None,
        "authorizer_audience": ", ".join(authorizer.audience) if authorizer and authorizer.audience else None,
        "authorizer_issuer": authorizer.issuer if authorizer else None,
        "authorizer_ttl_s": authorizer.result_ttl_s if authorizer else None,
    }
