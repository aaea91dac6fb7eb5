"""One profile per API type: the facts the collectors, diagnose and the report look up, for all three types."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from apigwops.apitypes import API_TYPES, PROFILES, profile
from apigwops.diagnose.blindspots import recommended_format
from apigwops.evidence.metrics import metric_specs, percentile_specs
from apigwops.evidence.parse.logformat import VARIABLE_COLUMN, compile_format
from apigwops.model import METRIC_COLUMNS, ApiConfig, ApiInfo, Evidence, StageConfig
from apigwops.report.timeline import build_timeline
from apigwops.timewindow import Window

START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
WINDOW = Window(START, START + timedelta(minutes=10))


def test_every_api_type_has_a_profile_and_unknown_means_rest() -> None:
    assert set(PROFILES) == set(API_TYPES) == {"REST", "HTTP", "WEBSOCKET"}
    assert profile(None) is PROFILES["REST"]
    assert profile("GRPC") is PROFILES["REST"]


@pytest.mark.parametrize("api_type", ["REST", "HTTP", "WEBSOCKET"])
def test_the_recommended_format_holds_only_variables_the_type_can_log(api_type: str) -> None:
    facts = profile(api_type)
    document = json.loads(recommended_format(api_type))
    variables = [value.removeprefix("$context.") for value in document.values()]
    columns = {VARIABLE_COLUMN[v] for v in variables if v in VARIABLE_COLUMN}
    assert not columns & facts.unavailable_fields, (
        f"{api_type} cannot log {columns & facts.unavailable_fields}"
    )
    assert "status" in columns
    assert "request_id" in columns
    # the stage's format compiles, and its blind spots are only fields the type could log but the format lacks
    missing = compile_format(recommended_format(api_type)).missing_fields(facts.name)
    assert "status" not in missing
    assert "integration_error" not in missing


def test_websocket_format_logs_routes_and_connections_not_http_request_fields() -> None:
    document = json.loads(recommended_format("WEBSOCKET"))
    variables = {value.removeprefix("$context.") for value in document.values()}
    assert {"routeKey", "connectionId", "eventType", "messageId"} <= variables  # reference §8.4
    lacking = {"customDomain.basePathMatched", "httpMethod", "path", "responseLength", "responseLatency"}
    assert not variables & (
        lacking | {"dataProcessed", "resourcePath", "xrayTraceId"}
    )  # reference §5, column W


def test_http_and_rest_formats_keep_their_own_variables() -> None:
    rest = {v.removeprefix("$context.") for v in json.loads(recommended_format("REST")).values()}
    http = {v.removeprefix("$context.") for v in json.loads(recommended_format("HTTP")).values()}
    assert {"resourcePath", "xrayTraceId", "waf.status"} <= rest
    assert "routeKey" not in rest
    assert {"routeKey", "dataProcessed"} <= http
    assert not {"resourcePath", "waf.status"} & http


@pytest.mark.parametrize(
    ("api_type", "names", "dimension"),
    [
        ("REST", ("Count", "4XXError", "5XXError"), "ApiName=orders-api"),
        ("HTTP", ("Count", "4xx", "5xx"), "ApiId=a1b2c3"),
        ("WEBSOCKET", ("MessageCount", "ClientError", "ExecutionError"), "ApiId=a1b2c3"),
    ],
)
def test_metric_specs_use_the_types_names_and_dimensions(
    api_type: str, names: tuple[str, ...], dimension: str
) -> None:
    api = ApiInfo("a1b2c3", "orders-api", api_type, "prod", "eu-west-1")  # type: ignore[arg-type]
    specs = metric_specs(api, StageConfig(name="prod", caching_enabled=True))
    read = {s.metric for s in specs}
    assert set(names) <= read
    assert ("CacheHitCount" in read) is (api_type == "REST")  # only REST stages have a cache
    assert {s.dimensions_key for s in specs} == {f"{dimension},Stage=prod"}
    percentiles = {s.metric for s in percentile_specs(api)}
    assert ("Latency" in percentiles) is (api_type != "WEBSOCKET")  # WebSocket has no Latency metric


def _metrics_only_evidence(api_type: str, names: tuple[str, str, str]) -> Evidence:
    rows = []
    for minute in range(10):
        at = START + timedelta(minutes=minute)
        for metric, value in zip(names, (50.0, 3.0, 2.0 if minute >= 5 else 0.0), strict=True):
            rows.append(("AWS/ApiGateway", metric, "Sum", "ApiId=a1b2c3,Stage=prod", at, value))
    # another type's names in the same table must not be counted
    rows.append(
        ("AWS/ApiGateway", "Count" if names[0] != "Count" else "MessageCount", "Sum", "", START, 999.0)
    )
    empty = pd.DataFrame({c: [] for c in ("time", "status")})
    return Evidence(
        api=ApiInfo("a1b2c3", "orders-api", api_type, "prod", "eu-west-1"),  # type: ignore[arg-type]
        window=WINDOW,
        config=ApiConfig(stage=StageConfig(name="prod")),
        requests=empty,
        execution_logs=pd.DataFrame(),
        lambda_logs=pd.DataFrame(),
        waf=pd.DataFrame(),
        metrics=pd.DataFrame(rows, columns=list(METRIC_COLUMNS)),
    )


@pytest.mark.parametrize(
    ("api_type", "names"),
    [
        ("REST", ("Count", "4XXError", "5XXError")),
        ("HTTP", ("Count", "4xx", "5xx")),
        ("WEBSOCKET", ("MessageCount", "ClientError", "ExecutionError")),
    ],
)
def test_the_timeline_reads_each_types_metric_names(api_type: str, names: tuple[str, str, str]) -> None:
    timeline = build_timeline(_metrics_only_evidence(api_type, names))
    assert timeline.source == "metrics"
    assert [b.requests for b in timeline.buckets] == [50] * 10
    assert [b.client_errors for b in timeline.buckets] == [3] * 10
    assert [b.server_errors for b in timeline.buckets] == [0] * 5 + [2] * 5


def test_failure_statuses_follow_the_type() -> None:
    assert profile("REST").error_statuses["502"] == (502,)
    assert profile("HTTP").error_statuses["502"] == (500, 502)  # Lambda error: 500 on HTTP APIs (§1.3)
    assert profile("HTTP").error_statuses["504"] == (503, 504)  # integration timeout: 503 (§1.3)
    assert "504" not in profile("WEBSOCKET").error_statuses  # unconfirmed: not narrowed


def test_profiles_are_read_only() -> None:
    with pytest.raises(TypeError):
        profile("REST").error_statuses["502"] = (500,)  # type: ignore[index]
    assert replace(profile("HTTP"), default_timeout_ms=1).default_timeout_ms == 1
    assert profile("HTTP").default_timeout_ms == 30000
