"""The collector: every source against moto's server at once, failures as checks, concurrency, Ctrl-C."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from apigwops.diagnose.vocabulary import EVIDENCE_CHECKS
from apigwops.errors import UsageError
from apigwops.evidence import collect, sources
from apigwops.evidence.collect import gather
from apigwops.evidence.logs.engine import AccessLogResult, LogEvents
from apigwops.model import ApiConfig, ApiInfo, LambdaFunction, StageConfig
from apigwops.runtime import Runtime
from apigwops.timewindow import Window

API = ApiInfo(id="a1b2c3", name="user-api", type="REST", stage="prod", region="us-east-1")
HTTP_API = ApiInfo(id="h1t2p3", name="orders", type="HTTP", stage="$default", region="us-east-1")
ACCESS = "/aws/apigateway/user-api"
EXEC = "API-Gateway-Execution-Logs_a1b2c3/prod"
FMT = (
    '{"requestId":"$context.requestId","requestTimeEpoch":"$context.requestTimeEpoch","httpMethod":"$context.httpMethod",'
    '"resourcePath":"$context.resourcePath","status":"$context.status","errorType":"$context.error.responseType",'
    '"integrationError":"$context.integration.error","integrationRequestId":"$context.integration.requestId"}'
)
LRID = "8f5e1b7a-2c3d-4e5f-8a9b-0c1d2e3f4a5b"


def _window() -> Window:
    end = datetime.now(UTC).replace(microsecond=0)
    return Window(end - timedelta(minutes=30), end)


def _config(*, web_acl_arn: str | None = None, waf_log_group: str | None = None) -> ApiConfig:
    return ApiConfig(
        stage=StageConfig(
            name="prod",
            logging_level="INFO",
            access_log_destination=ACCESS,
            access_log_format=FMT,
            execution_log_group=EXEC,
            web_acl_arn=web_acl_arn,
            waf_log_group=waf_log_group,
        ),
        functions=(LambdaFunction(name="orders-fn", timeout_s=3),),
    )


def _seed(write_logs: Any, window: Window) -> None:
    t = int((window.start + timedelta(minutes=10)).timestamp() * 1000)

    def line(rid: str, at: int, method: str, path: str, status: int, error_type: str, lambda_rid: str) -> str:
        return json.dumps(
            {
                "requestId": rid,
                "requestTimeEpoch": str(at),
                "httpMethod": method,
                "resourcePath": path,
                "status": str(status),
                "errorType": error_type,
                "integrationError": "-",
                "integrationRequestId": lambda_rid,
            },
            separators=(",", ":"),
        )

    ok = line("r1", t, "GET", "/a", 200, "-", "-")
    bad = line("r2", t + 1000, "POST", "/orders", 504, "INTEGRATION_TIMEOUT", LRID)
    write_logs(ACCESS, [(t, ok), (t + 1000, bad)])
    write_logs(
        EXEC,
        [
            (t + 1000, "(r2) Starting execution for request: r2"),
            (t + 30_000, "(r2) Execution failed due to a timeout error"),
            (t + 30_001, "(r2) Endpoint request headers: {}"),
        ],
    )
    write_logs(
        "/aws/lambda/orders-fn",
        [
            (t + 1001, f"START RequestId: {LRID} Version: $LATEST"),
            (t + 4000, f"2026-11-24T01:02:03.456Z {LRID} Task timed out after 3.00 seconds"),
            (
                t + 4001,
                f"REPORT RequestId: {LRID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB",
            ),
            (t + 4002, "an application line that is not evidence"),
        ],
    )


def test_gather_reads_every_source_from_moto(runtime: Runtime, write_logs: Any, moto_endpoint: str) -> None:
    window = _window()
    _seed(write_logs, window)
    cw = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=moto_endpoint)
    cw.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": "orders-fn"}],
                "Timestamp": window.start + timedelta(minutes=10),
                "Value": 1.0,
            },
            {
                "MetricName": "Duration",
                "Dimensions": [{"Name": "FunctionName", "Value": "orders-fn"}],
                "Timestamp": window.start + timedelta(minutes=10),
                "Value": 3000.0,
            },
        ],
    )
    evidence = gather(runtime, API, _config(waf_log_group="aws-waf-logs-x"), window, logs_engine="auto")
    status = {c.id: c.status for c in evidence.checks}
    assert status == {
        "access-logs": "ok",
        "execution-logs": "ok",
        "waf-logs": "skipped",  # no web ACL on this stage
        "waf-sampled-requests": "skipped",
        "waf-metrics": "skipped",
        "metrics": "ok",
        "metrics-percentiles": "skipped",  # moto cannot serve p99: only this call is lost
        "lambda-logs:orders-fn": "ok",
    }
    assert evidence.check("metrics-percentiles").reason.startswith(
        "percentiles not available from this endpoint"
    )
    assert list(evidence.requests["request_id"]) == ["r1", "r2"]
    assert evidence.requests.loc[1, "error_type"] == "INTEGRATION_TIMEOUT"
    assert evidence.request_counts is not None
    assert int(evidence.request_counts["count"].sum()) == 2
    # Execution logs: only the lines worth reading, joinable on the request id.
    assert list(evidence.execution_logs["message"]) == [
        "Starting execution for request: r2",
        "Execution failed due to a timeout error",
    ]
    kinds = list(evidence.lambda_logs["kind"])
    assert kinds == ["start", "timeout", "report"]
    assert set(evidence.lambda_logs["request_id"]) == {evidence.requests.loc[1, "integration_request_id"]}
    errors = evidence.metrics[(evidence.metrics["metric"] == "Errors")]
    assert errors["value"].tolist() == [1.0]
    ratio = evidence.metrics[evidence.metrics["metric"] == "DurationMaximumToTimeout"]
    assert ratio["value"].tolist() == [1.0]  # 3,000 ms against a 3 s timeout
    assert ratio["dimensions"].tolist() == ["FunctionName=orders-fn"]
    assert evidence.missing_fields >= {"response_latency", "integration_latency"}
    assert "request_id" not in evidence.missing_fields
    assert evidence.api_calls == runtime.aws.api_calls > 5
    assert evidence.logs_bytes_scanned == 0  # scan engine on moto: nothing billed per byte
    assert evidence.check("access-logs").detail["engine"] == "scan"


def test_missing_groups_denied_calls_and_logging_off_become_checks(
    runtime: Runtime, moto_endpoint: str
) -> None:
    waf = boto3.client("wafv2", region_name="us-east-1", endpoint_url=moto_endpoint)
    vis = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "acl"}
    arn = waf.create_web_acl(
        Name="acl", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=vis, Rules=[]
    )["Summary"]["ARN"]

    def denied(model: Any, **_: Any) -> Any:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetSampledRequests")

    runtime.aws.client("wafv2").meta.events.register("before-call.wafv2.GetSampledRequests", denied)
    config = _config(web_acl_arn=arn, waf_log_group="aws-waf-logs-user-api")
    stage = StageConfig(**{**config.stage.__dict__, "logging_level": "OFF"})
    evidence = gather(runtime, API, ApiConfig(stage=stage, functions=config.functions), _window())
    checks = {c.id: c for c in evidence.checks}
    assert checks["access-logs"].status == "skipped"
    assert "does not exist" in checks["access-logs"].reason
    assert checks["execution-logs"].reason == "execution logging is off for this stage (loggingLevel OFF)"
    assert checks["waf-sampled-requests"].status == "skipped"
    assert checks["waf-sampled-requests"].reason == "AccessDenied: wafv2:GetSampledRequests"
    assert checks["waf-logs"].status == "skipped"
    assert checks["lambda-logs:orders-fn"].status == "skipped"
    assert evidence.requests.empty
    assert next(iter(evidence.requests.columns)) == "time"


def test_access_logs_off_names_every_field_as_a_blind_spot(runtime: Runtime) -> None:
    stage = StageConfig(name="prod")
    evidence = gather(runtime, API, ApiConfig(stage=stage), _window())
    http = gather(runtime, HTTP_API, ApiConfig(stage=StageConfig(name="$default")), _window())
    assert http.check("execution-logs").reason == "HTTP APIs write no execution logs"
    assert "waf_status" not in http.missing_fields  # HTTP APIs cannot log it: no blind spot to report
    assert evidence.check("access-logs").status == "skipped"
    assert {"status", "error_type", "integration_error", "waf_status"} <= evidence.missing_fields
    assert evidence.request_counts is None


class BarrierEngine:
    """A fake engine whose reads only finish when three of them run at the same time."""

    name = "scan"

    def __init__(self) -> None:
        self.barrier = threading.Barrier(3, timeout=10)

    def read_events(
        self, group: str, window: Window, *, regex: str | None = None, limit: int | None = None
    ) -> LogEvents:
        self.barrier.wait()
        return LogEvents()

    def read_access_log(self, group: str, fmt: Any, window: Window) -> AccessLogResult:
        self.barrier.wait()
        from apigwops.evidence.parse.accesslog import parse_access_lines

        parsed = parse_access_lines(fmt, [])
        return AccessLogResult(parsed.requests, parsed.counts, 0, 0, [])


def test_sources_run_concurrently(runtime: Runtime) -> None:
    evidence = gather(runtime, API, _config(), _window(), engine=BarrierEngine())  # type: ignore[arg-type]
    assert {c.id: c.status for c in evidence.checks}["lambda-logs:orders-fn"] == "ok"
    assert evidence.check("access-logs").status == "ok"
    assert evidence.check("access-logs").reason == "no request was logged in the window"


def test_ctrl_c_in_a_source_reaches_the_caller(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(ctx: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(sources, "metrics", interrupted)
    with pytest.raises(KeyboardInterrupt):
        gather(runtime, API, ApiConfig(stage=StageConfig(name="prod")), _window())


def test_bad_engine_choice_is_a_usage_error_before_any_call(runtime: Runtime) -> None:
    with pytest.raises(UsageError, match="unknown --logs-engine"):
        collect.collect_evidence(runtime, api="x", stage="y", window=_window(), logs_engine="magic")  # type: ignore[arg-type]
    assert runtime.aws.api_calls == 0


def test_collect_evidence_resolves_then_fans_out(
    runtime: Runtime, write_logs: Any, moto_endpoint: str
) -> None:
    apig = boto3.client("apigateway", region_name="us-east-1", endpoint_url=moto_endpoint)
    rest = apig.create_rest_api(name="user-api")
    root = next(r for r in apig.get_resources(restApiId=rest["id"])["items"] if r["path"] == "/")
    apig.put_method(restApiId=rest["id"], resourceId=root["id"], httpMethod="GET", authorizationType="NONE")
    apig.put_integration(restApiId=rest["id"], resourceId=root["id"], httpMethod="GET", type="MOCK")
    apig.create_deployment(restApiId=rest["id"], stageName="prod")
    apig.update_stage(
        restApiId=rest["id"],
        stageName="prod",
        patchOperations=[
            {
                "op": "replace",
                "path": "/accessLogSettings/destinationArn",
                "value": f"arn:aws:logs:us-east-1:123456789012:log-group:{ACCESS}",
            },
            {"op": "replace", "path": "/accessLogSettings/format", "value": FMT},
        ],
    )
    window = _window()
    _seed(write_logs, window)
    evidence = collect.collect_evidence(
        runtime, api="user-api", stage="prod", window=window, route="POST /orders"
    )
    assert evidence.api.id == rest["id"]
    assert evidence.check("access-logs").status == "ok"
    assert list(evidence.requests["request_id"]) == ["r2"]  # --route keeps that route's requests
    assert json.dumps([c.as_json() for c in evidence.checks])  # the checks serialise for the JSON report
    # every check a playbook might list under `evidence:` is in the vocabulary the schema validates against
    assert {c.id.split(":")[0] for c in evidence.checks} <= set(EVIDENCE_CHECKS)


def test_operation_an_emulator_lacks_is_skipped_not_an_error(runtime: Runtime, moto_endpoint: str) -> None:
    waf = boto3.client("wafv2", region_name="us-east-1", endpoint_url=moto_endpoint)
    vis = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "acl"}
    arn = waf.create_web_acl(
        Name="acl", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=vis, Rules=[]
    )["Summary"]["ARN"]
    evidence = gather(runtime, API, ApiConfig(stage=StageConfig(name="prod", web_acl_arn=arn)), _window())
    sampled = evidence.check("waf-sampled-requests")
    assert sampled.status == "skipped"  # moto answers 500 for GetSampledRequests, which it does not implement
    assert sampled.reason == "not supported by this endpoint: wafv2:GetSampledRequests"
    assert evidence.check("waf-metrics").status == "ok"


def test_every_lambda_log_generation_is_fetched_and_the_check_names_the_format(
    runtime: Runtime, write_logs: Any
) -> None:
    """Text (old and current), SnapStart and JSON lines in one group, as a function whose LogFormat changed
    writes them (§15.1-15.3): the collector's filter fetches each, and the check says which format was read."""
    window = _window()
    t = int((window.start + timedelta(minutes=5)).timestamp() * 1000)
    rid = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    platform_report = {
        "requestId": rid,
        "metrics": {
            "durationMs": 3000.0,
            "billedDurationMs": 3000,
            "memorySizeMB": 128,
            "maxMemoryUsedMB": 60,
        },
        "status": "timeout",
    }
    write_logs(
        "/aws/lambda/orders-fn",
        [
            (t, "INIT_REPORT Init Duration: 10000.00 ms Phase: init Status: timeout"),
            (t + 1, "RESTORE_REPORT Restore Duration: 289.11 ms"),
            (
                t + 2,
                f"REPORT RequestId: {LRID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\t"
                "Max Memory Used: 60 MB\tStatus: timeout",
            ),
            (
                t + 3,
                json.dumps(
                    {"time": "2026-11-24T01:02:03.000Z", "type": "platform.report", "record": platform_report}
                ),
            ),
            (
                t + 4,
                json.dumps(
                    {"timestamp": "2026-11-24T01:02:03.000Z", "level": "INFO", "message": "not evidence"}
                ),
            ),
            (t + 5, "an application line that is not evidence"),
        ],
    )
    functions = (LambdaFunction(name="orders-fn", timeout_s=3, log_format="JSON"),)
    config = ApiConfig(stage=_config().stage, functions=functions)
    evidence = gather(runtime, API, config, window, logs_engine="scan")
    logs = evidence.lambda_logs
    assert list(logs["kind"]) == ["init", "restore", "report", "report"]
    assert list(logs["invocation_status"].fillna("-")) == ["timeout", "-", "timeout", "timeout"]
    assert list(logs["log_format"]) == ["text", "text", "text", "json"]
    check = evidence.check("lambda-logs:orders-fn")
    assert check.detail["read"] == {"text": 3, "json": 1}
    assert check.reason == "3 lines are text although the function is set to JSON (format changed)"
