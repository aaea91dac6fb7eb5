"""The local stage's request pipeline: what API Gateway decides for one request, in AWS's order.

REST (signals reference §1.1): WAF, route match (403 Missing Authentication Token), Cognito authorizer,
API key and usage plan (403 / 429), then the Lambda proxy integration with its failure modes. HTTP APIs
(§1.3): route match (404), JWT authorizer, integration; no WAF, API keys or execution logs. The result is the
reply to send plus everything AWS would record about the request (`Recorded`), which `records.py` turns
into log lines and metrics. Latencies are virtual milliseconds, as AWS would log them; the reply's `delay_s`
is the scaled wall time the stage waits before answering.
"""

from __future__ import annotations

import base64
import os
import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apigwops.sandbox import constants as c
from apigwops.sandbox.backend import Invocation, LambdaBackend, Outcome
from apigwops.sandbox.faults import FaultSet
from apigwops.sandbox.limits import UsagePlanLimiter
from apigwops.sandbox.responses import REST_ERRORS, GatewayError, error_body
from apigwops.sandbox.telemetry import mask_api_key
from apigwops.sandbox.tokens import TokenAuthority, TokenCheck
from apigwops.sandbox.waf import COUNTRY_HEADER, WafRequest, WafVerdict, WebAcl

LAMBDA_SERVICE_MS = 12.0  # Lambda service overhead around the function's own duration


@dataclass(frozen=True)
class StageRequest:
    method: str
    path: str  # as received, including the stage: /prod/users/7
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    peer_ip: str


@dataclass
class StageReply:
    status: int
    body: bytes
    headers: list[tuple[str, str]]
    delay_s: float
    release: Callable[[], None] | None = None


@dataclass
class Recorded:
    """What AWS would know about one request; `records.py` renders it."""

    api_type: c.ApiType
    start_s: float
    context: dict[str, str]
    exec_lines: list[str] = field(default_factory=list)
    invocation: Invocation | None = None
    lambda_throttled: bool = False
    integration_latency_ms: float | None = None
    response_latency_ms: float = 0.0
    waf: WafVerdict | None = None
    waf_request: WafRequest | None = None
    status: int = 200


@dataclass(frozen=True)
class ApiInfo:
    """The provisioned API this stage serves."""

    api_type: c.ApiType
    api_id: str
    api_name: str
    authorizer_id: str
    resource_ids: dict[str, str]
    function_arn: str
    keys: dict[str, str]  # key value -> tier
    key_ids: dict[str, str]  # tier -> key id
    plan_ids: dict[str, str]  # tier -> usage plan id


def _route_pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", r"([^/]+)", re.escape(template)) + "$")


ROUTE_PATTERNS = [(route, _route_pattern(route.path)) for route in c.ROUTES]


def match_route(method: str, path: str) -> tuple[c.Route, str | None] | None:
    for route, pattern in ROUTE_PATTERNS:
        found = pattern.match(path)
        if found and route.method == method:
            return route, (found.group(1) if found.groups() else None)
    return None


def extended_request_id() -> str:
    return base64.b64encode(os.urandom(11)).decode()  # e.g. Mc7UVioPPHcEKPA= (§3.2)


