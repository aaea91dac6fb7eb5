"""The sources that read the stage itself: access and execution logs, Lambda logs, metrics, the token.

The contract they follow is in `base`; the WAF sources are in `waf`; the registry is the package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apigwops.apitypes import profile
from apigwops.errors import UsageError
from apigwops.evidence.sources.base import Part, Source, SourceContext, skipped
from apigwops.model import ACCESS_LOG_FIELDS, Check

if TYPE_CHECKING:
    import pandas as pd

# Execution-log lines worth reading (the §9.4 error lines, final statuses, the integration's answer): at INFO
# level a request writes ~15 lines, and Insights returns at most 10,000 rows per query.
EXECUTION_LOG_REGEX = (
    r"Method completed with status|Execution failed|customer function error|Lambda invocation failed|"
    r"exceeded throttle limit|exceeded quota limit|Unauthorized request|Invalid API Key|Could not parse policy|"
    r"Network error|Authorizer result body|AuthorizerConfigurationException|Received response|"
    r"Endpoint response body before transformations|HTTP Method: |Starting execution"
)
# Lambda lines worth reading, every generation (§15.1-15.3): text platform lines (REPORT with `Status:` and
# `Error Type:`, INIT_REPORT, SnapStart's RESTORE_*), the old `Task timed out` line, error lines, and the JSON
# log format's platform records and ERROR/FATAL application lines; and the close code a WebSocket `$disconnect`
# function logs from its event (`requestContext.disconnectStatusCode`: no access-log variable carries it;
# diagnose/websocket.py). Python `re` and Insights read it alike.
LAMBDA_LOG_REGEX = (
    r"^(START|END|REPORT|INIT_START|INIT_REPORT|RESTORE_START|RESTORE_REPORT) |Task timed out|Status: |"
    r'ERROR|FATAL|errorMessage|errorType|Runtime\.|Error: |"type"\s*:\s*"platform\.|disconnectStatusCode'
)


def access_logs(ctx: SourceContext) -> Part:
    from apigwops.evidence.parse.logformat import compile_format

    stage = ctx.config.stage
    if not stage.access_log_destination:
        part = skipped("access-logs", "access logging is off for this stage (or not sent to CloudWatch Logs)")
        part.missing_fields = frozenset(ACCESS_LOG_FIELDS) - profile(ctx.api.type).unavailable_fields
        return part
    try:
        fmt = compile_format(stage.access_log_format)
    except UsageError as exc:
        return Part(
            checks=[Check("access-logs", "error", f"cannot read the access-log format: {exc.message}")]
        )
    result = ctx.engine.read_access_log(stage.access_log_destination, fmt, ctx.window)
    requests = result.requests
    if ctx.route:
        requests = requests[_route_mask(requests, ctx.route)].reset_index(drop=True)
    detail: dict[str, Any] = {
        "group": stage.access_log_destination,
        "format": fmt.kind,
        "engine": ctx.engine.name,
        "lines": result.lines,
        "rows": len(requests),
        "unparsed": result.unparsed,
        "sampled": result.sampled,
    }
    reason = "no request was logged in the window" if result.lines == 0 else ""
    if result.unparsed:
        detail["unparsed_examples"] = result.unparsed_examples
        reason = f"{result.unparsed:,} of {result.lines:,} lines did not match the stage's access-log format"
    if result.sampled:
        reason = "; ".join(
            filter(
                None,
                [reason, "more requests than Logs Insights returns: rows are a subset, counts are complete"],
            )
        )
    ctx.runtime.progress.step(f"access logs: {result.lines:,} lines, {len(requests):,} requests read")
    part = Part(
        checks=[Check("access-logs", "ok", reason, detail)],
        request_counts=result.counts,
        missing_fields=fmt.missing_fields(ctx.api.type),
        unparsed=result.unparsed,
        bytes_scanned=result.bytes_scanned,
        requests_sampled=result.sampled,
    )
    part.add("requests", requests)
    return part


def _route_mask(requests: pd.DataFrame, route: str) -> pd.Series:
    wanted = route.strip()
    mask = requests["route"] == wanted
    for column in ("route_key", "resource_path", "path"):
        mask = mask | (requests[column] == wanted)
    return mask.fillna(False).astype(bool)


def execution_logs(ctx: SourceContext) -> Part:
    from apigwops.evidence.parse.execlog import parse_execution_events

    stage = ctx.config.stage
    if not profile(ctx.api.type).execution_logs:
        return skipped("execution-logs", f"{profile(ctx.api.type).label} APIs write no execution logs")
    if not stage.execution_log_group or (stage.logging_level or "OFF").upper() == "OFF":
        return skipped("execution-logs", "execution logging is off for this stage (loggingLevel OFF)")
    events = ctx.engine.read_events(stage.execution_log_group, ctx.window, regex=EXECUTION_LOG_REGEX)
    frame = parse_execution_events(events.times, events.messages)
    reason = "event limit reached: the lines are a subset" if events.truncated else ""
    part = Part(
        checks=[
            Check("execution-logs", "ok", reason, {"group": stage.execution_log_group, "lines": len(frame)})
        ],
        bytes_scanned=events.bytes_scanned,
    )
    part.add("execution_logs", frame)
    return part


def lambda_logs(function: str) -> Source:
    def read(ctx: SourceContext) -> Part:
        from apigwops.evidence.parse.lambdalog import parse_lambda_events

        group = f"/aws/lambda/{function}"
        events = ctx.engine.read_events(group, ctx.window, regex=LAMBDA_LOG_REGEX)
        frame = parse_lambda_events(function, events.times, events.messages)
        configured = next((f.log_format for f in ctx.config.functions if f.name == function), None)
        part = Part(
            checks=[Check(f"lambda-logs:{function}", "ok", *log_format_read(group, frame, configured))],
            bytes_scanned=events.bytes_scanned,
        )
        part.add("lambda_logs", frame)
        return part

    return read


def log_format_read(group: str, frame: pd.DataFrame, configured: str | None) -> tuple[str, dict[str, Any]]:
    """Which log format the function is set to write (LoggingConfig.LogFormat) and which was read (§15.3):
    a function switched between Text and JSON holds both in the window, and a reason says so."""
    formats = frame["log_format"].value_counts()
    read = {str(k): int(v) for k, v in formats.items()}
    detail: dict[str, Any] = {"group": group, "lines": len(frame), "log_format": configured, "read": read}
    expected = (configured or "").lower()
    other = {"json": "text", "text": "json"}.get(expected)
    reason = ""
    if other and read.get(other) and not read.get(expected):
        reason = f"the function is set to {configured} logs but its lines in the window are {other}"
    elif other and read.get(other):
        reason = (
            f"{read[other]:,} lines are {other} although the function is set to {configured} (format changed)"
        )
    return reason, detail


def metrics(ctx: SourceContext) -> Part:
    from apigwops.evidence.metrics import fetch_metrics, metric_specs, timeout_ratios

    specs = metric_specs(ctx.api, ctx.config.stage, ctx.config.functions)
    frame = fetch_metrics(ctx.runtime.aws.client("cloudwatch"), specs, ctx.window)
    part = Part(checks=[Check("metrics", "ok", "", {"series": len(specs), "datapoints": len(frame)})])
    part.add("metrics", frame)
    part.add("metrics", timeout_ratios(frame, ctx.config.functions))
    return part


def metric_percentiles(ctx: SourceContext) -> Part:
    from apigwops.evidence.metrics import fetch_metrics, percentile_specs

    specs = percentile_specs(ctx.api, ctx.config.functions)
    frame = fetch_metrics(ctx.runtime.aws.client("cloudwatch"), specs, ctx.window)
    part = Part(
        checks=[Check("metrics-percentiles", "ok", "", {"series": len(specs), "datapoints": len(frame)})]
    )
    part.add("metrics", frame)
    return part


def token_check(ctx: SourceContext) -> Part:
    if not ctx.token:
        return Part()
    from apigwops.evidence.token import check_token

    finding = check_token(ctx.token, ctx.config, ctx.window, ctx.route)  # type and scopes need the route
    return Part(checks=[Check("token", "ok")], token=finding)
