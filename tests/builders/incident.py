"""The incident the bundle and report tests share: a REST stage with a Lambda timeout, built with `stage.Stage`.

Thirty minutes of traffic; from minute 12 (two minutes after a deployment) a share of requests ends in 504
after ~29 s, with the execution-log and Lambda-log lines AWS writes for it (see the signals reference, 9.3/9.4).
Secrets are planted where real logs carry them (request headers, query strings, a data-traced body, a WAF
record) so that tests can prove none of them reaches a bundle. The tables are typed by the one builder
(`stage.typed_frame`), as the collectors type them.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from apigwops.model import (
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
from tests.builders.stage import START, Stage

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


def _requests(rng: random.Random, n: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
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
                "route": "GET /users/{id}",
            }
        )
    return rows


def _execution_logs(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for row in [r for r in requests if r["status"] == 504][:20]:
        rid, at = str(row["request_id"]), row["time"]
        messages = [
            f"Starting execution for request: {rid}",
            f"Method request headers: {{Authorization=Bearer {JWT}, x-api-key={API_KEY}, "
            f"Cookie={COOKIE}, X-Forwarded-For={row['ip']}, Host=api.example.com}}",
            f"Method request query string: {{access_token={QUERY_TOKEN}, page=2}}",
            'Endpoint request body after transformations: {"headers": {"Authorization": '
            f'"Basic {BASIC}", "X-Amz-Security-Token": "{ACCESS_KEY_ID}"}}}}',
            "Execution failed due to a timeout error",
            "Method completed with status: 504",
        ]
        rows += [{"time": at, "request_id": rid, "message": message} for message in messages]
    return rows


def _lambda_logs() -> list[dict[str, Any]]:
    return [
        {
            "time": ONSET + timedelta(seconds=30 * i),
            "function": "orders-fn",
            "request_id": f"lam-{i}",
            "kind": ("timeout", "report")[i % 2],
            "duration_ms": 29000.0,
            "billed_duration_ms": 29000.0,
            "init_duration_ms": None,
            "memory_size_mb": 512.0,
            "max_memory_used_mb": 88.0,
            "message": (f"Task timed out after 29.00 seconds (token={QUERY_TOKEN})", "REPORT RequestId: x")[
                i % 2
            ],
        }
        for i in range(6)
    ]


def _waf() -> list[dict[str, Any]]:
    common = {"terminating_rule_type": None, "rule_group_rule": None, "http_method": "GET", "weight": 1.0}
    return [
        {
            **common,
            "time": ONSET,
            "source": "log",
            "action": "BLOCK",
            "terminating_rule_id": "rate-limit",
            "terminating_rule_type": "RATE_BASED",
            "client_ip": NOISY_IP,
            "country": "NL",
            "uri": f"/prod/users/1?api_key={API_KEY}",
            "request_id": "req-000100",
        },
        {
            **common,
            "time": ONSET + timedelta(minutes=1),
            "source": "sample",
            "action": "ALLOW",
            "terminating_rule_id": "Default_Action",
            "terminating_rule_type": "REGULAR",
            "client_ip": "198.51.100.23",
            "country": "US",
            "uri": "/prod/users/2",
            "request_id": "req-000101",
        },
    ]


def _metrics() -> list[dict[str, Any]]:
    rows = []
    for metric, stat in (("Count", "Sum"), ("5XXError", "Sum"), ("Latency", "p99")):
        for minute in range(30):
            at = START + timedelta(minutes=minute)
            value = {"Count": 20.0, "5XXError": 7.0 if at >= ONSET else 0.0, "Latency": 120.0}[metric]
            rows.append(
                {
                    "namespace": "AWS/ApiGateway",
                    "metric": metric,
                    "stat": stat,
                    "dimensions": "ApiName=user-api,Stage=prod",
                    "timestamp": at,
                    "value": value,
                }
            )
    return rows


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
    rows = _requests(random.Random(seed), n_requests)
    stage = Stage(
        api_type="REST",
        minutes=30,
        config=make_config(),
        api=ApiInfo("a1b2c3d4e5", "user-api", "REST", "prod", "us-east-1", "https://a1b2c3d4e5.example/prod"),
        rows=rows,
        exec_lines=_execution_logs(rows),
        lambda_lines=_lambda_logs(),
        waf_rows=_waf(),
        metric_rows=_metrics(),
        token=TokenFinding(("expired",), ("exp 2026-11-24T00:58:00Z is before the window",), {"iss": "x"}),
        checks=[
            Check("access-logs", "ok", detail={"lines": n_requests, "unparsed": 2}),
            Check("execution-logs", "ok"),
            Check("waf-sampled-requests", "skipped", "AccessDenied: wafv2:GetSampledRequests"),
        ],
        missing={"authorizer_error"},
        unparsed_lines=2,
        logs_bytes_scanned=123456,
        api_calls=14,
    )
    return stage.build()


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
