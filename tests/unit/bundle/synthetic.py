"""A realistic synthetic Evidence for bundle and report tests: a REST stage with a Lambda timeout incident.

Thirty minutes of traffic; from minute 12 (two minutes after a deployment) a share of requests ends in 504
after ~29 s, with the execution-log and Lambda-log lines AWS writes for it (see the signals reference, 9.3/9.4).
Secrets are planted where real logs carry them (request headers, query strings, a data-traced body, a WAF
record) so that tests can prove none of them reaches a bundle. Dtypes follow the access-log parser's
(`string`, `Int64`, `Float64`, `datetime64[ms, UTC]`).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pandas as pd

from apigwops.model import (
    ACCESS_LOG_FIELDS,
    ACCESS_LOG_FLOAT_COLUMNS,
    ACCESS_LOG_INT_COLUMNS,
    DERIVED_COLUMNS,
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
END = START + timedelta(minutes=30)
ONSET = START + timedelta(minutes=12)
DEPLOYED = START + timedelta(minutes=10)

JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTQyIiwic2NvcGUiOiJyZWFkIn0.c2lnbmF0dXJlLXNlY3JldA"
API_KEY = "Zx9Qm2Lk7Rt4Vb8Np3Wd6Hs1Jf5Gc0YaKeyValue"
COOKIE = "session=Sx7Yq2Wv9Tz4Pm1Nb6Kc3"
BASIC = "dXNlcjpzdXBlci1zZWNyZXQtcGFzc3dvcmQ="
QUERY_TOKEN = "qTok3nVa1ueNotForBundles"
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRETS = (JWT, API_KEY, COOKIE, "Sx7Yq2Wv9Tz4Pm1Nb6Kc3", BASIC, QUERY_TOKEN, ACCESS_KEY_ID)
CLIENT_IPS = ("203.0.113.7", "198.51.100.23", "192.0.2.200", "2001:db8::42")
NOISY_IP = "203.0.113.7"  # sends most of the 429s, so per-IP findings have something to find


def _time(values: list[datetime]) -> pd.Series:
    return pd.Series(values, dtype="datetime64[ms, UTC]")


def _requests(rng: random.Random, n: int) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for i in range(n):
        at = START + timedelta(seconds=i * 1800 / n)
        ip = NOISY_IP if rng.random() < 0.4 else rng.choice(CLIENT_IPS)
        status, latency, integration_error, error_type = 200, rng.uniform(20, 120), None, None
        if at >= ONSET and rng.random() < 0.35:
            status, latency, error_type = 504, 29000 + rng.uniform(0, 40), "INTEGRATION_TIMEOUT"
            integration_error = "Endpoint request timed out"
        elif ip == NOISY_IP and rng.random() < 0.1:
            status, latency, error_type = 429, 3.0, "THROTTLED"
        elif rng.random() < 0.03:
            status, latency, error_type = 401, 5.0, "UNAUTHORIZED"
        rows.append(
            {
                "time": at,
                "request_id": f"req-{i:06d}",
                "api_id": "a1b2c3d4e5",
                "stage": "prod",
                "http_method": "GET",
                "resource_path": "/users/{id}",
                "path": f"/prod/users/{i % 97}",
                "status": status,
                "response_length": 120 if status == 200 else 36,
                "response_latency": round(latency, 1),
                "integration_latency": round(latency - 4, 1) if status in (200, 504) else None,
                "error_type": error_type,
                "error_message": {504: "Endpoint request timed out", 429: "Too Many Requests"}.get(status),
                "integration_error": integration_error,
                "integration_status": 200 if status == 200 else None,
                "ip": ip,
                "user_agent": "curl/8.5.0",
                "api_key_id": "kid123" if ip == NOISY_IP else None,
            }
        )
    frame = pd.DataFrame(rows)
    out = pd.DataFrame(index=frame.index)
    for column in (*ACCESS_LOG_FIELDS, *DERIVED_COLUMNS):
        raw = frame[column] if column in frame else pd.Series(pd.NA, index=frame.index, dtype=object)
        if column == "time":
            out[column] = _time(list(raw))
        elif column in ACCESS_LOG_INT_COLUMNS:
            out[column] = pd.to_numeric(raw, errors="coerce").astype("Int64")
        elif column in ACCESS_LOG_FLOAT_COLUMNS:
            out[column] = pd.to_numeric(raw, errors="coerce").astype("Float64")
        else:
            out[column] = raw.astype("string")
    out["route"] = ("GET " + frame["resource_path"]).astype("string")
    return out


def _execution_logs(requests: pd.DataFrame) -> pd.DataFrame:
    rows: list[tuple[datetime, str, str]] = []
    for _, row in requests[requests["status"] == 504].head(20).iterrows():
        rid, at = str(row["request_id"]), row["time"].to_pydatetime()
        rows += [
            (at, rid, f"Starting execution for request: {rid}"),
            (
                at,
                rid,
                f"Method request headers: {{Authorization=Bearer {JWT}, x-api-key={API_KEY}, "
                f"Cookie={COOKIE}, X-Forwarded-For={row['ip']}, Host=api.example.com}}",
            ),
            (at, rid, f"Method request query string: {{access_token={QUERY_TOKEN}, page=2}}"),
            (
                at,
                rid,
                'Endpoint request body after transformations: {"headers": {"Authorization": '
                f'"Basic {BASIC}", "X-Amz-Security-Token": "{ACCESS_KEY_ID}"}}}}',
            ),
            (at, rid, "Execution failed due to a timeout error"),
            (at, rid, "Method completed with status: 504"),
        ]
    return pd.DataFrame(
        {
            "time": _time([r[0] for r in rows]),
            "request_id": pd.Series([r[1] for r in rows], dtype="string"),
            "message": pd.Series([r[2] for r in rows], dtype="string"),
        }
    )


def _lambda_logs() -> pd.DataFrame:
    at = [ONSET + timedelta(seconds=30 * i) for i in range(6)]
    return pd.DataFrame(
        {
            "time": _time(at),
            "function": pd.Series(["orders-fn"] * 6, dtype="string"),
            "request_id": pd.Series([f"lam-{i}" for i in range(6)], dtype="string"),
            "kind": pd.Series(["timeout", "report"] * 3, dtype="string"),
            "duration_ms": pd.Series([29000.0] * 6, dtype="Float64"),
            "billed_duration_ms": pd.Series([29000.0] * 6, dtype="Float64"),
            "init_duration_ms": pd.Series([None] * 6, dtype="Float64"),
            "memory_size_mb": pd.Series([512.0] * 6, dtype="Float64"),
            "max_memory_used_mb": pd.Series([88.0] * 6, dtype="Float64"),
            "message": pd.Series(
                [f"Task timed out after 29.00 seconds (token={QUERY_TOKEN})", "REPORT RequestId: x"] * 3,
                dtype="string",
            ),
        }
    )


def _waf() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": _time([ONSET, ONSET + timedelta(minutes=1)]),
            "source": pd.Series(["log", "sample"], dtype="string"),
            "action": pd.Series(["BLOCK", "ALLOW"], dtype="string"),
            "terminating_rule_id": pd.Series(["rate-limit", "Default_Action"], dtype="string"),
            "terminating_rule_type": pd.Series(["RATE_BASED", "REGULAR"], dtype="string"),
            "rule_group_rule": pd.Series([None, None], dtype="string"),
            "client_ip": pd.Series([NOISY_IP, "198.51.100.23"], dtype="string"),
            "country": pd.Series(["NL", "US"], dtype="string"),
            "uri": pd.Series([f"/prod/users/1?api_key={API_KEY}", "/prod/users/2"], dtype="string"),
            "http_method": pd.Series(["GET", "GET"], dtype="string"),
            "request_id": pd.Series(["req-000100", "req-000101"], dtype="string"),
            "weight": pd.Series([1.0, 1.0], dtype="Float64"),
        }
    )


def _metrics() -> pd.DataFrame:
    stamps = [START + timedelta(minutes=m) for m in range(30)]
    rows = []
    for metric, stat in (("Count", "Sum"), ("5XXError", "Sum"), ("Latency", "p99")):
        for at in stamps:
            value = {"Count": 20.0, "5XXError": 7.0 if at >= ONSET else 0.0, "Latency": 120.0}[metric]
            rows.append(("AWS/ApiGateway", metric, stat, "ApiName=user-api,Stage=prod", at, value))
    return pd.DataFrame(
        {
            "namespace": pd.Series([r[0] for r in rows], dtype="string"),
            "metric": pd.Series([r[1] for r in rows], dtype="string"),
            "stat": pd.Series([r[2] for r in rows], dtype="string"),
            "dimensions": pd.Series([r[3] for r in rows], dtype="string"),
            "timestamp": _time([r[4] for r in rows]),
            "value": pd.Series([r[5] for r in rows], dtype="Float64"),
        }
    )


def make_config() -> ApiConfig:
    return ApiConfig(
        stage=StageConfig(
            name="prod",
            deployment_id="dep2",
            latest_deployment_id="dep2",
            throttle_rate=100.0,
            throttle_burst=50,
            logging_level="INFO",
            access_log_destination="/aws/apigateway/user-api",
            access_log_format='{"requestId":"$context.requestId","ip":"$context.identity.sourceIp"}',
            execution_log_group="API-Gateway-Execution-Logs_a1b2c3d4e5/prod",
            last_updated=DEPLOYED,
        ),
        routes=(
            Route(
                "GET /users/{id}",
                authorization="COGNITO_USER_POOLS",
                authorizer_id="auth1",
                api_key_required=True,
                integration_type="AWS_PROXY",
                function_name="orders-fn",
                timeout_ms=29000,
            ),
        ),
        authorizers=(
            Authorizer("auth1", "cognito", "COGNITO_USER_POOLS", ("method.request.header.Authorization",)),
        ),
        usage_plans=(UsagePlan("up1", "basic", 10.0, 20, 10000, "DAY", ("kid123",), {"kid123": 9000}),),
        api_keys=(ApiKey("kid123", "partner", True, API_KEY[-4:]),),
        functions=(LambdaFunction("orders-fn", 29.0, 512, None, "python3.12", DEPLOYED, True),),
        changes=(
            Change(START - timedelta(days=2), "deployment", "dep1", "initial"),
            Change(DEPLOYED, "deployment", "dep2", "raise memory"),
            Change(DEPLOYED + timedelta(minutes=1), "function-update", "orders-fn", "code update"),
        ),
        resource_policy='{"Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}',
        has_resource_policy=True,
    )


def make_evidence(n_requests: int = 600, seed: int = 7) -> Evidence:
    """The synthetic incident; deterministic for a given seed."""
    rng = random.Random(seed)
    requests = _requests(rng, n_requests)
    return Evidence(
        api=ApiInfo("a1b2c3d4e5", "user-api", "REST", "prod", "us-east-1", "https://a1b2c3d4e5.example/prod"),
        window=Window(START, END),
        config=make_config(),
        requests=requests,
        execution_logs=_execution_logs(requests),
        lambda_logs=_lambda_logs(),
        waf=_waf(),
        metrics=_metrics(),
        token=TokenFinding(("expired",), ("exp 2026-11-24T00:58:00Z is before the window",), {"iss": "x"}),
        checks=[
            Check("access-logs", "ok", detail={"lines": n_requests, "unparsed": 2}),
            Check("execution-logs", "ok"),
            Check("waf-sampled-requests", "skipped", "AccessDenied: wafv2:GetSampledRequests"),
        ],
        missing_fields=frozenset({"authorizer_error"}),
        unparsed_lines=2,
        logs_bytes_scanned=123456,
        api_calls=14,
    )


def make_report_json(evidence: Evidence | None = None) -> dict[str, object]:
    """A diagnose JSON document for the synthetic incident, shaped exactly as DESIGN.md's example."""
    evidence = evidence or make_evidence()
    status = evidence.requests["status"]
    return {
        "api": evidence.api.as_json(),
        "window": evidence.window.as_json(),
        "traffic": {
            "requests": len(evidence.requests),
            "status": {
                "2xx": int(((status >= 200) & (status < 300)).sum()),
                "4xx": int(((status >= 400) & (status < 500)).sum()),
                "5xx": int((status >= 500).sum()),
            },
        },
        "onset": "2026-11-24T01:12:00Z",
        "findings": [
            {
                "id": "lambda-timeout",
                "symptom": "504",
                "title": "Lambda orders-fn times out at 29 s, the integration timeout",
                "severity": "critical",
                "share": 0.87,
                "count": int((status == 504).sum()),
                "confidence": "high",
                "evidence": [
                    {
                        "source": "access-log",
                        "detail": "integration_error 'Endpoint request timed out' on 504s",
                    },
                    {"source": "lambda-log", "detail": "Task timed out after 29.00 seconds (3 times)"},
                ],
                "remediation": [
                    "Make orders-fn finish well within 29 s, or return 202 and finish asynchronously.",
                    "aws lambda get-function-configuration --function-name orders-fn",
                ],
                "docs": ["https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"],
                "playbook": "5xx-integration",
            },
            {
                "id": "recent-change",
                "symptom": "504",
                "title": "Deployment dep2 two minutes before the onset",
                "severity": "medium",
                "share": 0.87,
                "count": 1,
                "confidence": "medium",
                "evidence": [{"source": "config", "detail": "deployment dep2 at 2026-11-24T01:10:00Z"}],
                "remediation": ["Compare dep2 with dep1, or roll back the stage to dep1."],
                "docs": [],
                "playbook": "recent-change",
            },
            {
                "id": "usage-plan-throttled",
                "symptom": "429",
                "title": "API key kid123 exceeds its usage plan's rate limit",
                "severity": "low",
                "share": 1.0,
                "count": int((status == 429).sum()),
                "confidence": "medium",
                "evidence": [{"source": "access-log", "detail": "429 THROTTLED for key kid123"}],
                "remediation": ["Raise the plan's rate limit or move the key to a larger tier."],
                "docs": [
                    "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html"
                ],
                "playbook": "429-throttling",
            },
        ],
        "checks": [check.as_json() for check in evidence.checks],
        "blind_spots": ["access log format lacks $context.authorizer.error"],
        "cost": {
            "api_calls": evidence.api_calls,
            "logs_bytes_scanned": evidence.logs_bytes_scanned,
            "usd": 0.0006,
        },
    }
