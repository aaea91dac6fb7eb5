"""The one builder of test evidence: synthetic but AWS-shaped, typed the way the collectors type it.

Every table gets the dtypes the parsers produce (`string`, `Int64`, `Float64`, `datetime64[ms, UTC]`), so
diagnose, bundle and report tests all run on evidence shaped like a real collection (`typed_frame`).

Values follow the signals reference (shared/reference/aws-api-gateway-signals.md), not the engine: e.g. a REST
integration timeout is status 504, error.responseType INTEGRATION_TIMEOUT, error.message "Endpoint request timed
out", responseLatency ~29010 ms (§4.7 C55, AZUL #6284), and carries no integration request id (§15.5: pass
`integration_request_id=None`); a Lambda function error is 502 with integration.error
"Lambda Customer Function Error:<message>" on REST and 500 with "The Lambda function returned the following
error: ..." on HTTP APIs (§4.5 C47). Empty log values ("-") are NA, as the collectors produce them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from apigwops.apitypes import profile
from apigwops.model import (
    ACCESS_LOG_FIELDS,
    ACCESS_LOG_FLOAT_COLUMNS,
    ACCESS_LOG_INT_COLUMNS,
    DERIVED_COLUMNS,
    EXECUTION_LOG_COLUMNS,
    LAMBDA_LOG_COLUMNS,
    METRIC_COLUMNS,
    WAF_COLUMNS,
    ApiConfig,
    ApiInfo,
    ApiKey,
    Authorizer,
    Change,
    Check,
    Evidence,
    LambdaFunction,
    Route,
    StageConfig,
    TokenFinding,
    UsagePlan,
)
from apigwops.timewindow import Window

START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
ONSET_MINUTE = 12
# Variables HTTP APIs do not have (signals reference §5): a collector reports them as missing. One place: the profile.
HTTP_MISSING = profile("HTTP").unavailable_fields
FUNCTION = "orders-fn"


_TIME_COLUMNS = frozenset({"time", "timestamp"})
_FLOAT_COLUMNS = frozenset(ACCESS_LOG_FLOAT_COLUMNS) | {
    "duration_ms",
    "billed_duration_ms",
    "init_duration_ms",
    "restore_duration_ms",
    "memory_size_mb",
    "max_memory_used_mb",
    "weight",
    "value",
}


def typed_frame(rows: list[dict[str, Any]], columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Rows as the collectors type them: times in UTC ms, Int64/Float64 numbers, `string` text, NA for gaps."""
    frame = pd.DataFrame(rows, columns=list(columns))
    out = pd.DataFrame(index=frame.index)
    for column in columns:
        raw = frame[column]
        if column in _TIME_COLUMNS:
            out[column] = pd.to_datetime(raw, utc=True).astype("datetime64[ms, UTC]")
        elif column in ACCESS_LOG_INT_COLUMNS:
            out[column] = pd.to_numeric(raw, errors="coerce").astype("Int64")
        elif column in _FLOAT_COLUMNS:
            out[column] = pd.to_numeric(raw, errors="coerce").astype("Float64")
        else:
            out[column] = raw.astype("string")
    return out


def lambda_route(key: str, api_type: str = "REST", **extra: Any) -> Route:
    return Route(
        key=key,
        integration_type="AWS_PROXY",
        integration_uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}/invocations",
        function_name=FUNCTION,
        timeout_ms=29000 if api_type == "REST" else 30000,
        **extra,
    )


def http_route(key: str, **extra: Any) -> Route:
    return Route(
        key=key,
        integration_type="HTTP_PROXY",
        integration_uri="https://backend.example.com/{proxy}",
        timeout_ms=29000,
        **extra,
    )


