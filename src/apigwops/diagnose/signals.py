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
from apigwops.diagnose.websocket import gone_posts
from apigwops.model import Evidence, LambdaFunction, Route
from apigwops.timewindow import iso

if TYPE_CHECKING:
    import pandas as pd

WEBSOCKET_METRIC_SIGNALS = {
    "ws_connect_count": "ConnectCount",
    "ws_message_count": "MessageCount",
    "ws_client_errors": "ClientError",
    "ws_integration_errors": "IntegrationError",
    "ws_execution_errors": "ExecutionError",
}
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
    "connection_id",
    "ws_idle_s",
    "ws_connected_s",
    "close_code",
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
    signals.update(_websocket_signals(evidence))
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


def _websocket_signals(evidence: Evidence) -> dict[str, Any]:
    """The WebSocket metrics (§6.3) and the callbacks that met gone connections (functions' logs, C75)."""
    if evidence.api.type != "WEBSOCKET":
        return {name: None for name in WEBSOCKET_METRIC_SIGNALS} | {"ws_gone_posts": 0}
    out: dict[str, Any] = {}
    for name, metric in WEBSOCKET_METRIC_SIGNALS.items():
        value = _metric_sum(evidence, "AWS/ApiGateway", metric)
        out[name] = None if value is None else int(value)
    out["ws_gone_posts"] = gone_posts(evidence)
    return out


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
    """Counts over every generation of Lambda's logs (§15.1-15.3), one per invocation."""
    from apigwops.diagnose.features import invocation_facts

    logs = evidence.lambda_logs
    out: dict[str, Any] = {"lambda_cold_starts": None, "lambda_max_init_ms": None, "lambda_timeouts": None}
    out.update({"lambda_init_failures": None, "lambda_init_error_type": None, "lambda_log_formats": None})
    if logs.empty:
        return out
    import pandas as pd

    facts = invocation_facts(logs)
    kind = logs["kind"].astype("string")
    report = (kind == "report").fillna(False)
    starts = pd.concat(
        [
            pd.to_numeric(logs.loc[report, column], errors="coerce")
            for column in ("init_duration_ms", "restore_duration_ms")
            if column in logs.columns
        ]
    ).dropna()
    anonymous = int(((kind == "timeout").fillna(False) & logs["request_id"].isna()).sum())
    failures = init_failures(logs)
    out.update(
        lambda_cold_starts=len(facts.cold),
        lambda_max_init_ms=round(float(starts.max()), 1) if len(starts) else None,
        lambda_timeouts=len(facts.timed_out) + anonymous,
        lambda_init_failures=len(failures),
        lambda_init_error_type=_most_common_init_error(failures),
    )
    if "log_format" in logs.columns:
        formats = sorted(str(f) for f in logs["log_format"].dropna().unique())
        out["lambda_log_formats"] = ", ".join(formats) or None
    return out


def init_failures(logs: pd.DataFrame) -> pd.DataFrame:
    """One row per failed init: an INIT_REPORT / platform.initReport with status error, failure or timeout;
    for runtimes that write no INIT_REPORT, each invocation whose error type says the code could not load."""
    import pandas as pd

    from apigwops.evidence.parse.lambdalog import INIT_ERROR_TYPES

    kind = logs["kind"].astype("string")
    missing = pd.Series(pd.NA, index=logs.index, dtype="string")
    status = (
        logs["invocation_status"].astype("string").str.lower()
        if "invocation_status" in logs.columns
        else missing
    )
    error_type = logs["error_type"].astype("string") if "error_type" in logs.columns else missing
    reports = ((kind == "init") & status.isin(["error", "timeout", "failure"])).fillna(False)
    if bool(reports.any()):
        return logs[reports]
    typed = logs[error_type.isin(list(INIT_ERROR_TYPES)).fillna(False)]
    with_id = typed[typed["request_id"].notna()].drop_duplicates(subset=["request_id"])
    return pd.concat([with_id, typed[typed["request_id"].isna()]])


def _most_common_init_error(failures: pd.DataFrame) -> str | None:
    """The error type most failed inits name; an init that timed out without one is "timeout"."""
    if failures.empty:
        return None
    names: Counter[str] = Counter()
    for error_type, status in zip(
        failures.get("error_type", [None] * len(failures)),
        failures.get("invocation_status", [None] * len(failures)),
        strict=True,
    ):
        if isinstance(error_type, str) and error_type:
            names[error_type] += 1
        else:
            names["timeout" if status == "timeout" else "error"] += 1
    return names.most_common(1)[0][0]


