"""The registry of evidence sources: which sources the collector fans out for a stage, in report order.

The contract (`SourceContext`, `Part`, `Source`) is in `base`; the sources are in `gateway` (access, execution
and Lambda logs, metrics, the token) and `waf`. A new source is a function in one of those modules (or a new
one) and one line here.
"""

from __future__ import annotations

from apigwops.evidence.sources.base import Source, SourceContext
from apigwops.evidence.sources.gateway import (
    access_logs,
    execution_logs,
    lambda_logs,
    metric_percentiles,
    metrics,
    token_check,
)
from apigwops.evidence.sources.waf import waf_logs, waf_metrics, waf_sampled


def sources_for(ctx: SourceContext) -> dict[str, tuple[str, Source]]:
    """Check id -> (AWS service it calls, source): the fan-out list, in the order checks are reported."""
    table: dict[str, tuple[str, Source]] = {
        "access-logs": ("logs", access_logs),
        "execution-logs": ("logs", execution_logs),
        "waf-logs": ("logs", waf_logs),
        "waf-sampled-requests": ("wafv2", waf_sampled),
        "waf-metrics": ("wafv2", waf_metrics),
        "metrics": ("cloudwatch", metrics),
        "metrics-percentiles": ("cloudwatch", metric_percentiles),
    }
    for function in sorted({f.name for f in ctx.config.functions}):
        table[f"lambda-logs:{function}"] = ("logs", lambda_logs(function))
    if ctx.token:
        table["token"] = ("local", token_check)
    return table
