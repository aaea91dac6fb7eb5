"""The evidence contract between collectors, bundles and playbooks.

Collectors (live AWS, the sandbox, a saved bundle) fill an `Evidence`; playbooks only read it and never call
AWS, so the same playbooks run everywhere. Tables are pandas DataFrames with the canonical columns below; a
column whose value the source could not provide holds NA (and `Evidence.missing_fields` says which access-log
fields the stage's format lacks, for the blind-spot report).

Canonical access-log columns are named after the `$context` variables they come from (see `ACCESS_LOG_FIELDS`),
so a stage whose format calls `$context.integration.error` "integrationError", "integration_error" or "ie"
yields the same `integration_error` column.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from apigwops.timewindow import Window

if TYPE_CHECKING:
    import pandas as pd

ApiType = Literal["REST", "HTTP", "WEBSOCKET"]
CheckStatus = Literal["ok", "skipped", "error"]

# canonical column -> the $context variables (without "$context.") that feed it, preferred first.
ACCESS_LOG_FIELDS: dict[str, tuple[str, ...]] = {
    "time": ("requestTimeEpoch", "requestTime"),
    "request_id": ("requestId",),
    "extended_request_id": ("extendedRequestId",),
    "api_id": ("apiId",),
    "stage": ("stage",),
    "domain_name": ("domainName",),
    "base_path_matched": ("customDomain.basePathMatched",),
    "http_method": ("httpMethod",),
    "resource_path": ("resourcePath",),
    "route_key": ("routeKey",),
    "path": ("path",),
    "status": ("status",),
    "response_length": ("responseLength",),
    "response_latency": ("responseLatency",),
    "error_type": ("error.responseType",),
    "error_message": ("error.message", "error.messageString"),
    "validation_error": ("error.validationErrorString",),
    "integration_status": ("integration.status",),
    "integration_service_status": ("integration.integrationStatus", "integrationStatus"),
    "integration_latency": ("integration.latency", "integrationLatency"),
    "integration_error": ("integration.error", "integrationErrorMessage"),
    "integration_request_id": ("integration.requestId", "awsEndpointRequestId"),
    "authorizer_error": ("authorizer.error",),
    "authorizer_status": ("authorizer.status",),
    "authorizer_latency": ("authorizer.latency",),
    "authorizer_integration_latency": ("authorizer.integrationLatency",),
    "principal_id": ("authorizer.principalId",),
    "authorize_error": ("authorize.error",),
    "authenticate_error": ("authenticate.error",),
    "waf_status": ("waf.status",),
    "waf_error": ("waf.error",),
    "waf_latency": ("waf.latency",),
    "waf_response_code": ("wafResponseCode",),
    "api_key_id": ("identity.apiKeyId",),
    "ip": ("identity.sourceIp",),
    "user_agent": ("identity.userAgent",),
    "user_arn": ("identity.userArn",),
    "caller": ("identity.caller",),
    "xray_trace_id": ("xrayTraceId",),
    "connection_id": ("connectionId",),
    "event_type": ("eventType",),
    "message_id": ("messageId",),
    "connected_at": ("connectedAt",),
    "protocol": ("protocol",),
    "data_processed": ("dataProcessed",),
}
# Numeric columns (nullable; "-" in a log becomes NA). Latencies are milliseconds.
ACCESS_LOG_INT_COLUMNS = (
    "status",
    "response_length",
    "integration_status",
    "integration_service_status",
    "authorizer_status",
    "waf_status",
    "data_processed",
)
ACCESS_LOG_FLOAT_COLUMNS = (
    "response_latency",
    "integration_latency",
    "authorizer_latency",
    "authorizer_integration_latency",
    "waf_latency",
)
# Derived by the parser, always present: `route` is routeKey, else "METHOD resourcePath", else "METHOD path".
DERIVED_COLUMNS = ("route",)

EXECUTION_LOG_COLUMNS = ("time", "request_id", "message")
LAMBDA_LOG_COLUMNS = (
    "time",
    "function",
    "request_id",
    "kind",  # start | end | report | timeout | error | init | restore | other
    "invocation_status",  # success | error | failure | timeout (REPORT, INIT_REPORT, platform.*Report)
    "error_type",  # e.g. Runtime.ExitError, Runtime.ImportModuleError (REPORT/INIT_REPORT, JSON errorType)
    "duration_ms",
    "billed_duration_ms",
    "init_duration_ms",
    "restore_duration_ms",  # SnapStart: a restore instead of an init (a cold start too)
    "memory_size_mb",
    "max_memory_used_mb",
    "log_format",  # text | json: what the line was written as
    "message",
)
WAF_COLUMNS = (
    "time",
    "source",  # "log" (full WAF log record) or "sample" (GetSampledRequests)
    "action",  # ALLOW | BLOCK | COUNT | CAPTCHA | CHALLENGE
    "terminating_rule_id",
    "terminating_rule_type",  # REGULAR | RATE_BASED | MANAGED_RULE_GROUP | GROUP
    "rule_group_rule",  # the rule inside a (managed) rule group that matched, when known
    "client_ip",
    "country",
    "uri",
    "http_method",
    "request_id",  # httpRequest.requestId: API Gateway's *extended* request id (§15.6)
    "weight",
    "labels",  # ";"-joined label names (managed rules label what they match)
    "count_rules",  # ";"-joined "<rule>=<action it would take>" of rules in COUNT that matched (§15.6)
    "token_failure",  # CAPTCHA/Challenge token failure reason: TOKEN_MISSING, TOKEN_EXPIRED, ...
    "response_code",  # responseCodeSent / captcha or challenge responseCode (405, 202, a custom code)
    "rate_key",  # a rate-based rule's aggregation key and value, e.g. "IP=198.51.100.9"
    "source_id",  # httpSourceId: <account>:<api-id>:<stage> for API Gateway
)
REQUEST_COUNT_COLUMNS = ("minute", "status", "count")  # minute: UTC, floored; status: Int64 (NA: unparsed)
METRIC_COLUMNS = ("namespace", "metric", "stat", "dimensions", "timestamp", "value")
# `dimensions` is a canonical string "Name=Value,Name=Value" sorted by name, e.g. "ApiName=user-api,Stage=prod".


@dataclass(frozen=True)
class Check:
    """One evidence source and what became of it: the `checks` list of the JSON report."""

    id: str  # e.g. "access-logs", "waf-sampled-requests", "lambda-metrics:orders-fn"
    status: CheckStatus
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)  # e.g. {"lines": 1200, "unparsed": 3}

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Authorizer:
    id: str
    name: str
    type: str  # REST: TOKEN | REQUEST | COGNITO_USER_POOLS | AWS_IAM; HTTP: JWT | REQUEST | AWS_IAM
    identity_source: tuple[str, ...] = ()
    issuer: str | None = None  # JWT issuer, or the Cognito pool's issuer URL derived from the provider ARN
    audience: tuple[str, ...] = ()
    provider_arns: tuple[str, ...] = ()
    result_ttl_s: int | None = None
    function_name: str | None = None  # Lambda authorizers


@dataclass(frozen=True)
class Route:
    """A method (REST: resource path + verb) or route (HTTP/WebSocket: route key)."""

    key: str  # "GET /users/{id}" or "$default"
    authorization: str = "NONE"  # NONE | AWS_IAM | CUSTOM | COGNITO_USER_POOLS | JWT
    authorizer_id: str | None = None
    api_key_required: bool = False
    scopes: tuple[str, ...] = ()
    integration_type: str | None = None  # AWS_PROXY | AWS | HTTP_PROXY | HTTP | MOCK
    integration_uri: str | None = None
    function_name: str | None = None
    timeout_ms: int | None = None
    connection_type: str | None = None  # INTERNET | VPC_LINK


@dataclass(frozen=True)
class UsagePlan:
    id: str
    name: str
    rate_limit: float | None = None
    burst_limit: int | None = None
    quota_limit: int | None = None
    quota_period: str | None = None  # DAY | WEEK | MONTH
    key_ids: tuple[str, ...] = ()
    # per-key usage in the current quota period where GetUsage works: key id -> used requests
    usage: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    enabled: bool
    value_suffix: str = ""  # last 4 characters at most; the full value is never kept


@dataclass(frozen=True)
class LambdaFunction:
    name: str
    timeout_s: float | None = None
    memory_mb: int | None = None
    reserved_concurrency: int | None = None
    runtime: str | None = None
    last_modified: datetime | None = None
    # Does the function's resource policy let API Gateway (this API) invoke it? None when unknown.
    invoke_permission: bool | None = None
    permission_detail: str = ""
    # LoggingConfig.LogFormat: "Text" or "JSON" (None: not read, or an API version without LoggingConfig)
    log_format: str | None = None


@dataclass(frozen=True)
class Change:
    """A deployment, stage update or function update: candidates for `recent-change`."""

    time: datetime
    kind: Literal["deployment", "stage-update", "function-update"]
    subject: str  # deployment id, stage name or function name
    detail: str = ""


@dataclass(frozen=True)
class StageConfig:
    name: str
    deployment_id: str | None = None
    latest_deployment_id: str | None = None
    throttle_rate: float | None = None
    throttle_burst: int | None = None
    caching_enabled: bool = False
    cache_size_gb: str | None = None
    logging_level: str | None = None  # OFF | ERROR | INFO (REST/WS execution logging)
    data_trace: bool = False
    detailed_metrics: bool = False
    access_log_destination: str | None = None  # log group name (not ARN) when it is CloudWatch Logs
    access_log_format: str | None = None
    execution_log_group: str | None = None
    web_acl_arn: str | None = None
    waf_log_group: str | None = None
    # Why the web ACL's logging configuration could not be read (e.g. "AccessDenied: wafv2:..."); None when
    # it was read, so that a missing `waf_log_group` means "does not log to CloudWatch Logs" only then.
    waf_logging_unread: str | None = None
    last_updated: datetime | None = None


@dataclass(frozen=True)
class ApiInfo:
    id: str
    name: str
    type: ApiType
    stage: str
    region: str
    endpoint: str | None = None  # invoke URL of the stage

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "stage": self.stage,
            "region": self.region,
        }


@dataclass(frozen=True)
class ApiConfig:
    """Configuration read once; playbooks compare it against what the logs and metrics show."""

    stage: StageConfig
    routes: tuple[Route, ...] = ()
    authorizers: tuple[Authorizer, ...] = ()
    usage_plans: tuple[UsagePlan, ...] = ()
    api_keys: tuple[ApiKey, ...] = ()
    functions: tuple[LambdaFunction, ...] = ()
    changes: tuple[Change, ...] = ()
    account_throttle_rate: float | None = None
    account_throttle_burst: int | None = None
    has_resource_policy: bool = False
    resource_policy: str | None = None


@dataclass(frozen=True)
class TokenFinding:
    """The result of checking a user-supplied JWT locally (`--token`); the token itself is never kept."""

    problems: tuple[
        str, ...
    ]  # e.g. "expired", "audience-mismatch", "wrong-token-use", "missing-scope", "invalid"
    details: tuple[str, ...]  # human lines: "exp 2026-11-24T01:02:03Z is 42 minutes before the window end"
    claims_summary: dict[str, Any] = field(default_factory=dict)  # iss, aud/client_id, token_use, scope, exp


@dataclass
class Evidence:
    """Everything diagnose knows about one stage in one window."""

    api: ApiInfo
    window: Window
    config: ApiConfig
    requests: pd.DataFrame  # one row per access-log line; ACCESS_LOG_FIELDS keys + DERIVED_COLUMNS
    execution_logs: pd.DataFrame  # EXECUTION_LOG_COLUMNS
    lambda_logs: pd.DataFrame  # LAMBDA_LOG_COLUMNS
    waf: pd.DataFrame  # WAF_COLUMNS
    metrics: pd.DataFrame  # METRIC_COLUMNS
    token: TokenFinding | None = None
    checks: list[Check] = field(default_factory=list)
    # Access-log fields (canonical names) the stage's format lacks; drives blind spots.
    missing_fields: frozenset[str] = frozenset()
    unparsed_lines: int = 0
    logs_bytes_scanned: int = 0
    api_calls: int = 0
    # Requests per minute and status over the whole window (REQUEST_COUNT_COLUMNS), complete even when
    # `requests` holds only a subset (Logs Insights returns at most 10,000 rows per query: the "access-logs"
    # check then has detail["sampled"] True); None when no access logs were read.
    request_counts: pd.DataFrame | None = None

    def check(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)


@dataclass(frozen=True)
class EvidenceTable:
    """One table of `Evidence`: the collector, the bundle reader and writer and their summaries iterate these."""

    name: str  # the `Evidence` attribute, also the bundle's table (and file) name
    columns: tuple[str, ...]  # canonical columns, also those of the empty stand-in
    optional: bool = (
        False  # None when no source filled it (a bundle may then lack it); required: always a frame
    )


# Every DataFrame of `Evidence`, in bundle order. Adding a table is one entry here plus its `Evidence` field;
# a field without an entry (or an entry without a field) fails at import, below.
EVIDENCE_TABLES: tuple[EvidenceTable, ...] = (
    EvidenceTable("requests", (*ACCESS_LOG_FIELDS, *DERIVED_COLUMNS)),
    EvidenceTable("execution_logs", EXECUTION_LOG_COLUMNS),
    EvidenceTable("lambda_logs", LAMBDA_LOG_COLUMNS),
    EvidenceTable("waf", WAF_COLUMNS),
    EvidenceTable("metrics", METRIC_COLUMNS),
    EvidenceTable("request_counts", REQUEST_COUNT_COLUMNS, optional=True),
)


def table_fields(cls: type) -> tuple[str, ...]:
    """The DataFrame fields of a dataclass (annotations are strings here: `from __future__ import annotations`)."""
    return tuple(f.name for f in dataclasses.fields(cls) if "DataFrame" in str(f.type))


def check_table_registry(cls: type, tables: tuple[EvidenceTable, ...]) -> None:
    """Raise unless `tables` names exactly the DataFrame fields of `cls`: a table left out is an error, not silence."""
    fields = set(table_fields(cls))
    names = [t.name for t in tables]
    unregistered = sorted(fields - set(names))
    unknown = sorted(set(names) - fields)
    if unregistered or unknown or len(names) != len(set(names)):
        raise TypeError(
            f"EVIDENCE_TABLES does not match {cls.__name__}: "
            f"not registered {unregistered}, not a field {unknown}, entries {names}"
        )


check_table_registry(Evidence, EVIDENCE_TABLES)