def _waf_signals(evidence: Evidence) -> dict[str, Any]:
    """WAF as it answers (§7.3, §15.6): BLOCK is the 403 family's; CAPTCHA (405) and Challenge (202) are their
    own findings; rules in COUNT are reported as what they would do."""
    import pandas as pd

    waf = evidence.waf
    out: dict[str, Any] = {"waf_blocked": None, "waf_top_rule": None, "waf_top_rule_type": None}
    out.update({"waf_top_rule_count": None, "waf_rate_based_blocked": None, "waf_rate_key": None})
    out.update({"waf_top_labels": None})
    for kind in ("captcha", "challenge"):
        out.update({f"waf_{kind}": None, f"waf_{kind}_rule": None, f"waf_{kind}_reason": None})
    out.update({"waf_count_matches": None, "waf_count_top_rule": None, "waf_count_top_rule_count": None})
    out.update({"waf_count_would_block": None, "waf_count_would": None})
    if waf.empty:
        blocked = _metric_sum(evidence, "AWS/WAFV2", "BlockedRequests")
        out["waf_blocked"] = None if blocked is None else int(blocked)
        return out
    weight = (
        pd.to_numeric(waf["weight"], errors="coerce").fillna(1)
        if "weight" in waf
        else waf.index.to_series() * 0 + 1
    )
    action = waf["action"].astype("string").str.upper()
    blocks = (action == "BLOCK").fillna(False)
    out["waf_blocked"] = int(weight[blocks].sum())
    for kind in ("captcha", "challenge"):
        out.update(_interstitial_signals(waf, weight, (action == kind.upper()).fillna(False), kind))
    out.update(_count_signals(waf, weight))
    if not bool(blocks.any()):
        return out
    rows = waf[blocks]
    inner = rows["rule_group_rule"].astype("string")
    rule = rows["terminating_rule_id"].astype("string").fillna("?")
    name = rule.where(inner.isna(), rule + " / " + inner)
    totals = weight[blocks].groupby(name).sum().sort_values(ascending=False)
    top = str(totals.index[0])
    out["waf_top_rule"] = top
    out["waf_top_rule_count"] = int(totals.iloc[0])
    out["waf_top_rule_type"] = str(rows.loc[name == top, "terminating_rule_type"].iloc[0])
    rate_based = (rows["terminating_rule_type"].astype("string") == "RATE_BASED").fillna(False)
    out["waf_rate_based_blocked"] = int(weight[blocks][rate_based].sum())
    out["waf_rate_key"] = _top_value(rows.loc[rate_based, "rate_key"]) if "rate_key" in rows else None
    out["waf_top_labels"] = _top_labels(rows)
    return out


def _top_value(values: pd.Series) -> str | None:
    present = values.dropna().astype(str)
    return str(present.value_counts().index[0]) if len(present) else None


def _top_labels(rows: pd.DataFrame, limit: int = 3) -> str | None:
    if "labels" not in rows:
        return None
    labels = Counter(label for joined in rows["labels"].dropna() for label in str(joined).split(";") if label)
    return ", ".join(name for name, _ in labels.most_common(limit)) or None


def _interstitial_signals(waf: pd.DataFrame, weight: pd.Series, mask: pd.Series, kind: str) -> dict[str, Any]:
    """A terminating CAPTCHA / CHALLENGE is one served to a request without a valid token (a valid token is a
    non-terminating match): 405 with the puzzle, or 202 with the silent challenge."""
    import pandas as pd

    if not bool(mask.any()):
        return {}
    rows = waf[mask]
    rule = rows["terminating_rule_id"].astype("string").fillna("?")
    reasons = rows["token_failure"] if "token_failure" in rows else pd.Series(dtype="string")
    return {
        f"waf_{kind}": int(weight[mask].sum()),
        f"waf_{kind}_rule": str(weight[mask].groupby(rule).sum().sort_values(ascending=False).index[0]),
        f"waf_{kind}_reason": _top_value(reasons) or "not logged",
    }


def _count_signals(waf: pd.DataFrame, weight: pd.Series) -> dict[str, Any]:
    if "count_rules" not in waf:
        return {}
    matched = waf["count_rules"].notna()
    if not bool(matched.any()):
        return {"waf_count_matches": 0}
    rules: Counter[str] = Counter()
    would: dict[str, str] = {}
    block = 0
    for joined, w in zip(waf.loc[matched, "count_rules"], weight[matched], strict=True):
        entries = [e.rpartition("=") for e in str(joined).split(";") if e]
        for rule, _, action in entries:
            rules[rule] += int(w)
            would[rule] = action
        block += int(w) if any(action == "BLOCK" for _, _, action in entries) else 0
    top, count = rules.most_common(1)[0]
    return {
        "waf_count_matches": int(weight[matched].sum()),
        "waf_count_top_rule": top,
        "waf_count_top_rule_count": count,
        "waf_count_would_block": block,
        "waf_count_would": would[top],
    }


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
    out.update(_connection_signals(rows))
    times = rows["time"].dropna()
    out["first_seen"] = iso(times.min().to_pydatetime()) if len(times) else None
    out["last_seen"] = iso(times.max().to_pydatetime()) if len(times) else None
    route = next((r for r in evidence.config.routes if r.key == top_route), None)
    out["timeout_ms"] = int(rows["timeout_ms"].iloc[0]) if len(rows) else None
    out.update(_function_signals(evidence, route.function_name if route else None))
    out.update(_timeout_signals(evidence, route, out["function_name"], out["timeout_ms"]))
    out.update(_plan_signals(evidence, keys))
    out.update(_authorizer_signals(evidence, route.authorizer_id if route else None))
    return out


