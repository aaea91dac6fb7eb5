"""The API key and usage-plan step of REST stages: 403 for a missing or unknown key (§4.2 C23), 429 Limit
Exceeded for an exhausted quota (C33), 429 Too Many Requests from the per-key token bucket (C32), with the
execution-log lines AWS writes for each (§9.3, §9.4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from apigwops.sandbox import constants as c
from apigwops.sandbox.exchange import Recorded, StageReply, StageRequest
from apigwops.sandbox.faults import FaultSet
from apigwops.sandbox.limits import UsagePlanLimiter
from apigwops.sandbox.responses import gateway_error
from apigwops.sandbox.telemetry import mask_api_key


@dataclass(frozen=True)
class UsagePlanContext:
    """What the usage-plan step needs from its stage: the API's id, its keys and plans, the limiter, faults."""

    api_id: str
    keys: Mapping[str, str]  # key value -> tier
    key_ids: Mapping[str, str]  # tier -> key id
    plan_ids: Mapping[str, str]  # tier -> usage plan id
    limiter: UsagePlanLimiter
    faults: FaultSet


def check_usage_plan(
    plans: UsagePlanContext, req: StageRequest, rec: Recorded, route: c.Route
) -> StageReply | None:
    """None when the key is valid and within its limits; otherwise the 403 or 429 AWS answers."""
    ctx = rec.context
    key = req.headers.get("x-api-key", "")
    if plans.faults.hit("missing-api-key"):
        key = ""
    masked = mask_api_key(key)
    stage_ref = f"{plans.api_id}/{c.STAGE}"
    rec.exec_lines.append(
        f"Verifying Usage Plan for request: {ctx['requestId']}. API Key: {masked} API Stage: {stage_ref}"
    )
    tier = plans.keys.get(key)
    if tier is None:
        rec.exec_lines.append("Invalid API Key identifier specified")
        return gateway_error(rec, "invalid-api-key")
    ctx["identity.apiKeyId"] = plans.key_ids[tier]
    plan = plans.plan_ids[tier]
    decision = plans.limiter.check(key, tier, quota_exhausted=plans.faults.hit("quota-exhausted"))
    if decision == "quota":
        limit = next(t.quota_per_month for t in c.TIERS if t.name == tier)
        rec.exec_lines.append(
            f"API Key {masked} exceeded quota limit for API Stage {stage_ref}: Key quota exhausted for "
            f"Usage Plan ID {plan}. Limit: {limit} Period: MONTH"
        )
        return gateway_error(rec, "quota-exceeded")
    if decision == "throttled":
        spec = next(t for t in c.TIERS if t.name == tier)
        rec.exec_lines.append(
            f"API Key {masked} exceeded throttle limit for API Stage {stage_ref}: Key throttle limit "
            f"exceeded for Usage Plan ID {plan}, RestApi {plans.api_id}, Stage {c.STAGE}, Resource "
            f"{ctx.get('resourceId', '-')}, HttpMethod {route.method}. Limit: {spec.rate_per_s:.2f} "
            f"Burst: {spec.burst}"
        )
        return gateway_error(rec, "throttled")
    rec.exec_lines.append(f"Usage Plan check succeeded for API Key {masked} and API Stage {stage_ref}")
    return None