class Pipeline:
    """One API's stage. Thread-safe: the HTTP server calls `handle` from many threads."""

    def __init__(
        self,
        api: ApiInfo,
        *,
        faults: FaultSet,
        tokens: TokenAuthority,
        limiter: UsagePlanLimiter,
        backend: LambdaBackend,
        web_acl: WebAcl | None,
        time_scale: float,
        rng: random.Random,
        on_record: Callable[[Recorded], None],
    ) -> None:
        self.api = api
        self.faults = faults
        self.tokens = tokens
        self.limiter = limiter
        self.backend = backend
        self.web_acl = web_acl
        self.time_scale = time_scale
        self.rng = rng
        self.on_record = on_record
        self.rest = api.api_type == "REST"

    # -- entry point -------------------------------------------------------------------------------------
    def handle(self, req: StageRequest) -> StageReply:
        start = time.time()
        rec = Recorded(self.api.api_type, start, self._base_context(req, start))
        reply = self._decide(req, rec)
        overhead = self.rng.uniform(8.0, 11.0)
        latency = overhead + (rec.integration_latency_ms or 0.0) + float(rec.context.get("_auth_ms", 0.0))
        latency += float(rec.context.get("waf.latency", "0") if rec.waf else 0.0)
        rec.response_latency_ms = latency
        rec.status = reply.status
        ctx = rec.context
        ctx.pop("_auth_ms", None)
        ctx["status"] = str(reply.status)
        ctx["responseLength"] = str(len(reply.body))
        ctx["responseLatency"] = str(round(latency))
        if not self.rest:
            ctx["dataProcessed"] = str(len(req.body) + len(reply.body))
        reply.delay_s = latency / 1000.0 * self.time_scale
        if self.rest and rec.exec_lines:
            rec.exec_lines.append(f"Method completed with status: {reply.status}")
        self.on_record(rec)
        return reply

    def _base_context(self, req: StageRequest, start: float) -> dict[str, str]:
        request_id = str(uuid.uuid4()) if self.rest else extended_request_id()
        ip = req.headers.get("x-forwarded-for", "").split(",")[0].strip() or req.peer_ip
        return {
            "requestId": request_id,
            "extendedRequestId": extended_request_id() if self.rest else request_id,
            "requestTimeEpoch": str(int(start * 1000)),
            "requestTime": datetime.fromtimestamp(start, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "apiId": self.api.api_id,
            "stage": c.STAGE,
            "domainName": f"{self.api.api_id}.execute-api.{c.REGION}.amazonaws.com",
            "httpMethod": req.method,
            "path": req.path,
            "protocol": "HTTP/1.1",
            "identity.sourceIp": ip,
            "identity.userAgent": req.headers.get("user-agent", "-"),
            "routeKey": "-",
            "resourcePath": "-",
        }

    # -- the decision, step by step ----------------------------------------------------------------------
    def _decide(self, req: StageRequest, rec: Recorded) -> StageReply:
        ctx = rec.context
        if self.rest and self.web_acl is not None:
            blocked = self._waf(req, rec)
            if blocked:
                return self._gateway_error(rec, "waf-filtered")
        stage_prefix = f"/{c.STAGE}"
        sub_path = req.path[len(stage_prefix) :] if req.path.startswith(stage_prefix + "/") else None
        matched = match_route(req.method, sub_path) if sub_path else None
        if matched is None:
            # REST: 403 Missing Authentication Token, never in execution logs (§4.2 C11, KCMISS);
            # HTTP APIs: 404 Not Found (§4.8 C62).
            if self.rest:
                return self._gateway_error(rec, "missing-auth-token")
            return self._http_error(rec, 404, "-", "Not Found")
        route, path_id = matched
        if self.rest:
            ctx["resourcePath"] = route.path
            ctx["resourceId"] = self.api.resource_ids.get(route.path, "-")
            rec.exec_lines.append(f"Extended Request Id: {ctx['extendedRequestId']}")
            if self.faults.hit("resource-policy-deny"):
                # Pre-authorization explicit deny of the resource policy (§4.2 C19, AFLOW).
                arn = f"arn:aws:execute-api:{c.REGION}:{c.ACCOUNT_ID}:{self.api.api_id}/{c.STAGE}/{route.method}{sub_path}"
                message = f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn} with an explicit deny"
                rec.exec_lines.append(message)
                return self._gateway_error(rec, "resource-policy-deny", message)
        else:
            ctx["routeKey"] = route.route_key
        if route.auth:
            denied = self._authorize(req, rec)
            if denied is not None:
                return denied
        if self.rest and route.api_key:
            denied = self._usage_plan(req, rec, route)
            if denied is not None:
                return denied
        if self.faults.hit("stage-throttled") or self.faults.hit("account-throttled"):
            # Stage/route or account token bucket (§4.3 C30/C31): same client signal, told apart by config.
            if self.rest:
                return self._gateway_error(rec, "throttled")
            return self._http_error(rec, 429, "THROTTLED", "Too Many Requests")
        return self._integrate(req, rec, route, path_id)

    def _waf(self, req: StageRequest, rec: Recorded) -> bool:
        assert self.web_acl is not None
        forwarded = req.headers.get("x-forwarded-for", "").split(",")[0].strip() or None
        wreq = WafRequest(
            client_ip=req.peer_ip,
            forwarded_ip=forwarded,
            country=req.headers.get(COUNTRY_HEADER, "US").upper(),
            method=req.method,
            uri=req.path,
            args=req.query,
            body=req.body.decode("utf-8", "replace"),
            headers=tuple((k, v) for k, v in req.headers.items()),
        )
        verdict = self.web_acl.evaluate(
            wreq, force_sqli=self.faults.hit("waf-sqli"), force_rate=self.faults.hit("waf-rate-limit")
        )
        rec.waf, rec.waf_request = verdict, wreq
        ctx = rec.context
        ctx["waf.latency"] = str(self.rng.randint(1, 3))
        ctx["waf.status"] = "403" if verdict.blocked else "200"
        ctx["wafResponseCode"] = "WAF_BLOCK" if verdict.blocked else "WAF_ALLOW"
        return verdict.blocked

    def _authorize(self, req: StageRequest, rec: Recorded) -> StageReply | None:
        ctx = rec.context
        header = req.headers.get("authorization")
        if self.faults.hit("missing-identity-source"):
            header = None
        if not header:
            # Identity source missing: 401 without invoking or logging the authorizer (§4.1 C01, LAUTH).
            return self._unauthorized(rec, TokenCheck(None, "missing"))
        auth_ms = self.rng.uniform(4.0, 15.0)
        if self.faults.hit("slow-authorizer"):
            auth_ms += self.rng.uniform(1000.0, 3000.0)
        ctx["_auth_ms"] = str(auth_ms)
        if self.rest:  # HTTP APIs log only $context.authorizer.error of these (§5)
            ctx["authorizer.latency"] = str(round(auth_ms))
            ctx["authorizer.integrationLatency"] = str(round(auth_ms * 0.8))
            rid = ctx["requestId"]
            rec.exec_lines.append(f"Starting authorizer: {self.api.authorizer_id} for request: {rid}")
        if self.faults.hit("authorizer-error"):
            ctx["authorizer.error"] = "Authorizer configuration error"
            if self.rest:
                ctx["authorizer.status"] = "500"
                rec.exec_lines.append("Execution failed due to configuration error: Authorizer error")
                return self._gateway_error(rec, "authorizer-config")
            return self._http_error(rec, 500, "AUTHORIZER_CONFIGURATION_ERROR", "Internal Server Error")
        check = self.tokens.check(header, require_id_token=self.rest)
        if check.ok and self.faults.hit("expired-tokens"):
            check = TokenCheck(check.claims, "expired")
        if check.ok and self.faults.hit("wrong-audience"):
            check = TokenCheck(check.claims, "audience")
        if check.ok and self.faults.hit("authorizer-unauthorized"):
            check = TokenCheck(check.claims, "invalid")
        if not check.ok:
            ctx["authorizer.status"] = "401" if self.rest else "-"
            return self._unauthorized(rec, check)
        claims = check.claims or {}
        ctx["authorizer.status"] = "200" if self.rest else "-"
        ctx["authorizer.principalId"] = str(claims.get("sub", "-"))
        ctx["authorizer.claims.sub"] = str(claims.get("sub", "-"))
        if self.faults.hit("authorizer-deny"):
            # The authorizer answered with a Deny policy (§4.2 C21): 403 AccessDeniedException on REST.
            if self.rest:
                ctx["authorizer.status"] = "403"
                rec.exec_lines.append(
                    f'Authorizer result body before parsing: {{"principalId":"{claims.get("sub")}",'
                    '"policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke",'
                    '"Effect":"Deny","Resource":"*"}]}}'
                )
                return self._gateway_error(rec, "authorizer-deny")
            return self._http_error(rec, 403, "ACCESS_DENIED", "Forbidden")
        if self.rest:
            rec.exec_lines.append("Successfully completed authorizer execution")
        return None

    def _unauthorized(self, rec: Recorded, check: TokenCheck) -> StageReply:
        ctx = rec.context
        if self.rest:
            if check.problem != "missing":
                rec.exec_lines.append(f"Unauthorized request: {ctx['requestId']}")
            return self._gateway_error(rec, "token-expired" if check.problem == "expired" else "unauthorized")
        # HTTP JWT authorizer: 401 + www-authenticate (§3.2, §4.1 C07/C08). Only the audience description is
        # documented by AWS; the others are the same style, marked [UNCONFIRMED] in docs/sandbox.md.
        descriptions = {
            "audience": "the token does not have a valid audience",
            "expired": "the token has expired",
            "issuer": "the token does not have a valid issuer",
            "invalid": "the token is not valid",
        }
        challenge = 'Bearer scope="" error="invalid_token"'
        if check.problem in descriptions:
            challenge += f' error_description="{descriptions[check.problem]}"'
            ctx["authorizer.error"] = descriptions[check.problem]
        reply = self._http_error(rec, 401, "UNAUTHORIZED", "Unauthorized")
        reply.headers.append(("www-authenticate", challenge))
        return reply

    def _usage_plan(self, req: StageRequest, rec: Recorded, route: c.Route) -> StageReply | None:
        ctx = rec.context
        key = req.headers.get("x-api-key", "")
        if self.faults.hit("missing-api-key"):
            key = ""
        masked = mask_api_key(key)
        stage_ref = f"{self.api.api_id}/{c.STAGE}"
        rec.exec_lines.append(
            f"Verifying Usage Plan for request: {ctx['requestId']}. API Key: {masked} API Stage: {stage_ref}"
        )
        tier = self.api.keys.get(key)
        if tier is None:
            rec.exec_lines.append("Invalid API Key identifier specified")
            return self._gateway_error(rec, "invalid-api-key")
        ctx["identity.apiKeyId"] = self.api.key_ids[tier]
        plan = self.api.plan_ids[tier]
        decision = self.limiter.check(key, tier, quota_exhausted=self.faults.hit("quota-exhausted"))
        if decision == "quota":
            limit = next(t.quota_per_month for t in c.TIERS if t.name == tier)
            rec.exec_lines.append(
                f"API Key {masked} exceeded quota limit for API Stage {stage_ref}: Key quota exhausted for "
                f"Usage Plan ID {plan}. Limit: {limit} Period: MONTH"
            )
            return self._gateway_error(rec, "quota-exceeded")
        if decision == "throttled":
            spec = next(t for t in c.TIERS if t.name == tier)
            rec.exec_lines.append(
                f"API Key {masked} exceeded throttle limit for API Stage {stage_ref}: Key throttle limit "
                f"exceeded for Usage Plan ID {plan}, RestApi {self.api.api_id}, Stage {c.STAGE}, Resource "
                f"{ctx.get('resourceId', '-')}, HttpMethod {route.method}. Limit: {spec.rate_per_s:.2f} "
                f"Burst: {spec.burst}"
            )
            return self._gateway_error(rec, "throttled")
        rec.exec_lines.append(f"Usage Plan check succeeded for API Key {masked} and API Stage {stage_ref}")
        return None

    def _integrate(self, req: StageRequest, rec: Recorded, route: c.Route, path_id: str | None) -> StageReply:
        from apigwops.sandbox.integration import integrate

        return integrate(self, req, rec, route, path_id)

    # -- gateway answers ---------------------------------------------------------------------------------
    def _gateway_error(self, rec: Recorded, name: str, message: str | None = None) -> StageReply:
        if not self.rest:
            raise AssertionError(f"REST gateway response {name} on an HTTP API")
        error: GatewayError = REST_ERRORS[name]
        if message is not None:
            error = GatewayError(error.response_type, error.status, message, error.error_type)
        ctx = rec.context
        ctx["error.responseType"] = error.response_type
        ctx["error.message"] = error.message if error.message is not None else "-"
        return StageReply(
            error.status,
            error_body("REST", error.status, error.message),
            [*self.rest_headers(rec), ("x-amzn-ErrorType", error.error_type)],
            0.0,
        )

    def _http_error(self, rec: Recorded, status: int, response_type: str, message: str) -> StageReply:
        ctx = rec.context
        ctx["error.responseType"] = response_type
        ctx["error.message"] = message
        return StageReply(status, error_body("HTTP", status, message), self.http_headers(rec), 0.0)

    def rest_headers(self, rec: Recorded) -> list[tuple[str, str]]:
        ctx = rec.context
        return [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", ctx["requestId"]),
            ("x-amz-apigw-id", ctx["extendedRequestId"]),
        ]

    def http_headers(self, rec: Recorded) -> list[tuple[str, str]]:
        return [("Content-Type", "application/json"), ("apigw-requestid", rec.context["requestId"])]

    def invoke(self, route: c.Route, path_id: str | None, outcome: Outcome, **kw: Any) -> Invocation:
        return self.backend.invoke(
            route_key=route.route_key,
            path_id=path_id,
            outcome=outcome,
            force_cold=self.faults.hit("cold-starts"),
            **kw,
        )
