"""The evidence sources the collector fans out: functions of a `SourceContext` returning a `Part`.

The WAF sources live in `waf_sources`.

A source never raises for something the user should simply be told about: logging that is off, a log group
that does not exist yet, or WAF sampling that is disabled become a skipped `Check` with a one-line reason.
AWS errors are turned into checks by the collector (`collect._guarded`), so a source stays a straight line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apigwops.errors import UsageError
from apigwops.evidence.model import ACCESS_LOG_FIELDS, ApiConfig, ApiInfo, Check, TokenFinding
from apigwops.timewindow import Window

if TYPE_CHECKING:
    import pandas as pd

    from apigwops.evidence.logengine import LogEngine
    from apigwops.evidence.waf import WebAcl
    from apigwops.runtime import Runtime

# Execution-log lines worth reading (the §9.4 error lines, final statuses, the integration's answer): at INFO
# level a request writes ~15 lines, and Insights returns at most 10,000 rows per query.
EXECUTION_LOG_REGEX = (
    r"Method completed with status|Execution failed|customer function error|Lambda invocation failed|"
    r"exceeded throttle limit|exceeded quota limit|Unauthorized request|Invalid API Key|Could not parse policy|"
    r"Network error|Authorizer result body|AuthorizerConfigurationException|Received response|"
    r"Endpoint response body before transformations|HTTP Method: |Starting execution"
)
# The platform lines, errors, and the close code a WebSocket `$disconnect` function logs from its event
# (`requestContext.disconnectStatusCode`: no access-log variable carries it; diagnose/websocket.py).
LAMBDA_LOG_REGEX = r"^(START|END|REPORT|INIT_START) |Task timed out|ERROR|errorMessage|Runtime\.|Error: |disconnectStatusCode"


@dataclass
class SourceContext:
    runtime: Runtime
    api: ApiInfo
    config: ApiConfig
    window: Window
    engine: LogEngine
    route: str | None = None
    token: str | None = None
    _acl: list[WebAcl | None] = field(default_factory=list, repr=False)
    _acl_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def web_acl(self) -> WebAcl | None:
        """The stage's web ACL, read once for the sources that need its rules (None: no ACL on the stage)."""
        from apigwops.evidence.waf import describe_web_acl

        with self._acl_lock:
            if not self._acl:
                arn = self.config.stage.web_acl_arn
                self._acl.append(describe_web_acl(self.runtime.aws.client("wafv2"), arn) if arn else None)
            return self._acl[0]


@dataclass
class Part:
    """What one source contributed; the collector merges parts into one `Evidence`."""

    checks: list[Check] = field(default_factory=list)
    tables: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    request_counts: pd.DataFrame | None = None
    missing_fields: frozenset[str] | None = None
    unparsed: int = 0
    bytes_scanned: int = 0
    requests_sampled: bool = False
    token: TokenFinding | None = None

    def add(self, table: str, frame: pd.DataFrame) -> None:
        self.tables.setdefault(table, []).append(frame)


Source = Callable[[SourceContext], Part]


def skipped(check_id: str, reason: str) -> Part:
    return Part(checks=[Check(check_id, "skipped", reason)])


def access_logs(ctx: SourceContext) -> Part:
    from apigwops.evidence.logformat import UNAVAILABLE_FIELDS, compile_format

    stage = ctx.config.stage
    if not stage.access_log_destination:
        part = skipped("access-logs", "access logging is off for this stage (or not sent to CloudWatch Logs)")
        part.missing_fields = frozenset(ACCESS_LOG_FIELDS) - UNAVAILABLE_FIELDS.get(ctx.api.type, frozenset())
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
    from apigwops.evidence.execlog import parse_execution_events

    stage = ctx.config.stage
    if ctx.api.type == "HTTP":
        return skipped("execution-logs", "HTTP APIs write no execution logs")
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
        from apigwops.evidence.lambdalog import parse_lambda_events

        group = f"/aws/lambda/{function}"
        events = ctx.engine.read_events(group, ctx.window, regex=LAMBDA_LOG_REGEX)
        frame = parse_lambda_events(function, events.times, events.messages)
        part = Part(
            checks=[Check(f"lambda-logs:{function}", "ok", "", {"group": group, "lines": len(frame)})],
            bytes_scanned=events.bytes_scanned,
        )
        part.add("lambda_logs", frame)
        return part

    return read


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
    import importlib

    try:  # written alongside this module; until it lands, say so instead of failing the diagnosis
        check_token = importlib.import_module("apigwops.evidence.token").check_token
    except (ModuleNotFoundError, AttributeError):
        return skipped("token", "token checks are not available in this build")
    finding = check_token(ctx.token, ctx.config, ctx.window, ctx.route)  # type and scopes need the route
    return Part(checks=[Check("token", "ok")], token=finding)


def sources_for(ctx: SourceContext) -> dict[str, tuple[str, Source]]:
    """Check id -> (AWS service it calls, source): the fan-out list, in the order checks are reported."""
    from apigwops.evidence.waf_sources import waf_logs, waf_metrics, waf_sampled

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