def _connection_signals(rows: pd.DataFrame) -> dict[str, Any]:
    """WebSocket: how many connections the matched events belong to, how long they lasted and idled."""
    out: dict[str, Any] = {}
    ids = rows["connection_id"].astype("string").dropna() if "connection_id" in rows else None
    out["matched_connections"] = int(ids[ids != "-"].nunique()) if ids is not None else 0
    for name, column in (("matched_idle_p50_s", "ws_idle_s"), ("matched_connected_p50_s", "ws_connected_s")):
        out[name] = _quantile(rows[column].dropna(), 0.5) if column in rows else None
    codes = rows["close_code"].dropna() if "close_code" in rows else None
    out["top_close_code"] = int(codes.value_counts().index[0]) if codes is not None and len(codes) else None
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


def _timeout_signals(
    evidence: Evidence, route: Route | None, function_name: str | None, timeout_ms: int | None
) -> dict[str, Any]:
    """What the finding's function did while API Gateway waited (§15.5): API Gateway never learns the
    request id of an invocation it gave up on, so these count the function's invocations in the window
    whose REPORT Duration passed the integration timeout, and how each ended."""
    import pandas as pd

    is_lambda = route is not None and bool(route.function_name)
    function = next((f for f in evidence.config.functions if f.name == function_name), None)
    function_ms = int(function.timeout_s * 1000) if function and function.timeout_s else None
    above = bool(function_ms and timeout_ms and function_ms > timeout_ms)
    out: dict[str, Any] = {
        "lambda_past_integration_timeout": None,
        "lambda_past_finished": None,
        "lambda_past_timed_out": None,
        "lambda_past_max_ms": None,
        "function_timeout_ms": function_ms,
        "function_timeout_above_integration": above,
        "timeout_backend": (
            f"Lambda function {function_name}"
            if is_lambda
            else f"the backend behind {route.key if route else '?'}"
        ),
        "timeout_advice": _timeout_advice(function_name if is_lambda else None, function_ms, timeout_ms),
    }
    logs = evidence.lambda_logs
    if not is_lambda or logs.empty or timeout_ms is None:
        return out
    mine = logs[(logs["function"].astype("string") == function_name).fillna(False)]
    reports = mine[(mine["kind"].astype("string") == "report").fillna(False)]
    duration = pd.to_numeric(reports["duration_ms"], errors="coerce")
    past = reports[(duration >= timeout_ms).fillna(False)]
    if "invocation_status" in past.columns:
        status = past["invocation_status"].astype("string").str.lower()
    else:
        status = pd.Series(pd.NA, index=past.index, dtype="string")
    timed_out_ids = set(
        mine.loc[(mine["kind"].astype("string") == "timeout").fillna(False), "request_id"]
        .dropna()
        .astype(str)
    )
    timed_out = (status == "timeout").fillna(False) | past["request_id"].astype("string").isin(timed_out_ids)
    timed_out = timed_out.fillna(False).astype(bool)
    failed = status.isin(["error", "failure"]).fillna(False) & ~timed_out
    out.update(
        lambda_past_integration_timeout=len(past),
        lambda_past_finished=int((~timed_out & ~failed).sum()),
        lambda_past_timed_out=int(timed_out.sum()),
        lambda_past_max_ms=round(float(duration.max()), 1) if len(past) else None,
    )
    return out


def _timeout_advice(function_name: str | None, function_ms: int | None, timeout_ms: int | None) -> str:
    if function_name is None:
        return "Raise the integration timeout only up to what clients tolerate."
    if function_ms is None or timeout_ms is None:
        return (
            f"Keep {function_name}'s timeout below the integration timeout so it fails fast instead of running on "
            "after API Gateway has answered."
        )
    if function_ms > timeout_ms:
        return (
            f"Lower {function_name}'s timeout ({function_ms / 1000:g} s) below the integration timeout "
            f"({timeout_ms / 1000:g} s) so it fails fast instead of running on, and being billed, after API "
            "Gateway has answered."
        )
    return (
        f"{function_name}'s timeout ({function_ms / 1000:g} s) is already within the integration timeout "
        f"({timeout_ms / 1000:g} s): the time went before or around the function (cold start, a slow "
        "authorizer or integration overhead)."
    )


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
