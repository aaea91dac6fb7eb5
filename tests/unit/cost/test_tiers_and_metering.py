"""Tier boundaries, metering increments, number parsing and the share-back of the total to usage-plan tiers."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from apigwops.cost.allocation import UNATTRIBUTED
from apigwops.cost.catalog import Catalog, load_catalog
from apigwops.cost.estimator import estimate
from apigwops.cost.model import Options, Usage, UsagePlanTier
from apigwops.cost.money import cents, graduated
from apigwops.cost.units import http_metered_requests, parse_count, websocket_metered_messages
from apigwops.errors import UsageError


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(use_cache=False)


def rest_cost(catalog: Catalog, requests: int) -> D:
    return estimate(Usage(api_type="rest", requests=D(requests)), catalog).total_usd


@pytest.mark.parametrize(
    ("requests", "usd"),
    [
        (333_000_000, D("1165.50")),  # exactly the first tier, all at $3.50/M
        (333_000_001, D("1165.5000028")),  # one request into the second tier, at $2.80/M
        (1_000_000_000, D("3033.10")),  # 1,165.50 + 667 x 2.80
        (1_000_000_001, D("3033.10000238")),  # first request of the third tier
        (20_000_000_000, D("48253.10")),  # 3,033.10 + 19,000 x 2.38
        (20_000_000_001, D("48253.10000151")),  # first request over 20 billion
    ],
)
def test_rest_tier_boundaries(catalog: Catalog, requests: int, usd: D) -> None:
    assert rest_cost(catalog, requests) == usd


def test_http_boundary_at_300_million(catalog: Catalog) -> None:
    at = estimate(Usage(api_type="http", requests=D(300_000_000)), catalog).total_usd
    over = estimate(Usage(api_type="http", requests=D(300_000_001)), catalog).total_usd
    assert at == D("300")
    assert over - at == D("0.0000009")


def test_websocket_boundary_at_1_billion(catalog: Catalog) -> None:
    at = estimate(Usage(api_type="websocket", messages=D(1_000_000_000)), catalog).total_usd
    over = estimate(Usage(api_type="websocket", messages=D(1_000_000_001)), catalog).total_usd
    assert at == D("1000")
    assert over - at == D("0.0000008")


@pytest.mark.parametrize(("kb", "units"), [("0.5", 1), ("512", 1), ("513", 2), ("1024", 2), ("1025", 3)])
def test_http_512kb_increments(kb: str, units: int) -> None:
    assert http_metered_requests(D(10), D(kb)) == 10 * units


@pytest.mark.parametrize(("kb", "units"), [("1", 1), ("32", 1), ("33", 2), ("128", 4)])
def test_websocket_32kb_increments(kb: str, units: int) -> None:
    assert websocket_metered_messages(D(10), D(kb)) == 10 * units


def test_a_513kb_http_request_is_billed_as_two(catalog: Catalog) -> None:
    est = estimate(Usage(api_type="http", requests=D(1_000_000), request_kb=D(513)), catalog)
    assert est.api_requests == 2_000_000
    assert cents(est.total_usd) == D("2.00")
    assert any("512 KB increments" in a for a in est.assumptions)


def test_websocket_message_over_128kb_is_refused(catalog: Catalog) -> None:
    with pytest.raises(UsageError, match="128 KB"):
        estimate(Usage(api_type="websocket", messages=D(1), message_kb=D(129)), catalog)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5M", 5_000_000),
        ("1.5B", 1_500_000_000),
        ("432000000", 432_000_000),
        ("750K", 750_000),
        ("1,000", 1000),
    ],
)
def test_parse_count(text: str, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["", "five", "5X", "-3", "1.2.3", "M"])
def test_parse_count_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a number|negative"):
        parse_count(text)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
        (D("Infinity"), "not a finite number"),
        (10**29, "too large"),
        ("999999999999999999999999T", "too large"),
        ("1000.000001T", "too large"),
    ],
)
def test_parse_count_refuses_non_finite_and_absurd(value: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_count(value)  # type: ignore[arg-type]
    assert parse_count("1000T") == 10**15  # the bound itself is accepted


def test_a_bill_beyond_any_real_one_is_a_usage_error(catalog: Catalog) -> None:
    usage = Usage(api_type="http", requests=D(10**15), request_kb=D(10**15))
    with pytest.raises(UsageError, match=r"api-requests: .* beyond any real bill"):
        estimate(usage, catalog)


def test_free_tier_switch_subtracts_the_allowance(catalog: Catalog) -> None:
    usage = Usage(api_type="rest", requests=D(5_000_000))
    assert cents(estimate(usage, catalog, Options(free_tier=False)).total_usd) == D("17.50")
    assert cents(estimate(usage, catalog, Options(free_tier=True)).total_usd) == D("14.00")


def test_hours_per_month_drives_hourly_charges(catalog: Catalog) -> None:
    usage = Usage(api_type="rest", cache_gb=D("0.5"))
    assert estimate(usage, catalog).total_usd == D("14.60")  # 730 h x $0.020
    assert estimate(usage, catalog, Options(hours_per_month=D(720))).total_usd == D("14.40")


def test_tiers_priced_on_the_total_then_shared_by_requests(catalog: Catalog) -> None:
    """Two usage-plan tiers of 300M requests each: 600M on the account's tiers costs 333M x 3.50 + 267M x
    2.80 = $1,913.10; each pays half. Pricing each tier separately would be 2 x 300M x 3.50 = $2,100."""
    tiers = (
        UsagePlanTier("a", keys=3, requests=D(300_000_000), quota_per_key=D(200_000_000)),
        UsagePlanTier("b", keys=1, requests=D(300_000_000), quota_per_key=None, rate_per_second=D(100)),
    )
    est = estimate(Usage(api_type="rest", requests=D(600_000_000), tiers=tiers), catalog)
    assert cents(est.total_usd) == D("1913.10")
    a, b = est.tiers
    assert cents(a.usd) == cents(b.usd) == D("956.55")
    assert a.usd_per_key is not None
    assert cents(a.usd_per_key) == D("318.85")
    separately = sum(rest_cost(catalog, 300_000_000) for _ in range(2))
    assert separately == D("2100.00") > est.total_usd
    # worst case: tier a at full quota (3 x 200M) + tier b at its rate limit all month (100/s x 730 h)
    assert est.worst_case_requests == 600_000_000 + 100 * 730 * 3600


def test_traffic_outside_the_plans_gets_its_own_row(catalog: Catalog) -> None:
    tiers = (UsagePlanTier("basic", keys=2, requests=D(1_000_000), quota_per_key=D(1_000_000)),)
    est = estimate(Usage(api_type="rest", requests=D(4_000_000), tiers=tiers), catalog)
    names = [t.tier for t in est.tiers]
    assert names == ["basic", UNATTRIBUTED]
    assert cents(sum((t.usd for t in est.tiers), D(0))) == cents(est.total_usd) == D("14.00")


def test_graduated_cost_ignores_tier_order() -> None:
    from apigwops.cost.money import PriceTier

    tiers = [PriceTier(D(10), D(1)), PriceTier(D(0), D(2))]
    assert sum(s.usd for s in graduated(D(15), tiers)) == D(25)


def test_waf_and_cache_refused_on_http(catalog: Catalog) -> None:
    from apigwops.cost.model import WafUsage

    with pytest.raises(UsageError, match="WAF"):
        estimate(Usage(api_type="http", requests=D(1), waf=WafUsage()), catalog)
    with pytest.raises(UsageError, match="cache"):
        estimate(Usage(api_type="http", requests=D(1), cache_gb=D(1)), catalog)


def test_unknown_region_names_the_refresh(catalog: Catalog) -> None:
    with pytest.raises(UsageError, match="no prices for region 'mars-east-1'") as info:
        estimate(Usage(region="mars-east-1"), catalog)
    assert info.value.hint
    assert "--refresh" in info.value.hint


def test_cost_never_decreases_with_volume_and_blended_rate_never_increases(catalog: Catalog) -> None:
    """Graduated tiers: more requests never cost less, and the average price per request never rises."""
    import random

    rng = random.Random(7)
    volumes = sorted(
        {rng.randrange(0, 25_000_000_000) for _ in range(300)} | {333_000_000, 10**9, 2 * 10**10}
    )
    previous_cost = D(0)
    previous_rate = D(1)
    for api_type in ("rest", "http"):
        previous_cost, previous_rate = D(0), D(1)
        for volume in volumes:
            cost = estimate(Usage(api_type=api_type, requests=D(volume)), catalog).total_usd  # type: ignore[arg-type]
            assert cost >= previous_cost
            if volume:
                assert cost / volume <= previous_rate
                previous_rate = cost / volume
            previous_cost = cost
