"""Next month's usage of a live API stage, read from AWS (or the sandbox): the input to `estimate`.

Reads, all read-only: the stage (through `aws.resolve.resolve_api`), the usage plans bound to it with their
keys and per-key usage (GetUsage), the `Count` metric (WebSocket: `MessageCount`) summed
per day over the window, and for every Lambda function behind the routes its memory, architecture,
`Invocations` and average `Duration`. The month ahead is the window's daily average times 30 days.

What cannot be read is said, not guessed silently: when GetUsage is unavailable (moto lacks it; some
accounts deny it), the stage's `Count` is shared across usage plans by their keys and quotas, and the
estimate's assumptions say so. Payload sizes are not in any metric; the caller passes them as flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from apigwops.apitypes import profile
from apigwops.aws.errors import skip_reason
from apigwops.cost.model import ApiType, LambdaUsage, Usage, UsagePlanTier, WafUsage
from apigwops.runtime import Runtime

# Only AWS's answers (denied, not implemented, throttled) degrade the estimate; a bug still surfaces.
AWS_ERRORS: tuple[type[Exception], ...] = (ClientError, BotoCoreError)
DAYS_PER_MONTH = Decimal(30)
DAY_SECONDS = 86400
QUOTA_PERIOD_TO_MONTH = {"DAY": Decimal(30), "WEEK": Decimal(30) / 7, "MONTH": Decimal(1)}


@dataclass(frozen=True)
class FunctionUse:
    name: str
    memory_mb: int
    arch: str
    invocations: Decimal
    duration_ms: Decimal


def usage_from_stage(runtime: Runtime, api: str, stage: str, *, days: int = 30) -> Usage:
    """The usage to price for one stage, projected to a 30-day month from the last `days` days."""
    from apigwops.aws.resolve import resolve_api

    aws = runtime.aws
    resolved = resolve_api(aws, api, stage)
    info = resolved.info
    end = runtime.clock()
    start = end - timedelta(days=days)
    scale = DAYS_PER_MONTH / Decimal(days)
    notes: list[str] = [
        f"live usage of {info.name} ({info.id}) stage {info.stage}: the last {days} days, scaled to 30 days",
        "payload sizes are not in CloudWatch metrics: pass --request-kb/--response-kb (default 1 KB / 0 KB)",
    ]
    runtime.progress.step(f"reading {days} days of usage for {info.name} stage {info.stage}")
    dims = _api_dimensions(info.type, info.name, info.id, info.stage)
    api_type: ApiType = profile(info.type).pricing
    messages = minutes = Decimal(0)
    if api_type == "websocket":
        messages = _metric_sum(aws, "AWS/ApiGateway", "MessageCount", dims, start, end) * scale
        requests = Decimal(0)
        minutes = _connection_minutes(runtime, resolved.stage, start, end, notes) * scale
        notes.append(
            "WebSocket message sizes are not in any metric: pass --message-kb (each 32 KB, or part, is one "
            "billed message)"
        )
    else:
        requests = _metric_sum(aws, "AWS/ApiGateway", "Count", dims, start, end) * scale
    tiers: tuple[UsagePlanTier, ...] = ()
    if api_type == "rest":
        tiers = _usage_plan_tiers(runtime, info.id, info.stage, start, end, scale, requests, notes)
    cache_gb = None
    if resolved.stage.caching_enabled and resolved.stage.cache_size_gb:
        cache_gb = Decimal(str(resolved.stage.cache_size_gb))
    waf = _waf(runtime, resolved.stage.web_acl_arn, notes) if api_type == "rest" else None
    fn = _lambda(runtime, api_type, info.id, info.stage, start, end, scale, notes)
    return Usage(
        api_type=api_type,
        region=info.region,
        requests=requests.to_integral_value(),
        messages=messages.to_integral_value(),
        connection_minutes=minutes.quantize(Decimal("0.001")),
        cache_gb=cache_gb,
        lambda_=fn,
        waf=waf,
        tiers=tiers,
        notes=tuple(notes),
    )


def _connection_minutes(
    runtime: Runtime, stage: Any, start: datetime, end: datetime, notes: list[str]
) -> Decimal:
    """WebSocket connection minutes from the access log's DISCONNECT lines (no metric counts them)."""
    from apigwops.cost.connection_minutes import read_connection_minutes

    runtime.progress.step("reading WebSocket connection minutes from the access log")
    try:
        found = read_connection_minutes(runtime, stage, start, end)
    except AWS_ERRORS as exc:
        reason = skip_reason(exc, "logs")
        notes.append(f"connection minutes could not be read ({reason}): pass --connection-minutes")
        return Decimal(0)
    notes.append(found.note)
    return found.minutes


