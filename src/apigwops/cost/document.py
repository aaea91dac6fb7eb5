"""Cost results as their JSON documents (the contract `--output json` prints), with the rounding rules.

Rounding to the cent happens here and only here; the renderers in `apigwops.render.cost` build their tables
from the same helpers, so every output mode shows the same numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from apigwops.cost.catalog import Price, RegionPrices
from apigwops.cost.model import Estimate
from apigwops.cost.money import cents

if TYPE_CHECKING:
    from apigwops.cost.compare import Comparison

MILLION = Decimal(1_000_000)


def usd(value: Decimal | None) -> float | None:
    """A JSON number in dollars and cents (418.8), from the exact Decimal."""
    return None if value is None else float(cents(value))


def rate(value: Decimal | None) -> float | None:
    """Per-key and per-unit rates keep four decimals: a free-tier key often costs a fraction of a cent."""
    return None if value is None else float(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def quantity(value: Decimal) -> float | int:
    if value == value.to_integral_value():
        return int(value)
    return float(round(value, 6))


def per_million(total: Decimal, requests: Decimal) -> Decimal | None:
    return total / (requests / MILLION) if requests else None


def estimate_to_dict(est: Estimate) -> dict[str, Any]:
    """The JSON contract: region, total_usd, components[], tiers[], assumptions[] (plus context)."""
    requests = est.api_requests
    return {
        "region": est.region,
        "api_type": est.api_type,
        "total_usd": usd(est.total_usd),
        "usd_per_million_requests": usd(per_million(est.total_usd, requests)),
        "components": [
            {
                "component": c.component,
                "quantity": quantity(c.quantity),
                "unit": c.unit,
                "usd": usd(c.usd),
                "kind": c.kind,
                "detail": c.detail,
            }
            for c in est.components
        ],
        "tiers": [
            {
                "tier": t.tier,
                "keys": t.keys,
                "requests": quantity(t.requests),
                "usd": usd(t.usd),
                "usd_per_key": rate(t.usd_per_key),
                "components": {name: usd(v) for name, v in t.components.items()},
            }
            for t in est.tiers
        ],
        "worst_case": None
        if est.worst_case_usd is None or est.worst_case_requests is None
        else {"requests": quantity(est.worst_case_requests), "usd": usd(est.worst_case_usd)},
        "prices": {"date": est.price_date, "origin": est.price_origin},
        "assumptions": list(est.assumptions),
    }


def comparison_to_dict(cmp: Comparison) -> dict[str, Any]:
    return {
        "region": cmp.rest.region,
        "rest": estimate_to_dict(cmp.rest),
        "http": estimate_to_dict(cmp.http),
        "http_saves_usd": usd(cmp.difference_usd),
        "http_lacks": list(cmp.http_lacks),
    }


def natural_order(price: Price) -> tuple[str, float]:
    """apigateway.cache.6.1 before apigateway.cache.13.5: sizes sort as numbers."""
    head, _, tail = price.id.partition("apigateway.cache.")
    if not head and tail:
        return ("apigateway.cache.", float(tail))
    return (price.id, 0.0)


def prices_to_dict(region: RegionPrices) -> dict[str, Any]:
    return {
        "region": region.region,
        "date": region.date,
        "origin": region.origin,
        "location": region.location,
        "prices": {
            p.id: {
                "unit": p.unit,
                "status": p.status,
                "source": p.source,
                "tiers": [
                    {"from": quantity(t.begin), "usd": f"{t.unit_price.normalize():f}"} for t in p.tiers
                ],
            }
            for p in sorted(region.prices.values(), key=natural_order)
        },
    }
