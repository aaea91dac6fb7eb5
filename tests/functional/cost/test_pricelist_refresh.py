"""`cost prices --refresh`: GetProducts queries (checked with Stubber `expected_params`), parsing of
Price List items shaped as AWS returns them, NextToken paging, the cache file and its overlay on the snapshot.

moto has no Pricing service at all (GetProducts answers 404 "Not yet implemented"), so the pricing client is
a real botocore client with a Stubber, which also validates every canned response against the service model.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from tests.functional.cost.pricelist_items import apigw_attrs, item

from apigwops.cost.catalog import load_catalog
from apigwops.cost.estimator import estimate
from apigwops.cost.model import Usage
from apigwops.cost.pricelist import QUERIES, filters_for, parse_item, refresh_region
from apigwops.errors import ServiceError

REGION = "eu-central-1"
LOCATION = "EU (Frankfurt)"


def rest_item() -> str:
    # eu-central-1 REST: $3.70/M first tier (EUC1-ApiGatewayRequest, read from the Price List on 2026-08-12
    # per the reference §1.7); later tiers illustrative.
    return item(
        "ZZEUC1REST000001",
        "AmazonApiGateway",
        "API Calls",
        apigw_attrs(REGION, LOCATION, "EUC1-ApiGatewayRequest", "ApiGatewayRequest"),
        [
            ("333000000", "1000000000", "0.0000029600"),  # deliberately out of order
            ("0", "333000000", "0.0000037000"),
            ("1000000000", "20000000000", "0.0000025200"),
            ("20000000000", "Inf", "0.0000016000"),
        ],
        unit="Requests",
        description="$3.70/million requests - first 333 million requests/month",
    )


def free_item() -> str:
    return item(
        "ZZGLOBALFREE0001",
        "AmazonApiGateway",
        "API Calls",
        apigw_attrs(REGION, LOCATION, "Global-ApiGatewayRequest", "ApiGatewayRequest"),
        [("0", "1000000", "0.0000000000")],
        unit="Requests",
        description="Free tier",
    )


def cache_items() -> list[str]:
    return [
        item(
            f"ZZCACHE{size.replace('.', '')}0000",
            "AmazonApiGateway",
            "Amazon API Gateway Cache",
            {**apigw_attrs(REGION, LOCATION, f"EUC1-ApiGatewayCacheUsage:{size}GB", "ApiGatewayCache"),
             "cacheMemorySizeGb": size},
            [("0", "Inf", usd)],
            unit="Hrs",
            description=f"Cache {size} GB",
        )
        for size, usd in (("0.5", "0.02"), ("1.55", "0.04"))
    ]  # fmt: skip


def expected(query_index: int, token: str | None = None) -> dict[str, Any]:
    query = QUERIES[query_index]
    params: dict[str, Any] = {
        "ServiceCode": query.service_code,
        "Filters": filters_for(query, REGION),
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }
    if token:
        params["NextToken"] = token
    return params


def response(items: list[str], token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": items}
    if token:
        body["NextToken"] = token
    return body


def stubbed_client(pages: dict[str, list[list[str]]]) -> tuple[Any, Stubber]:
    """A pricing client whose GetProducts answers `pages[price_id]` (page by page), empty otherwise."""
    client = boto3.client("pricing", region_name="us-east-1")
    stubber = Stubber(client)
    for index, query in enumerate(QUERIES):
        query_pages = pages.get(query.price_id, [[]])
        for n, page in enumerate(query_pages):
            token = f"page-{n + 1}" if n + 1 < len(query_pages) else None
            previous = f"page-{n}" if n else None
            stubber.add_response("get_products", response(page, token), expected(index, previous))
    stubber.activate()
    return client, stubber


def test_parse_item_sorts_tiers_and_reads_strings() -> None:
    product = parse_item(rest_item())
    assert [d.begin for d in product.dimensions] == [0, 333_000_000, 1_000_000_000, 20_000_000_000]
    assert product.dimensions[0].usd == D("0.0000037")
    assert product.usagetype == "EUC1-ApiGatewayRequest"
    assert product.publication_date == "2026-10-01T18:22:01Z"


def test_refresh_writes_cache_and_overlays_snapshot(tmp_path: Path) -> None:
    pages = {
        "apigateway.rest.request": [[free_item()], [rest_item()]],  # two pages, NextToken followed
        "apigateway.cache": [cache_items()],
    }
    client, stubber = stubbed_client(pages)
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    path = refresh_region(client, REGION, tmp_path, now=lambda: now)
    stubber.assert_no_pending_responses()
    body = json.loads(path.read_text())
    assert path.name == f"prices-{REGION}.json"
    assert body["date"] == "2026-10-01"
    assert set(body["prices"]) == {"apigateway.rest.request", "apigateway.cache.0.5", "apigateway.cache.1.6"}
    assert "apigateway.http.request" in body["missing"]

    catalog = load_catalog(tmp_path)
    prices = catalog.region(REGION)
    assert prices.origin == "price-list"
    assert prices.prices["apigateway.rest.request"].status == "price-list"
    est = estimate(Usage(api_type="rest", region=REGION, requests=D(5_000_000)), catalog)
    assert est.total_usd == D("18.50")  # 5M x $3.70/M
    assert est.price_origin == "price-list"
    # 1.55 GB in the Price List is the stage's 1.6 GB cache size
    assert catalog.price(REGION, "apigateway.cache.1.6").first_unit_price == D("0.04")


def test_refresh_with_nothing_found_is_a_service_error(tmp_path: Path) -> None:
    client, _ = stubbed_client({})
    with pytest.raises(ServiceError, match="no API Gateway, Lambda or WAF prices"):
        refresh_region(client, REGION, tmp_path)
    assert not list(tmp_path.iterdir())


def test_unreadable_cache_file_is_ignored_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "prices-eu-west-1.json").write_text("{not json")
    catalog = load_catalog(tmp_path)
    assert "eu-west-1" not in catalog.regions
    assert any("ignored unreadable price cache" in n for n in catalog.notes)
