"""Sharing an account-level bill back to usage-plan tiers, and the worst case of every key at its quota.

API Gateway's request tiers (and Lambda's duration tiers) are per account and region, so a tier of the
usage plan does not have a price of its own: the total is priced once and each usage-plan tier pays its
share of every component in proportion to its requests (a blended rate). Pricing each usage-plan tier
through the price tiers on its own would charge every one of them the first-tier rate and overstate the bill.
Fixed charges (cache hours, web ACLs, dashboards) are shared the same way, by requests.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from apigwops.cost.model import Component, TierCost, Usage, UsagePlanTier

UNATTRIBUTED = "(no usage plan)"


def allocate(
    components: tuple[Component, ...], tiers: tuple[UsagePlanTier, ...], api_requests: Decimal
) -> tuple[TierCost, ...]:
    """Each tier's share of each component, by requests; traffic outside the tiers gets its own row."""
    if not tiers:
        return ()
    rows: list[tuple[str, int, Decimal]] = [(t.name, t.keys, t.requests) for t in tiers]
    tier_total = sum((t.requests for t in tiers), Decimal(0))
    if api_requests > tier_total:
        rows.append((UNATTRIBUTED, 0, api_requests - tier_total))
    grand = sum((r[2] for r in rows), Decimal(0))
    result = []
    for name, keys, requests in rows:
        share = requests / grand if grand else Decimal(0)
        parts = {c.component: c.usd * share for c in components}
        usd = sum(parts.values(), Decimal(0))
        per_key = usd / keys if keys else None
        result.append(TierCost(name, keys, requests, usd, per_key, parts))
    return tuple(result)


def tier_worst_case(tier: UsagePlanTier, hours_per_month: Decimal) -> Decimal:
    """Requests a tier can send in a month: quota x keys, or for unlimited tiers its rate limit all month."""
    if tier.quota_per_key is not None:
        return tier.quota_per_key * tier.keys
    if tier.rate_per_second is not None:
        return tier.rate_per_second * hours_per_month * 3600 * tier.keys
    return tier.requests


def worst_case_usage(usage: Usage, hours_per_month: Decimal) -> Usage | None:
    """The same usage with every key at its full quota; None without usage-plan tiers."""
    if not usage.tiers:
        return None
    tiers = tuple(replace(t, requests=tier_worst_case(t, hours_per_month)) for t in usage.tiers)
    expected = sum((t.requests for t in usage.tiers), Decimal(0))
    worst = sum((t.requests for t in tiers), Decimal(0))
    outside = max(Decimal(0), usage.requests - expected)
    total = worst + outside
    fn = usage.lambda_
    if fn is not None and fn.requests is not None and usage.requests:
        fn = replace(fn, requests=fn.requests * total / usage.requests)
    return replace(usage, requests=total, tiers=tiers, lambda_=fn, notes=())
