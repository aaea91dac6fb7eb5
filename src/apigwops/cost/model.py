"""What the estimator takes (usage of one API in one account and region) and what it returns.

Plain frozen dataclasses with Decimal quantities: scenario files, CLI flags and live CloudWatch usage all
become a `Usage`, so the pricing code has one input shape and can be tested without YAML or AWS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

ApiType = Literal["rest", "http", "websocket"]
Arch = Literal["x86", "arm64"]
DataTransferMode = Literal["tiered", "flat", "none"]
EndpointType = Literal["regional", "edge", "private"]

API_TYPES: tuple[ApiType, ...] = ("rest", "http", "websocket")


@dataclass(frozen=True)
class ProvisionedConcurrency:
    """Provisioned Concurrency configured for part of the month, and the invocations it served."""

    concurrency: int
    hours: Decimal
    requests: Decimal = Decimal(0)
    duration_ms: Decimal | None = None  # average duration while enabled; defaults to the function's


@dataclass(frozen=True)
class LambdaUsage:
    memory_mb: Decimal
    duration_ms: Decimal
    arch: Arch = "x86"
    requests: Decimal | None = None  # invocations; None = one per API request (or WebSocket message)
    ephemeral_mb: Decimal = Decimal(512)
    provisioned: ProvisionedConcurrency | None = None


@dataclass(frozen=True)
class WafUsage:
    web_acls: int = 1
    rules: int = 0
    bot_control: bool = False


@dataclass(frozen=True)
class UsagePlanTier:
    """A usage-plan tier: its keys, limits and the traffic expected from it this month."""

    name: str
    keys: int
    requests: Decimal  # expected requests per month for the whole tier
    quota_per_key: Decimal | None = None  # None = unlimited
    rate_per_second: Decimal | None = None
    burst: int | None = None


@dataclass(frozen=True)
class Usage:
    """Monthly usage of one API (plus the services around it) in one account and region."""

    api_type: ApiType = "rest"
    region: str = "us-east-1"
    requests: Decimal = Decimal(0)
    request_kb: Decimal = Decimal(1)
    response_kb: Decimal = Decimal(0)
    messages: Decimal = Decimal(0)
    message_kb: Decimal = Decimal(1)
    connection_minutes: Decimal = Decimal(0)
    endpoint_type: EndpointType = "regional"
    vpc_endpoint_azs: int = 1
    cache_gb: Decimal | None = None
    lambda_: LambdaUsage | None = None
    waf: WafUsage | None = None
    cognito_mau: Decimal = Decimal(0)
    log_gb: Decimal = Decimal(0)
    log_storage_gb: Decimal | None = None  # None = the month's ingested logs, retained
    insights_gb: Decimal = Decimal(0)  # Logs Insights data scanned
    alarms: int = 0
    dashboards: int = 0
    custom_metrics: int = 0
    dynamodb_reads: Decimal = Decimal(0)  # on-demand read request units
    dynamodb_writes: Decimal = Decimal(0)
    dynamodb_storage_gb: Decimal = Decimal(0)
    route53_zones: int = 0
    route53_queries: Decimal = Decimal(0)
    tiers: tuple[UsagePlanTier, ...] = ()
    notes: tuple[str, ...] = ()  # assumptions made while building the usage (live mode)


@dataclass(frozen=True)
class Options:
    """The switches that decide how AWS's rules are applied (AWS's own examples set them differently)."""

    free_tier: bool = False
    hours_per_month: Decimal = Decimal(730)
    data_transfer: DataTransferMode = "tiered"


@dataclass(frozen=True)
class Component:
    """One line of the bill: the exact amount (rounded only for display)."""

    component: str
    quantity: Decimal
    unit: str
    usd: Decimal
    detail: str = ""
    kind: Literal["usage", "fixed"] = "usage"  # fixed: billed whether or not traffic arrives (cache hours)


@dataclass(frozen=True)
class TierCost:
    tier: str
    keys: int
    requests: Decimal
    usd: Decimal
    usd_per_key: Decimal | None
    components: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Estimate:
    region: str
    api_type: ApiType
    components: tuple[Component, ...]
    tiers: tuple[TierCost, ...]
    assumptions: tuple[str, ...]
    price_date: str
    price_origin: str
    worst_case_usd: Decimal | None = None
    worst_case_requests: Decimal | None = None

    @property
    def total_usd(self) -> Decimal:
        return sum((c.usd for c in self.components), Decimal(0))

    @property
    def api_requests(self) -> Decimal:
        return next((c.quantity for c in self.components if c.component == "api-requests"), Decimal(0))