def _api_dimensions(api_type: str, name: str, api_id: str, stage: str) -> list[dict[str, str]]:
    """REST metrics are keyed by API name, HTTP and WebSocket metrics by API id."""
    dimensions = profile(api_type).dimensions(name, api_id, stage)
    return [{"Name": key, "Value": value} for key, value in dimensions.items()]


def _metric_sum(
    aws: Any, namespace: str, metric: str, dims: list[dict[str, str]], start: datetime, end: datetime
) -> Decimal:
    points = _datapoints(aws, namespace, metric, dims, start, end, "Sum")
    return sum((Decimal(str(p["Sum"])) for p in points), Decimal(0))


def _datapoints(
    aws: Any,
    namespace: str,
    metric: str,
    dims: list[dict[str, str]],
    start: datetime,
    end: datetime,
    stat: str,
) -> list[dict[str, Any]]:
    """Daily datapoints (GetMetricStatistics allows 1,440 points per call: 30 days at 86,400 s is 30)."""
    response = aws.client("cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=dims,
        StartTime=start,
        EndTime=end,
        Period=DAY_SECONDS,
        Statistics=[stat],
    )
    points: list[dict[str, Any]] = response.get("Datapoints", [])
    return points


def _monthly_quota(plan: dict[str, Any]) -> Decimal | None:
    quota = plan.get("quota") or {}
    if not quota.get("limit"):
        return None
    factor = QUOTA_PERIOD_TO_MONTH.get(str(quota.get("period", "MONTH")).upper(), Decimal(1))
    return Decimal(int(quota["limit"])) * factor


def _usage_plan_tiers(
    runtime: Runtime,
    api_id: str,
    stage: str,
    start: datetime,
    end: datetime,
    scale: Decimal,
    stage_requests: Decimal,
    notes: list[str],
) -> tuple[UsagePlanTier, ...]:
    from apigwops.aws.paging import all_items
    from apigwops.evidence.apigw_items import plans_for_stage, usage_totals

    client = runtime.aws.client("apigateway")
    plans = plans_for_stage(all_items(client, "get_usage_plans", "items"), api_id, stage)
    if not plans:
        notes.append("no usage plan is bound to this stage")
        return ()
    keys_by_plan = {
        p["id"]: all_items(client, "get_usage_plan_keys", "items", usagePlanId=p["id"]) for p in plans
    }
    used: dict[str, Decimal] = {}
    unavailable: str | None = None
    for plan in plans:
        items: dict[str, list[list[int]]] = {}
        try:
            pages = client.get_paginator("get_usage").paginate(
                usagePlanId=plan["id"], startDate=start.strftime("%Y-%m-%d"), endDate=end.strftime("%Y-%m-%d")
            )
            for page in pages:  # GetUsage pages by key (`position`)
                items.update(page.get("items") or {})
        except AWS_ERRORS as exc:  # denied or not implemented: only the split degrades
            unavailable = skip_reason(exc, "apigateway", "GetUsage")
            break
        used[plan["id"]] = Decimal(sum(usage_totals(items).values())) * scale
    tiers = []
    for plan in plans:
        throttle = plan.get("throttle") or {}
        rate = throttle.get("rateLimit")
        tiers.append(
            UsagePlanTier(
                name=str(plan.get("name") or plan["id"]),
                keys=len(keys_by_plan[plan["id"]]),
                requests=used.get(plan["id"], Decimal(0)).to_integral_value(),
                quota_per_key=_monthly_quota(plan),
                rate_per_second=Decimal(str(rate)) if rate is not None else None,
                burst=throttle.get("burstLimit"),
            )
        )
    if unavailable is not None:
        notes.append(
            f"per-key usage unavailable ({unavailable}): the stage's Count is shared across usage plans by "
            "keys x monthly quota (unlimited plans: keys x rate limit)"
        )
        tiers = _share_by_capacity(tiers, stage_requests)
    return tuple(tiers)


def _share_by_capacity(tiers: list[UsagePlanTier], total: Decimal) -> list[UsagePlanTier]:
    from dataclasses import replace

    def weight(t: UsagePlanTier) -> Decimal:
        per_key = (
            t.quota_per_key if t.quota_per_key is not None else (t.rate_per_second or Decimal(0)) * 86400 * 30
        )
        return per_key * t.keys

    weights = [weight(t) for t in tiers]
    whole = sum(weights, Decimal(0))
    if not whole:
        return tiers
    return [
        replace(t, requests=(total * w / whole).to_integral_value())
        for t, w in zip(tiers, weights, strict=True)
    ]