@dataclass
class Stage:
    """Builds an `Evidence` for one stage: add healthy traffic and incident traffic, then `build()`."""

    api_type: str = "REST"
    minutes: int = 30
    routes: list[Route] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    exec_lines: list[dict[str, Any]] = field(default_factory=list)
    lambda_lines: list[dict[str, Any]] = field(default_factory=list)
    waf_rows: list[dict[str, Any]] = field(default_factory=list)
    metric_rows: list[dict[str, Any]] = field(default_factory=list)
    config: ApiConfig | None = None
    missing: set[str] = field(default_factory=set)
    token: TokenFinding | None = None
    checks: list[Check] = field(default_factory=list)
    api: ApiInfo | None = None  # default: REST-shaped ids for `api_type`
    unparsed_lines: int = 0
    api_calls: int = 14
    logs_bytes_scanned: int = 120_000_000

    def __post_init__(self) -> None:
        if not self.routes:
            self.routes = [
                lambda_route("GET /orders/{id}", self.api_type),
                lambda_route("POST /orders", self.api_type),
            ]
        if self.api_type == "HTTP":
            self.missing |= HTTP_MISSING
        if self.config is not None:  # given whole (e.g. the incident's): keep it
            return
        logging = None if self.api_type == "HTTP" else "INFO"
        self.config = ApiConfig(
            stage=StageConfig(
                name="prod", logging_level=logging, access_log_destination="/aws/apigateway/user-api"
            ),
            routes=tuple(self.routes),
            functions=(LambdaFunction(name=FUNCTION, timeout_s=30, memory_mb=512, invoke_permission=True),),
        )

    def with_config(self, **changes: Any) -> Stage:
        assert self.config is not None
        self.config = replace(self.config, **changes)
        return self

    def with_stage(self, **changes: Any) -> Stage:
        assert self.config is not None
        self.config = replace(self.config, stage=replace(self.config.stage, **changes))
        return self

    def traffic(
        self,
        count: int,
        *,
        status: int = 200,
        route: str | None = None,
        start: float = 0,
        end: float | None = None,
        latency: float = 80.0,
        exec_log: str | list[str] | None = None,
        **values: Any,
    ) -> list[str]:
        """`count` requests spread evenly over [start, end) minutes; returns their request ids."""
        end = self.minutes if end is None else end
        route_key = route or self.routes[0].key
        method, _, path = route_key.partition(" ")
        ids = []
        for i in range(count):
            n = len(self.rows)
            at = START + timedelta(minutes=start + (end - start) * i / count)
            request_id = f"{n:08d}-aaaa-4bbb-8ccc-{n:012d}"
            row: dict[str, Any] = {
                "time": at,
                "request_id": request_id,
                "http_method": method,
                "status": status,
                "response_latency": latency,
                "integration_latency": max(latency - 15, 1) if status < 400 else None,
                "integration_status": status if status < 400 else None,
                "integration_service_status": 200 if status < 400 else None,
                "integration_request_id": f"lambda-{n:08d}",
                "ip": "203.0.113.7",
                "response_length": 120,
            }
            if self.api_type == "REST":
                row["resource_path"] = path
                row["route"] = route_key
            else:
                row["route_key"] = route_key
                row["route"] = route_key
            row.update(values)
            self.rows.append(row)
            ids.append(request_id)
            lines = [exec_log] if isinstance(exec_log, str) else (exec_log or [])
            for line in lines:
                self.exec_lines.append(
                    {"time": at, "request_id": request_id, "message": line.replace("<rid>", request_id)}
                )
        return ids

    def lambda_log(self, **values: Any) -> None:
        self.lambda_lines.append({"function": FUNCTION, **values})

    def lambda_text(self, lines: list[tuple[datetime, str]], function: str = FUNCTION) -> None:
        """Lambda log lines as CloudWatch holds them (event time, message), read by the real parser."""
        from apigwops.evidence.parse.lambdalog import parse_lambda_events

        times = [int(at.timestamp() * 1000) for at, _ in lines]
        frame = parse_lambda_events(function, times, [message for _, message in lines])
        self.lambda_lines.extend(frame.to_dict("records"))

    def metric(
        self, namespace: str, metric: str, value: float, minute: float = ONSET_MINUTE, dims: str = ""
    ) -> None:
        self.metric_rows.append(
            {
                "namespace": namespace,
                "metric": metric,
                "stat": "Sum",
                "dimensions": dims,
                "timestamp": START + timedelta(minutes=minute),
                "value": value,
            }
        )

    def waf(
        self,
        count: int,
        *,
        rule: str,
        rule_type: str,
        inner: str | None = None,
        action: str = "BLOCK",
        request_ids: list[str] | None = None,
        **extra: Any,
    ) -> None:
        """WAF log records; `request_ids` are the requests' extended request ids (WAF's httpRequest.requestId,
        §15.6), `extra` any other WAF column (labels, count_rules, token_failure, ...)."""
        for i in range(count):
            self.waf_rows.append(
                {
                    "time": START + timedelta(minutes=ONSET_MINUTE, seconds=i),
                    "source": "log",
                    "action": action,
                    "terminating_rule_id": rule,
                    "terminating_rule_type": rule_type,
                    "rule_group_rule": inner,
                    "client_ip": "198.51.100.9",
                    "country": "US",
                    "uri": "/orders",
                    "http_method": "POST",
                    "request_id": request_ids[i] if request_ids else None,
                    "weight": 1,
                    **extra,
                }
            )

    def _execution_check(self) -> Check:
        assert self.config is not None
        if self.api_type == "HTTP":
            return Check("execution-logs", "skipped", "HTTP APIs have no execution logs")
        if self.config.stage.logging_level not in ("ERROR", "INFO"):
            return Check("execution-logs", "skipped", "execution logging is OFF")
        return Check("execution-logs", "ok")

    def build(self) -> Evidence:
        assert self.config is not None
        requests = typed_frame(self.rows, [*ACCESS_LOG_FIELDS, *DERIVED_COLUMNS])
        for name in self.missing:  # a field the format lacks: all NA, still typed
            requests[name] = pd.Series(pd.NA, index=requests.index, dtype=requests[name].dtype)
        checks = self.checks or [
            Check(
                "access-logs", "ok" if self.rows else "skipped", "" if self.rows else "no access log group"
            ),
            self._execution_check(),
        ]
        return Evidence(
            api=self.api
            or ApiInfo(id="a1b2c3", name="user-api", type=self.api_type, stage="prod", region="us-east-1"),  # type: ignore[arg-type]
            window=Window(START, START + timedelta(minutes=self.minutes)),
            config=self.config,
            requests=requests,
            execution_logs=typed_frame(self.exec_lines, EXECUTION_LOG_COLUMNS),
            lambda_logs=typed_frame(self.lambda_lines, LAMBDA_LOG_COLUMNS),
            waf=typed_frame(self.waf_rows, WAF_COLUMNS),
            metrics=typed_frame(self.metric_rows, METRIC_COLUMNS),
            token=self.token,
            checks=checks,
            missing_fields=frozenset(self.missing),
            unparsed_lines=self.unparsed_lines,
            api_calls=self.api_calls,
            logs_bytes_scanned=self.logs_bytes_scanned,
        )


def healthy(api_type: str = "REST", count: int = 600) -> Stage:
    """A stage that serves fine: 200s at ~80 ms on two routes."""
    stage = Stage(api_type=api_type)
    stage.traffic(count // 2, route=stage.routes[0].key)
    stage.traffic(count - count // 2, route=stage.routes[1].key, latency=95)
    return stage


__all__ = ["ApiKey", "Authorizer", "Change", "Check", "TokenFinding", "UsagePlan"]
