"""The local stage's request pipeline: what API Gateway decides for one request, in AWS's order.

REST (signals reference §1.1): WAF, route match (403 Missing Authentication Token), Cognito authorizer,
API key and usage plan (403 / 429), then the Lambda proxy integration with its failure modes. HTTP APIs
(§1.3): route match (404), JWT authorizer, integration; no WAF, API keys or execution logs. The result is the
reply to send plus everything AWS would record about the request (`Recorded`, in `exchange.py`), which
`records.py` turns into log lines and metrics. Each step lives in its own module and gets a small context with
only what it needs (`WafContext`, `AuthorizerContext`, `UsagePlanContext`, `IntegrationContext`); gateway
error replies come from `responses.py`. This module orders the steps and decides what no step owns (route
match, resource policy, stage and account throttling). Latencies are virtual milliseconds, as AWS would log them; the reply's `delay_s`
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
from dataclasses import dataclass
from datetime import UTC, datetime

from apigwops.sandbox import constants as c
from apigwops.sandbox.authorizer_step import AuthorizerContext, authorize
from apigwops.sandbox.backend import LambdaBackend
from apigwops.sandbox.exchange import Recorded, StageReply, StageRequest
from apigwops.sandbox.faults import FaultSet
from apigwops.sandbox.integration import IntegrationContext, integrate
from apigwops.sandbox.limits import UsagePlanLimiter
from apigwops.sandbox.responses import gateway_error, http_error
from apigwops.sandbox.tokens import TokenAuthority
from apigwops.sandbox.usage_plan_step import UsagePlanContext, check_usage_plan
from apigwops.sandbox.waf import WebAcl
from apigwops.sandbox.waf_step import WafContext, screen


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
        self.time_scale = time_scale
        self.rng = rng
        self.on_record = on_record
        self.rest = api.api_type == "REST"
        # One dice (`rng`) for every step, drawn in request order: a seed gives the same traffic as before.
        self._waf = WafContext(web_acl, faults, rng) if self.rest and web_acl is not None else None
        self._authorizer = AuthorizerContext(api.authorizer_id, tokens, faults, rng)
        self._usage_plans = UsagePlanContext(api.api_id, api.keys, api.key_ids, api.plan_ids, limiter, faults)
        self._integration = IntegrationContext(api.function_arn, backend, faults, rng)

    # -- entry point -------------------------------------------------------------------------------------
    def handle(self, req: StageRequest) -> StageReply:
        start = time.time()
        rec = Recorded(self.api.api_type, start, self._base_context(req, start))
        reply = self._decide(req, rec)
        overhead = self.rng.uniform(8.0, 11.0)
        latency = overhead + (rec.integration_latency_ms or 0.0) + rec.authorizer_latency_ms
        latency += float(rec.context.get("waf.latency", "0") if rec.waf else 0.0)
        rec.response_latency_ms = latency
        rec.status = reply.status
        ctx = rec.context
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
        if self._waf is not None and screen(self._waf, req, rec):
            return gateway_error(rec, "waf-filtered")
        stage_prefix = f"/{c.STAGE}"
        sub_path = req.path[len(stage_prefix) :] if req.path.startswith(stage_prefix + "/") else None
        matched = match_route(req.method, sub_path) if sub_path else None
        if matched is None:
            # REST: 403 Missing Authentication Token, never in execution logs (§4.2 C11, KCMISS);
            # HTTP APIs: 404 Not Found (§4.8 C62).
            if self.rest:
                return gateway_error(rec, "missing-auth-token")
            return http_error(rec, 404, "-", "Not Found")
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
                return gateway_error(rec, "resource-policy-deny", message)
        else:
            ctx["routeKey"] = route.route_key
        if route.auth:
            denied = authorize(self._authorizer, req, rec)
            if denied is not None:
                return denied
        if self.rest and route.api_key:
            denied = check_usage_plan(self._usage_plans, req, rec, route)
            if denied is not None:
                return denied
        if self.faults.hit("stage-throttled") or self.faults.hit("account-throttled"):
            # Stage/route or account token bucket (§4.3 C30/C31): same client signal, told apart by config.
            if self.rest:
                return gateway_error(rec, "throttled")
            return http_error(rec, 429, "THROTTLED", "Too Many Requests")
        return integrate(self._integration, req, rec, route, path_id)