def _waf(runtime: Runtime, acl_arn: str | None, notes: list[str]) -> WafUsage | None:
    if not acl_arn:
        return None
    # arn:aws:wafv2:region:account:regional/webacl/NAME/ID
    parts = acl_arn.split(":", 5)[-1].split("/")
    if len(parts) < 4:
        notes.append(f"WAF web ACL {acl_arn} not understood; priced as one ACL with no rules")
        return WafUsage(1, 0)
    scope = "CLOUDFRONT" if parts[0] == "global" else "REGIONAL"
    try:
        acl = runtime.aws.client("wafv2").get_web_acl(Name=parts[2], Id=parts[3], Scope=scope)["WebACL"]
    except AWS_ERRORS as exc:
        notes.append(f"WAF rules not read ({skip_reason(exc, 'wafv2', 'GetWebACL')}); priced with no rules")
        return WafUsage(1, 0)
    return WafUsage(1, len(acl.get("Rules", [])))


def _function_names(runtime: Runtime, api_type: ApiType, api_id: str) -> list[str]:
    from apigwops.aws.paging import all_items
    from apigwops.evidence.apigw_items import rest_routes, v2_routes

    if api_type == "rest":
        resources = all_items(
            runtime.aws.client("apigateway"), "get_resources", "items", restApiId=api_id, embed=["methods"]
        )
        routes = [r for r, _ in rest_routes(resources, {})]
    else:
        v2 = runtime.aws.client("apigatewayv2")
        routes = [
            r
            for r, _ in v2_routes(
                all_items(v2, "get_routes", "Items", ApiId=api_id),
                all_items(v2, "get_integrations", "Items", ApiId=api_id),
                {},
            )
        ]
    return sorted({r.function_name for r in routes if r.function_name and "${" not in r.function_name})


def _lambda(
    runtime: Runtime,
    api_type: ApiType,
    api_id: str,
    stage: str,
    start: datetime,
    end: datetime,
    scale: Decimal,
    notes: list[str],
) -> LambdaUsage | None:
    try:
        names = _function_names(runtime, api_type, api_id)
    except AWS_ERRORS as exc:
        notes.append(f"Lambda integrations not read ({skip_reason(exc, 'apigateway', 'GetResources')})")
        return None
    uses: list[FunctionUse] = []
    for name in names:
        try:
            config = runtime.aws.client("lambda").get_function_configuration(FunctionName=name)
        except AWS_ERRORS as exc:
            notes.append(f"Lambda {name} not read ({skip_reason(exc, 'lambda', 'GetFunctionConfiguration')})")
            continue
        dims = [{"Name": "FunctionName", "Value": name}]
        invocations = _metric_sum(runtime.aws, "AWS/Lambda", "Invocations", dims, start, end) * scale
        points = _datapoints(runtime.aws, "AWS/Lambda", "Duration", dims, start, end, "Average")
        weights = [Decimal(str(p.get("SampleCount", 1) or 1)) for p in points]
        average = (
            sum((Decimal(str(p["Average"])) * w for p, w in zip(points, weights, strict=True)), Decimal(0))
            / sum(weights, Decimal(0))
            if points
            else Decimal(0)
        )
        arch = "arm64" if "arm64" in (config.get("Architectures") or ["x86_64"]) else "x86"
        uses.append(FunctionUse(name, int(config.get("MemorySize", 128)), arch, invocations, average))
    if not uses:
        return None
    return combine_functions(uses, notes)


def combine_functions(uses: list[FunctionUse], notes: list[str]) -> LambdaUsage:
    """One LambdaUsage with the same GB-seconds as the functions together (memory and duration weighted)."""
    invocations = sum((u.invocations for u in uses), Decimal(0))
    gb_ms = sum((u.invocations * u.duration_ms * u.memory_mb for u in uses), Decimal(0))
    memory = (
        sum((u.memory_mb * u.invocations for u in uses), Decimal(0)) / invocations
        if invocations
        else Decimal(max(u.memory_mb for u in uses))
    )
    duration = gb_ms / (invocations * memory) if invocations and memory else Decimal(0)
    arm = sum((u.invocations for u in uses if u.arch == "arm64"), Decimal(0))
    arch = "arm64" if arm * 2 > invocations else "x86"
    described = ", ".join(f"{u.name} ({u.memory_mb} MB, {u.arch}, {u.duration_ms:.0f} ms avg)" for u in uses)
    notes.append(f"Lambda functions behind the routes: {described}")
    if len({u.arch for u in uses}) > 1:
        notes.append(f"functions on both architectures priced as {arch}")
    return LambdaUsage(
        memory_mb=memory.quantize(Decimal("0.01")),
        duration_ms=duration.quantize(Decimal("0.01")),
        arch=arch,  # type: ignore[arg-type]
        requests=invocations.to_integral_value(),
    )
