"""Prices one month of `Usage` the way AWS bills it.

Tiered prices apply to the account's total volume in a region (API Gateway requests, Lambda GB-seconds per
architecture, data transfer out), so the estimator prices the whole volume once; `allocation` then shares
each component back to the usage-plan tiers. Metering increments are applied before pricing, free-tier
allowances only when asked (`Options.free_tier`), and nothing is rounded until the renderer shows cents.
"""

from __future__ import annotations

from decimal import Decimal

from apigwops.cost.allocation import allocate, worst_case_usage
from apigwops.cost.catalog import Catalog, Price
from apigwops.cost.model import Component, Estimate, Options, Usage
from apigwops.cost.money import ZERO, PriceTier, TierSlice, graduated
from apigwops.cost.units import (
    KB_PER_GB,
    MB_PER_GB,
    WEBSOCKET_MAX_KB,
    http_metered_requests,
    websocket_metered_messages,
)
from apigwops.errors import UsageError

LAMBDA_FREE_EPHEMERAL_MB = Decimal(512)
SECONDS_PER_HOUR = Decimal(3600)


def estimate(usage: Usage, catalog: Catalog, options: Options | None = None) -> Estimate:
    """The month's bill for `usage`, with per-tier shares, the worst case and every assumption made."""
    opts = options or Options()
    builder = _Bill(usage, catalog, opts)
    builder.run()
    _check_size(builder.components)
    components = tuple(builder.components)
    tiers = allocate(components, usage.tiers, usage.requests)
    worst_usd: Decimal | None = None
    worst_requests: Decimal | None = None
    worst = worst_case_usage(usage, opts.hours_per_month)
    if worst is not None:
        worst_bill = _Bill(worst, catalog, opts)
        worst_bill.run()
        _check_size(worst_bill.components)
        worst_usd = sum((c.usd for c in worst_bill.components), ZERO)
        worst_requests = worst.requests
        builder.assumptions.append(
            "worst case: every key uses its full monthly quota; unlimited tiers run at their rate limit "
            f"for {opts.hours_per_month} hours"
        )
    region = catalog.region(usage.region)
    return Estimate(
        region=usage.region,
        api_type=usage.api_type,
        components=components,
        tiers=tiers,
        assumptions=tuple(dict.fromkeys([*usage.notes, *builder.assumptions, *builder.price_notes()])),
        price_date=region.date,
        price_origin=region.origin,
        worst_case_usd=worst_usd,
        worst_case_requests=worst_requests,
    )


# Each quantity is at most 10^15 (`units.MAX_QUANTITY`), but their products are not (keys x requests per key,
# requests x memory x duration). A month above a quadrillion dollars or units is a typo, and beyond ~10^26
# Decimal cannot even round it to the cent: say so in one line instead.
MAX_BILL = Decimal(10**15)


def _check_size(components: list[Component]) -> None:
    for line in components:
        if line.usd > MAX_BILL or line.quantity > MAX_BILL:
            raise UsageError(
                f"{line.component}: {line.quantity:.3E} {line.unit} costing ${line.usd:.3E} a month is beyond "
                "any real bill; check the quantities (requests, sizes, keys x requests per key)"
            )


