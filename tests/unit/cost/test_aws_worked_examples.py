"""AWS's published worked examples, reproduced to the cent with the switches AWS used.

Sources (page text as captured in public mirrors; the rate tables themselves render from tokens):
- API Gateway: https://aws.amazon.com/api-gateway/pricing/ "Pricing Examples" (mirror dated 2025-11-02).
- Lambda: https://aws.amazon.com/lambda/pricing/ "All examples below are based on price in US East
  (N. Virginia)" (mirror of the late-2025 page, the one that describes Lambda Managed Instances).
AWS is inconsistent about free tiers (API Gateway examples never subtract them, some Lambda examples do) and
prices data transfer at a flat $0.09/GB; each test sets the estimator's switches to what the example did.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from apigwops.cost.catalog import Catalog, load_catalog
from apigwops.cost.estimator import estimate
from apigwops.cost.model import Estimate, LambdaUsage, Options, ProvisionedConcurrency, Usage
from apigwops.cost.money import cents


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(use_cache=False)


def lines(est: Estimate) -> dict[str, D]:
    return {c.component: cents(c.usd) for c in est.components}


NO_DTO = Options(data_transfer="none")
FLAT_DTO = Options(data_transfer="flat")


def test_http_example_1_serverless_web_app(catalog: Catalog) -> None:
    """HTTP "Pricing Example 1": "10,000 page loads/minute * 60 minutes/hour * 24 hours/day * 30 days/month
    / 1,000,000 = 432 million requests per month. 300 million * $1.00/million = $300; 132 million *
    $0.90/million = $118.8; Total = $418.8 ($0.97 per million)". Each request 12 KB (one 512 KB unit);
    AWS leaves the 46 KB responses' data transfer out of this example."""
    usage = Usage(api_type="http", requests=D(10_000 * 60 * 24 * 30), request_kb=D(12), response_kb=D(46))
    est = estimate(usage, catalog, NO_DTO)
    assert lines(est) == {"api-requests": D("418.80")}
    assert cents(est.total_usd / (est.api_requests / 1_000_000)) == D("0.97")


def test_http_example_2_uploads_metered_in_512kb_increments(catalog: Catalog) -> None:
    """HTTP "Pricing Example 2": "25 call/minute * 60 minutes/hour * 24 hours/day * 30 days/month * 4.5
    MB/512 KB/request = 9,720,000 requests per month * $1/million = $9.72"."""
    usage = Usage(api_type="http", requests=D(25 * 60 * 24 * 30), request_kb=D("4.5") * 1024)
    est = estimate(usage, catalog, NO_DTO)
    assert est.api_requests == 9_720_000
    assert cents(est.total_usd) == D("9.72")


def test_rest_example_five_million_calls(catalog: Catalog) -> None:
    """REST, Edge Optimized and Regional APIs: "5 million * $3.50/million = $17.50 ... 3 KB * 5 million =
    15 million/KB = 14.3 GB ... 14.3 GB * $0.09 = $1.29 ... Total Amazon API Gateway charges = $17.50 +
    $1.29 = $18.79"."""
    est = estimate(Usage(api_type="rest", requests=D(5_000_000), response_kb=D(3)), catalog, FLAT_DTO)
    assert lines(est) == {"api-requests": D("17.50"), "data-transfer-out": D("1.29")}
    dto = next(c for c in est.components if c.component == "data-transfer-out")
    assert round(dto.quantity, 1) == D("14.3")
    assert cents(est.total_usd) == D("18.79")


def test_rest_example_fifteen_billion_calls(catalog: Catalog) -> None:
    """REST: "333 million * $3.50/million = $1,165.50; 667 million * $2.80/million = $1,867.60; 14 billion
    * $2.38/million = $33,320.00 ... = $36,353.10; 4 KB * 15 billion = 57,220.46 GB ... * $0.09 =
    $5,149.84; Total Amazon API Gateway charges = $36,353.10 + $5,149.84 = $41,502.94"."""
    est = estimate(Usage(api_type="rest", requests=D(15_000_000_000), response_kb=D(4)), catalog, FLAT_DTO)
    assert lines(est) == {"api-requests": D("36353.10"), "data-transfer-out": D("5149.84")}
    assert "333,000,000 requests x $0.0000035" in est.components[0].detail
    assert cents(est.total_usd) == D("41502.94")


