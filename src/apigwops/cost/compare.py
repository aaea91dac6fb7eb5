"""REST against HTTP for the same traffic, with what HTTP APIs cannot do said out loud.

An HTTP API is cheaper per request but has no stage cache, no AWS WAF association and no usage plans or
API keys; a comparison that silently dropped those would look like a free saving. The HTTP side is priced
without them and `http_lacks` lists each one the REST usage relied on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from apigwops.cost.catalog import Catalog
from apigwops.cost.estimator import estimate
from apigwops.cost.model import Estimate, Options, Usage

HTTP_MISSING_ALWAYS = (
    "request validation and body mapping templates",
    "private (VPC-only) endpoints",
    "edge-optimized endpoints",
)


@dataclass(frozen=True)
class Comparison:
    rest: Estimate
    http: Estimate
    http_lacks: tuple[str, ...]

    @property
    def difference_usd(self) -> Decimal:
        """What HTTP saves per month (negative when it costs more)."""
        return self.rest.total_usd - self.http.total_usd


def compare(usage: Usage, catalog: Catalog, options: Options | None = None) -> Comparison:
    if usage.api_type == "websocket":
        from apigwops.errors import UsageError

        raise UsageError("compare sets REST against HTTP; a WebSocket API has no REST or HTTP equivalent")
    lacks: list[str] = []
    if usage.cache_gb:
        lacks.append(f"stage cache ({usage.cache_gb} GB): HTTP APIs have no API Gateway cache")
    if usage.waf is not None:
        lacks.append("AWS WAF: a web ACL cannot be associated with an HTTP API (put CloudFront in front)")
    if usage.tiers:
        lacks.append("usage plans and API keys: quotas and per-key throttling are REST-only")
    lacks.extend(f"{item}: REST-only" for item in HTTP_MISSING_ALWAYS)
    rest_usage = replace(usage, api_type="rest", endpoint_type=usage.endpoint_type)
    http_usage = replace(
        usage,
        api_type="http",
        cache_gb=None,
        waf=None,
        tiers=(),
        endpoint_type="regional",
    )
    return Comparison(
        estimate(rest_usage, catalog, options), estimate(http_usage, catalog, options), tuple(lacks)
    )
