"""Refreshing the catalog from the AWS Price List Query API (boto3 `pricing`, GetProducts).

Each price we use is one GetProducts query with TERM_MATCH filters on attributes that do not depend on the
region's usage-type prefix (`regionCode`, `productFamily`, `operation`, `group`), because prefixes differ by
region and some us-east-1 usage types have none. Items arrive as JSON strings; the OnDemand term's price
dimensions become graduated tiers sorted by `beginRange`. $0 free-tier SKUs are skipped. The result is
written to the user's cache folder with its publication date, and `catalog.load_catalog` lays it over the
shipped snapshot. Prices the Price List did not return stay as in the snapshot (or absent, for regions the
snapshot lacks) and the refresh says which.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from apigwops.cost.catalog import CACHE_FILE_PREFIX, Price, load_snapshot, price_to_json
from apigwops.cost.money import PriceTier
from apigwops.progress import NullProgress, Progress

PRICING_REGION = "us-east-1"
CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")


@dataclass(frozen=True)
class Query:
    """One price: a service code, filters ({region} is replaced), and a usage-type suffix to pick the SKU."""

    price_id: str
    service_code: str
    filters: tuple[tuple[str, str], ...]
    usagetype_suffix: str | None = None


QUERIES: tuple[Query, ...] = (
    Query("apigateway.rest.request", "AmazonApiGateway",
          (("regionCode", "{region}"), ("productFamily", "API Calls"), ("operation", "ApiGatewayRequest"))),
    Query("apigateway.http.request", "AmazonApiGateway",
          (("regionCode", "{region}"), ("productFamily", "API Calls"), ("operation", "ApiGatewayHttpApi"))),
    Query("apigateway.websocket.message", "AmazonApiGateway",
          (("regionCode", "{region}"), ("productFamily", "WebSocket")), "ApiGatewayMessage"),
    Query("apigateway.websocket.minute", "AmazonApiGateway",
          (("regionCode", "{region}"), ("productFamily", "WebSocket")), "ApiGatewayMinute"),
    Query("apigateway.cache", "AmazonApiGateway",
          (("regionCode", "{region}"), ("productFamily", "Amazon API Gateway Cache"))),
    Query("datatransfer.out.internet", "AWSDataTransfer",
          (("fromRegionCode", "{region}"), ("toLocation", "External"), ("transferType", "AWS Outbound"))),
    Query("lambda.x86.request", "AWSLambda", (("regionCode", "{region}"), ("group", "AWS-Lambda-Requests")), "Request"),
    Query("lambda.x86.duration", "AWSLambda",
          (("regionCode", "{region}"), ("group", "AWS-Lambda-Duration")), "Lambda-GB-Second"),
    Query("lambda.arm64.request", "AWSLambda",
          (("regionCode", "{region}"), ("group", "AWS-Lambda-Requests-ARM")), "Request-ARM"),
    Query("lambda.arm64.duration", "AWSLambda",
          (("regionCode", "{region}"), ("group", "AWS-Lambda-Duration-ARM")), "Lambda-GB-Second-ARM"),
    Query("waf.web_acl", "awswaf", (("regionCode", "{region}"), ("group", "Web ACL"))),
    Query("waf.rule", "awswaf", (("regionCode", "{region}"), ("group", "Rule"))),
    Query("waf.request", "awswaf", (("regionCode", "{region}"), ("group", "Request"))),
)  # fmt: skip


@dataclass(frozen=True)
class Dimension:
    begin: Decimal
    unit: str
    usd: Decimal


@dataclass(frozen=True)
class Product:
    sku: str
    attributes: dict[str, str]
    dimensions: tuple[Dimension, ...]
    effective_date: str
    publication_date: str

    @property
    def usagetype(self) -> str:
        return self.attributes.get("usagetype", "")

    @property
    def is_free(self) -> bool:
        return all(d.usd == 0 for d in self.dimensions)


def parse_item(raw: str | dict[str, Any]) -> Product:
    """One PriceList element (a JSON string, as GetProducts returns it) with its OnDemand dimensions."""
    item = json.loads(raw) if isinstance(raw, str) else raw
    product = item["product"]
    dimensions: list[Dimension] = []
    effective = ""
    for term in item.get("terms", {}).get("OnDemand", {}).values():
        effective = max(effective, str(term.get("effectiveDate", "")))
        for dim in term.get("priceDimensions", {}).values():
            usd = dim.get("pricePerUnit", {}).get("USD")
            if usd is None:
                continue
            dimensions.append(
                Dimension(Decimal(str(dim.get("beginRange", "0"))), str(dim.get("unit", "")), Decimal(usd))
            )
    dimensions.sort(key=lambda d: d.begin)
    return Product(
        str(product.get("sku", "")),
        {k: str(v) for k, v in product.get("attributes", {}).items()},
        tuple(dimensions),
        effective,
        str(item.get("publicationDate", "")),
    )


def get_products(client: Any, service_code: str, filters: list[dict[str, str]]) -> Iterator[Product]:
    """All products for the filters, following NextToken (GetProducts pages at 100 items at most)."""
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "ServiceCode": service_code,
            "Filters": filters,
            "FormatVersion": "aws_v1",
            "MaxResults": 100,
        }
        if token:
            kwargs["NextToken"] = token
        page = client.get_products(**kwargs)
        for raw in page.get("PriceList", []):
            yield parse_item(raw)
        token = page.get("NextToken")
        if not token:
            return


def filters_for(query: Query, region: str) -> list[dict[str, str]]:
    return [{"Type": "TERM_MATCH", "Field": f, "Value": v.format(region=region)} for f, v in query.filters]


def _pick(products: list[Product], suffix: str | None) -> Product | None:
    paid = [p for p in products if not p.is_free and p.dimensions]
    if suffix is not None:
        paid = [p for p in paid if p.usagetype == suffix or p.usagetype.endswith("-" + suffix)]
    return paid[0] if paid else None


def _as_price(price_id: str, product: Product, unit: str) -> Price:
    tiers = tuple(PriceTier(d.begin, d.usd) for d in product.dimensions)
    return Price(
        price_id, unit, tiers, "price-list", f"Price List SKU {product.sku} {product.usagetype}".strip()
    )


def _cache_size(attribute: str) -> str | None:
    """The stage cache size for a Price List `cacheMemorySizeGb` ('1.6', or '1.55' in some documents)."""
    try:
        value = float(attribute)
    except ValueError:
        return None
    best = min(CACHE_SIZES, key=lambda s: abs(float(s) - value))
    return best if abs(float(best) - value) <= 0.1 * float(best) else None


def fetch_region(
    client: Any, region: str, *, units: dict[str, str], progress: Progress | None = None
) -> tuple[dict[str, Price], list[str], str]:
    """Prices found for the region, the ids not found, and the newest publication date seen."""
    say = progress or NullProgress()
    found: dict[str, Price] = {}
    missing: list[str] = []
    date = ""
    for query in QUERIES:
        try:
            products = list(get_products(client, query.service_code, filters_for(query, region)))
        except Exception as exc:
            raise _service_error(exc, query) from exc
        date = max([date, *(p.publication_date or p.effective_date for p in products)])
        if query.price_id == "apigateway.cache":
            for product in products:
                size = _cache_size(product.attributes.get("cacheMemorySizeGb", ""))
                if size and not product.is_free:
                    pid = f"apigateway.cache.{size}"
                    found[pid] = _as_price(pid, product, units.get(pid, "hours"))
            if not any(pid.startswith("apigateway.cache.") for pid in found):
                missing.append(query.price_id)
            continue
        chosen = _pick(products, query.usagetype_suffix)
        if chosen is None:
            missing.append(query.price_id)
            say.warn(f"Price List has no {query.price_id} for {region}")
            continue
        found[query.price_id] = _as_price(
            query.price_id, chosen, units.get(query.price_id, chosen.dimensions[0].unit)
        )
    return found, missing, date


def _service_error(exc: Exception, query: Query) -> Exception:
    """One line, whatever the endpoint answered (an emulator may send a whole HTML page)."""
    from apigwops.aws.errors import error_code, translate
    from apigwops.errors import ApigwopsError, ServiceError

    if isinstance(exc, ApigwopsError):
        return exc
    known = translate(exc)
    if known is None:
        return exc
    code = error_code(exc) or type(exc).__name__
    if not isinstance(known, ServiceError):
        return known
    return ServiceError(
        f"the AWS Price List API failed at GetProducts ({query.service_code}): {code}",
        hint="pricing:GetProducts is answered by the us-east-1 endpoint; check credentials and --endpoint-url",
    )


def refresh_region(
    client: Any,
    region: str,
    cache: Path,
    *,
    progress: Progress | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Path:
    """Query the Price List for one region and write `prices-<region>.json` into the cache folder.

    `client` is a boto3 `pricing` client; the Price List Query API answers in us-east-1 (see `pricing_client`).
    """
    say = progress or NullProgress()
    say.step(f"reading the AWS Price List for {region} ({len(QUERIES)} queries)")
    snapshot = load_snapshot()
    units = {
        pid: str(p["unit"]) for body in snapshot["regions"].values() for pid, p in body["prices"].items()
    }
    found, missing, date = fetch_region(client, region, units=units, progress=say)
    if not found:
        from apigwops.errors import ServiceError

        raise ServiceError(f"the AWS Price List returned no API Gateway, Lambda or WAF prices for {region!r}")
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{CACHE_FILE_PREFIX}{region}.json"
    body = {
        "region": region,
        "date": (date or now().isoformat())[:10],
        "fetched_at": now().isoformat(timespec="seconds"),
        "missing": missing,
        "prices": {pid: price_to_json(p) for pid, p in sorted(found.items())},
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def pricing_client(aws: Any) -> Any:
    """A read-only `pricing` client on the us-east-1 endpoint, whatever region is being priced."""
    from dataclasses import replace

    from apigwops.aws.session import AwsContext

    return AwsContext(replace(aws.settings, region=PRICING_REGION)).client("pricing")