def test_rest_fifteen_billion_with_tiered_data_transfer_costs_less(catalog: Catalog) -> None:
    """Tier-correct DTO (10/40/100 TB at $0.09/$0.085/$0.07, 1 TB = 1,024 GB) for the same 57,220.46 GB:
    10,240 * 0.09 + 40,960 * 0.085 + 6,020.46 * 0.07 = $4,824.63 (reference §0.5)."""
    est = estimate(Usage(api_type="rest", requests=D(15_000_000_000), response_kb=D(4)), catalog)
    assert lines(est)["data-transfer-out"] == D("4824.63")


def test_private_api_example(catalog: Catalog) -> None:
    """REST Private APIs: "5 million * $3.50/million = $17.50 ... (3 KB + 0.3 KB) * 5 million = 16.5
    million/KB = 15.7 GB; VPC Endpoint charges = 720 hours * $0.01/AZ/hr = $7.20; VPC Endpoint data
    processing charges = 15.7 GB * $0.01/GB = $0.16 ... Total charges = $17.50 + $7.36 = $24.86"."""
    usage = Usage(
        api_type="rest",
        requests=D(5_000_000),
        request_kb=D("0.3"),
        response_kb=D(3),
        endpoint_type="private",
        vpc_endpoint_azs=1,
    )
    est = estimate(usage, catalog, Options(hours_per_month=D(720)))
    assert lines(est) == {
        "api-requests": D("17.50"),
        "privatelink-endpoint-hours": D("7.20"),
        "privatelink-data": D("0.16"),
    }
    assert cents(est.total_usd) == D("24.86")


def test_cache_example_per_day(catalog: Catalog) -> None:
    """ "If your API needs 1.5 GB of cache for its data, you can provision a 1.6 GB cache at $0.038/hr.
    $0.038 * 24 = $0.912/day" (one day = --hours-per-month 24)."""
    est = estimate(Usage(api_type="rest", cache_gb=D("1.5")), catalog, Options(hours_per_month=D(24)))
    (cache,) = est.components
    assert cache.component == "cache-1.6gb"
    assert cache.usd == D("0.912")
    assert any("1.6 GB cache size" in a for a in est.assumptions)


def test_websocket_chat_example(catalog: Catalog) -> None:
    """WebSocket chat application: "(100 (sent msgs) + 500 (received msgs)) * 1000 (users) * 30 (days) =
    18M ... = $18; 1000 (users) * 12 (hrs) * 60 (mins) * 30 (days) = 21,600,000 ... * 0.25 = $5.40;
    Total Cost = $18 + $5.40 = $23.40". Messages are 3 KB (one 32 KB unit)."""
    usage = Usage(
        api_type="websocket",
        messages=D((100 + 500) * 1000 * 30),
        message_kb=D(3),
        connection_minutes=D(1000 * 12 * 60 * 30),
    )
    est = estimate(usage, catalog)
    assert lines(est) == {"websocket-messages": D("18.00"), "websocket-minutes": D("5.40")}
    assert cents(est.total_usd) == D("23.40")


def _lambda_only(fn: LambdaUsage) -> Usage:
    return Usage(api_type="rest", requests=D(0), lambda_=fn)


def test_lambda_example_1_mobile_backend_with_free_tier(catalog: Catalog) -> None:
    """Lambda Example 1, mobile application backend: 3M requests, 120 ms, 1536 MB, x86; "540,000 GB-s -
    400,000 free tier GB-s = 140,000 GB-s ... * $0.0000166667 = $2.33 ... 2M * $0.2/M = $0.40 ... Total
    charges = $2.33 + $0.40 = $2.73 per month"."""
    fn = LambdaUsage(memory_mb=D(1536), duration_ms=D(120), requests=D(3_000_000))
    est = estimate(_lambda_only(fn), catalog, Options(free_tier=True))
    assert lines(est) == {"lambda-requests": D("0.40"), "lambda-duration": D("2.33")}
    assert cents(est.total_usd) == D("2.73")