class _Bill:
    """Collects components and assumptions for one estimate."""

    def __init__(self, usage: Usage, catalog: Catalog, options: Options) -> None:
        self.usage = usage
        self.catalog = catalog
        self.options = options
        self.components: list[Component] = []
        self.assumptions: list[str] = []
        self.used: dict[str, Price] = {}

    # -- helpers --------------------------------------------------------------------------------------------
    def price(self, price_id: str) -> Price:
        price = self.catalog.price(self.usage.region, price_id)
        self.used[price_id] = price
        return price

    def free(self, free_id: str) -> Decimal:
        return self.catalog.free_tier.get(free_id, ZERO) if self.options.free_tier else ZERO

    def add(
        self,
        component: str,
        quantity: Decimal,
        price_id: str,
        *,
        free_id: str | None = None,
        fixed: bool = False,
        tiers: tuple[PriceTier, ...] | None = None,
    ) -> None:
        """Price `quantity` through the price's tiers after the free allowance; skip empty lines."""
        if quantity <= 0:
            return
        price = self.price(price_id)
        allowance = self.free(free_id) if free_id else ZERO
        billable = max(ZERO, quantity - allowance)
        slices = graduated(billable, tiers or price.tiers)
        usd = sum((s.usd for s in slices), ZERO)
        detail = _describe(slices, price.unit)
        if allowance:
            detail = f"{_num(quantity)} - {_num(min(allowance, quantity))} free = {_num(billable)}; {detail}"
        self.components.append(
            Component(component, quantity, price.unit, usd, detail, "fixed" if fixed else "usage")
        )

    def price_notes(self) -> list[str]:
        notes = []
        for pid, price in sorted(self.used.items()):
            if price.status != "confirmed":
                notes.append(f"price {pid} (${price.first_unit_price} per {price.unit}) is {price.status}")
        return notes

    # -- the bill -------------------------------------------------------------------------------------------
    def run(self) -> None:
        u, o = self.usage, self.options
        self.catalog.region(u.region)
        self.assumptions.append(
            "free tier applied (12-month API Gateway allowances, always-free Lambda, CloudWatch, Cognito)"
            if o.free_tier
            else "no free tier (new accounts since 2025-07-15 get credits instead of the 12-month allowance)"
        )
        self.assumptions.append(f"{o.hours_per_month} hours per month for hourly charges")
        self.assumptions.append("sizes: 1 GB = 1,024 MB = 1,048,576 KB; 1 TB = 1,024 GB")
        self.api_requests()
        self.data_transfer()
        self.cache()
        self.privatelink()
        self.lambda_()
        self.waf()
        self.others()

    def api_requests(self) -> None:
        u = self.usage
        if u.api_type == "rest":
            if u.tiers:
                self.assumptions.append(
                    "API Gateway request tiers apply to the account's total in the region: priced on the "
                    "total, then shared back to usage-plan tiers by requests"
                )
            self.add("api-requests", u.requests, "apigateway.rest.request", free_id="apigateway.rest.request")
        elif u.api_type == "http":
            metered = http_metered_requests(u.requests, u.request_kb)
            if metered != u.requests:
                self.assumptions.append(
                    f"HTTP API requests of {u.request_kb} KB are metered as {metered / u.requests} requests each "
                    "(512 KB increments)"
                )
            self.add("api-requests", metered, "apigateway.http.request", free_id="apigateway.http.request")
        else:
            if u.message_kb > WEBSOCKET_MAX_KB:
                raise UsageError(f"--message-kb {u.message_kb}: WebSocket messages are at most 128 KB")
            metered = websocket_metered_messages(u.messages, u.message_kb)
            if metered != u.messages:
                self.assumptions.append(
                    f"WebSocket messages of {u.message_kb} KB are metered as {metered / u.messages} messages "
                    "each (32 KB increments)"
                )
            self.add(
                "websocket-messages",
                metered,
                "apigateway.websocket.message",
                free_id="apigateway.websocket.message",
            )
            self.add(
                "websocket-minutes",
                u.connection_minutes,
                "apigateway.websocket.minute",
                free_id="apigateway.websocket.minute",
            )

    def data_transfer(self) -> None:
        u, mode = self.usage, self.options.data_transfer
        if u.api_type == "websocket" or u.response_kb <= 0 or u.requests <= 0:
            return
        if u.endpoint_type == "private":
            self.assumptions.append("private API: no data transfer out; AWS PrivateLink charges instead")
            return
        if mode == "none":
            self.assumptions.append("data transfer out not priced (--data-transfer none)")
            return
        gb = u.requests * u.response_kb / KB_PER_GB
        price = self.price("datatransfer.out.internet")
        if mode == "flat":
            self.assumptions.append(
                f"data transfer out at a flat ${price.first_unit_price}/GB, ignoring volume tiers (as AWS's "
                "API Gateway examples do)"
            )
            flat = (PriceTier(ZERO, price.first_unit_price),)
            self.add("data-transfer-out", gb, "datatransfer.out.internet", tiers=flat)
        else:
            self.assumptions.append(
                "data transfer out priced through its volume tiers as if this API were the account's only "
                "internet egress in the region"
            )
            self.add(
                "data-transfer-out", gb, "datatransfer.out.internet", free_id="datatransfer.out.internet"
            )

    def cache(self) -> None:
        u = self.usage
        if u.cache_gb is None or u.cache_gb <= 0:
            return
        if u.api_type != "rest":
            raise UsageError(f"cache: only REST APIs have a stage cache, not {u.api_type.upper()} APIs")
        sizes = sorted(
            Decimal(pid.removeprefix("apigateway.cache."))
            for pid in self.catalog.region(u.region).prices
            if pid.startswith("apigateway.cache.")
        )
        fitting = [s for s in sizes if s >= u.cache_gb]
        if not fitting:
            raise UsageError(f"cache: {u.cache_gb} GB is larger than the biggest cache ({sizes[-1]} GB)")
        size = fitting[0]
        if size != u.cache_gb:
            self.assumptions.append(f"a {u.cache_gb} GB cache needs the {size} GB cache size")
        self.add(f"cache-{size}gb", self.options.hours_per_month, f"apigateway.cache.{size}", fixed=True)

    def privatelink(self) -> None:
        u = self.usage
        if u.endpoint_type != "private":
            return
        self.add(
            "privatelink-endpoint-hours",
            Decimal(u.vpc_endpoint_azs) * self.options.hours_per_month,
            "privatelink.endpoint.hour",
            fixed=True,
        )
        gb = u.requests * (u.request_kb + u.response_kb) / KB_PER_GB
        self.add("privatelink-data", gb, "privatelink.data")

    def lambda_(self) -> None:
        u = self.usage
        fn = u.lambda_
        if fn is None:
            return
        arch = fn.arch
        invocations = fn.requests
        if invocations is None:
            invocations = u.messages if u.api_type == "websocket" else u.requests
        gb = fn.memory_mb / MB_PER_GB
        pc = fn.provisioned
        pc_requests = min(pc.requests, invocations) if pc else ZERO
        on_demand_seconds = (invocations - pc_requests) * fn.duration_ms / 1000
        pc_seconds = pc_requests * (pc.duration_ms or fn.duration_ms) / 1000 if pc else ZERO
        self.add("lambda-requests", invocations, f"lambda.{arch}.request", free_id="lambda.request")
        self.add(
            "lambda-duration", on_demand_seconds * gb, f"lambda.{arch}.duration", free_id="lambda.duration"
        )
        if pc:
            self.add(
                "lambda-provisioned-concurrency",
                Decimal(pc.concurrency) * gb * pc.hours * SECONDS_PER_HOUR,
                f"lambda.{arch}.provisioned",
                fixed=True,
            )
            self.add("lambda-provisioned-duration", pc_seconds * gb, f"lambda.{arch}.provisioned_duration")
            if self.options.free_tier:
                self.assumptions.append(
                    "Lambda free tier applied to on-demand requests and duration of a function that also has "
                    "Provisioned Concurrency, as AWS's Provisioned Concurrency example does"
                )
        if fn.ephemeral_mb > LAMBDA_FREE_EPHEMERAL_MB:
            extra_gb = (fn.ephemeral_mb - LAMBDA_FREE_EPHEMERAL_MB) / MB_PER_GB
            self.add(
                "lambda-ephemeral-storage", (on_demand_seconds + pc_seconds) * extra_gb, "lambda.ephemeral"
            )
        self.assumptions.append(
            f"Lambda: {_num(invocations)} invocations of {fn.duration_ms} ms at {fn.memory_mb} MB ({arch}); "
            "duration tiers apply to the account's total per architecture"
        )

    def waf(self) -> None:
        u = self.usage
        if u.waf is None:
            return
        if u.api_type != "rest":
            raise UsageError(f"waf: AWS WAF protects REST APIs only, not {u.api_type.upper()} APIs")
        self.add("waf-web-acls", Decimal(u.waf.web_acls), "waf.web_acl", fixed=True)
        self.add("waf-rules", Decimal(u.waf.rules), "waf.rule", fixed=True)
        self.add("waf-requests", u.requests, "waf.request")
        if u.waf.bot_control:
            self.add("waf-bot-control", Decimal(u.waf.web_acls), "waf.bot_control", fixed=True)
            self.add(
                "waf-bot-control-requests",
                u.requests,
                "waf.bot_control.request",
                free_id="waf.bot_control.request",
            )
        self.assumptions.append(
            "WAF: every API request is evaluated by the web ACL (allowed and blocked alike)"
        )

    def others(self) -> None:
        u = self.usage
        self.add("cognito-mau", u.cognito_mau, "cognito.essentials.mau", free_id="cognito.essentials.mau")
        self.add("logs-ingestion", u.log_gb, "cloudwatch.logs.ingestion", free_id="cloudwatch.logs.ingestion")
        storage = u.log_gb if u.log_storage_gb is None else u.log_storage_gb
        self.add("logs-storage", storage, "cloudwatch.logs.storage", fixed=True)
        if u.log_gb and u.log_storage_gb is None:
            self.assumptions.append("CloudWatch Logs: the month's logs stay stored for a month")
        self.add(
            "cloudwatch-alarms", Decimal(u.alarms), "cloudwatch.alarm", free_id="cloudwatch.alarm", fixed=True
        )
        self.add(
            "cloudwatch-dashboards",
            Decimal(u.dashboards),
            "cloudwatch.dashboard",
            free_id="cloudwatch.dashboard",
            fixed=True,
        )
        self.add(
            "cloudwatch-metrics",
            Decimal(u.custom_metrics),
            "cloudwatch.metric",
            free_id="cloudwatch.metric",
            fixed=True,
        )
        self.add("logs-insights-scanned", u.insights_gb, "cloudwatch.logs.insights")
        self.add("dynamodb-reads", u.dynamodb_reads, "dynamodb.read")
        self.add("dynamodb-writes", u.dynamodb_writes, "dynamodb.write")
        self.add(
            "dynamodb-storage",
            u.dynamodb_storage_gb,
            "dynamodb.storage",
            free_id="dynamodb.storage",
            fixed=True,
        )
        self.add("route53-hosted-zones", Decimal(u.route53_zones), "route53.hosted_zone", fixed=True)
        self.add("route53-queries", u.route53_queries, "route53.query")


def _num(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def _describe(slices: list[TierSlice], unit: str) -> str:
    parts = [f"{_num(s.quantity)} {unit} x ${s.unit_price.normalize():f}" for s in slices]
    return " + ".join(parts) if parts else "0"
