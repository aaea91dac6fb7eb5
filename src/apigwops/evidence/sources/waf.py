"""The WAF evidence sources: WAF logs, GetSampledRequests samples and per-rule WAF metrics.

Samples and metrics both need the web ACL's rules (their metric names and sampling flags); the ACL is read
once per collection through `SourceContext.web_acl()` and shared.
"""

from __future__ import annotations

from apigwops.evidence.sources.base import Part, SourceContext, skipped
from apigwops.model import Check

NO_WEB_ACL = "no WAF web ACL is associated with this stage"
# Records worth reading: terminating BLOCK / CAPTCHA / CHALLENGE, and any record with a rule in COUNT (its
# nonTerminatingMatchingRules carry `"action":"COUNT"` or `EXCLUDED_AS_COUNT`) or a valid-token CAPTCHA match.
WAF_LOG_REGEX = r"\"action\"\s*:\s*\"(BLOCK|CAPTCHA|CHALLENGE|COUNT|EXCLUDED_AS_COUNT)\""


def waf_logs(ctx: SourceContext) -> Part:
    import pandas as pd

    from apigwops.evidence.parse.waflog import parse_waf_log_events, same_stage

    stage = ctx.config.stage
    if not stage.web_acl_arn:
        return skipped("waf-logs", NO_WEB_ACL)
    if not stage.waf_log_group and stage.waf_logging_unread:  # unknown: say why, never guess "no logging"
        return skipped(
            "waf-logs", f"the web ACL's logging configuration could not be read ({stage.waf_logging_unread})"
        )
    if not stage.waf_log_group:
        return skipped("waf-logs", "the web ACL does not log to CloudWatch Logs (aws-waf-logs-*)")
    events = ctx.engine.read_events(stage.waf_log_group, ctx.window, regex=WAF_LOG_REGEX)
    frame, bad = parse_waf_log_events(events.messages)
    # one web ACL can protect several stages (and other resources): httpSourceId says whose record it is
    mine = frame["source_id"].map(lambda s: same_stage(None if s is pd.NA else s, ctx.api.id, ctx.api.stage))
    other = int((~mine.astype(bool)).sum())
    frame = frame[mine.astype(bool)].reset_index(drop=True)
    notes = [f"{bad:,} lines were not WAF log records"] if bad else []
    if other:
        notes.append(f"{other:,} records of other stages or resources left out (httpSourceId)")
    detail = {"group": stage.waf_log_group, "records": len(frame), "other_sources": other}
    part = Part(
        checks=[Check("waf-logs", "ok", "; ".join(notes), detail)],
        bytes_scanned=events.bytes_scanned,
    )
    part.add("waf", frame)
    return part


def waf_metrics(ctx: SourceContext) -> Part:
    """Per-rule WAF metrics; the rules' metric names come from the web ACL (read once, shared with samples)."""
    from apigwops.evidence.metrics import fetch_metrics, metric_specs

    acl = ctx.web_acl()
    if acl is None:
        return skipped("waf-metrics", NO_WEB_ACL)
    specs = [
        s
        for s in metric_specs(
            ctx.api,
            ctx.config.stage,
            web_acl_metric=acl.metric_name,
            waf_rule_metrics=[r.metric_name for r in acl.rules],
            region=ctx.api.region,
        )
        if s.namespace == "AWS/WAFV2"
    ]
    part = Part(checks=[Check("waf-metrics", "ok", "", {"rules": len(acl.rules)})])
    part.add("metrics", fetch_metrics(ctx.runtime.aws.client("cloudwatch"), specs, ctx.window))
    return part


def waf_sampled(ctx: SourceContext) -> Part:
    from apigwops.evidence.waf import sampled_requests

    acl = ctx.web_acl()
    if acl is None:
        return skipped("waf-sampled-requests", NO_WEB_ACL)
    sampled = sampled_requests(ctx.runtime.aws.client("wafv2"), acl, ctx.window, ctx.runtime.clock())
    if sampled.window is None:
        return skipped("waf-sampled-requests", "the window is older than the 3 hours WAF keeps samples for")
    notes = []
    if sampled.window.start > ctx.window.start:
        notes.append("samples cover only the last 3 hours of the window")
    if sampled.unsampled_rules:
        notes.append("sampling is off for rule(s) " + ", ".join(sampled.unsampled_rules))
    detail = {"samples": len(sampled.frame), "population": sampled.population}
    part = Part(checks=[Check("waf-sampled-requests", "ok", "; ".join(notes), detail)])
    part.add("waf", sampled.frame)
    return part