def test_lambda_example_2_telemetry_without_free_tier(catalog: Catalog) -> None:
    """Lambda Example 2, streaming telemetry: "10,000 * 24 * 31 = 7,440,000 messages ... 7.44M * $0.20/
    million = $1.488 ~= $1.49 ... 14.88M GB-s * $0.0000166667 = $248.00 ... $1.49 + $248.00 = $249.49"
    (no free tier subtracted in this example)."""
    fn = LambdaUsage(memory_mb=D(1024), duration_ms=D(2000), requests=D(10_000 * 24 * 31))
    est = estimate(_lambda_only(fn), catalog, Options(free_tier=False))
    assert lines(est) == {"lambda-requests": D("1.49"), "lambda-duration": D("248.00")}
    assert cents(est.total_usd) == D("249.49")


def test_lambda_example_3_ephemeral_storage(catalog: Catalog) -> None:
    """Lambda Example 3, ML on support tickets: 6M requests, 280 ms, 4096 MB, 2048 MB ephemeral storage;
    "6,320,000 * $0.0000166667 = $105.33 ... 5 million * $0.2/million = $1 ... 2,520,000 * $0.0000000309 =
    $0.08 ... $105.33 + $1 + $0.08 = $106.41 per month"."""
    fn = LambdaUsage(memory_mb=D(4096), duration_ms=D(280), requests=D(6_000_000), ephemeral_mb=D(2048))
    est = estimate(_lambda_only(fn), catalog, Options(free_tier=True))
    assert lines(est) == {
        "lambda-requests": D("1.00"),
        "lambda-duration": D("105.33"),
        "lambda-ephemeral-storage": D("0.08"),
    }
    assert cents(est.total_usd) == D("106.41")


def test_provisioned_concurrency_example_1_launch_day(catalog: Catalog) -> None:
    """Provisioned Concurrency Example 1, mobile application launch: PC 100 for 8 hours, 1536 MB;
    "4.32M GB-s * $0.0000041667 = $18 ... 2 * $0.20 = $0.40 ... 75,000 GB-s * $0.0000097222 = $0.73 ...
    50,000 * $0.0000166667 = $0.83 ... Total charges = $18 + $0.40 + $0.73 + $0.83 = $19.96"."""
    pc = ProvisionedConcurrency(concurrency=100, hours=D(8), requests=D(500_000), duration_ms=D(100))
    fn = LambdaUsage(memory_mb=D(1536), duration_ms=D(120), requests=D(3_000_000), provisioned=pc)
    est = estimate(_lambda_only(fn), catalog, Options(free_tier=True))
    assert lines(est) == {
        "lambda-requests": D("0.40"),
        "lambda-duration": D("0.83"),
        "lambda-provisioned-concurrency": D("18.00"),
        "lambda-provisioned-duration": D("0.73"),
    }
    assert cents(est.total_usd) == D("19.96")


def test_provisioned_concurrency_example_2_cyber_monday(catalog: Catalog) -> None:
    """Provisioned Concurrency Example 2, Cyber Monday: 2M requests in 24 hours, PC 7, 4096 MB, 280 ms;
    "2,419,200 GB-s * $0.0000041667 = $10.08 ... 2,240,000 GB-s * $0.0000097222 = $21.78 ... 2M * $0.2/M =
    $0.40 ... = $10.08 + $21.78 + $0.40 = $32.26"."""
    pc = ProvisionedConcurrency(concurrency=7, hours=D(24), requests=D(2_000_000))
    fn = LambdaUsage(memory_mb=D(4096), duration_ms=D(280), requests=D(2_000_000), provisioned=pc)
    est = estimate(_lambda_only(fn), catalog, Options(free_tier=False))
    assert lines(est) == {
        "lambda-requests": D("0.40"),
        "lambda-provisioned-concurrency": D("10.08"),
        "lambda-provisioned-duration": D("21.78"),
    }
    assert cents(est.total_usd) == D("32.26")
