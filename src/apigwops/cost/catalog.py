"""The price catalog: the dated snapshot shipped in the package, overlaid by Price List refreshes.

Prices are looked up by a stable id ('apigateway.rest.request', 'lambda.arm64.duration', ...) per region.
Each price carries its status (confirmed, secondary, unconfirmed) and source so that every estimate can say
which numbers it leaned on; a refresh from the Price List API (see `pricelist`) writes the same shape into
the user's cache folder, and cached regions win over the snapshot.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from apigwops.cost.money import PriceTier
from apigwops.errors import UsageError

SNAPSHOT_RESOURCE = "prices-snapshot.json"
CACHE_FILE_PREFIX = "prices-"


@dataclass(frozen=True)
class Price:
    """One billable dimension: graduated tiers of unit prices."""

    id: str
    unit: str
    tiers: tuple[PriceTier, ...]
    status: str = "confirmed"
    source: str = ""

    @property
    def first_unit_price(self) -> Decimal:
        return min(self.tiers, key=lambda t: t.begin).unit_price


@dataclass(frozen=True)
class RegionPrices:
    region: str
    prices: dict[str, Price]
    date: str  # snapshot date or Price List publication date
    origin: str  # "snapshot" or "price-list"
    location: str = ""


@dataclass
class Catalog:
    """All regions we have prices for, plus the free-tier allowances."""

    regions: dict[str, RegionPrices]
    free_tier: dict[str, Decimal]
    snapshot_date: str
    notes: list[str] = field(default_factory=list)

    def region(self, region: str) -> RegionPrices:
        try:
            return self.regions[region]
        except KeyError:
            known = ", ".join(sorted(self.regions)) or "none"
            raise UsageError(
                f"no prices for region {region!r} (the snapshot dated {self.snapshot_date} covers: {known})",
                hint=f"run 'apigwops cost prices --region {region} --refresh' to read them from the AWS Price List",
            ) from None

    def price(self, region: str, price_id: str) -> Price:
        prices = self.region(region).prices
        if price_id not in prices:
            raise UsageError(
                f"no price {price_id!r} for region {region!r} in the catalog",
                hint="a Price List refresh covers API Gateway, data transfer, Lambda and WAF; the snapshot has "
                "the rest for us-east-1 only",
            )
        return prices[price_id]


def cache_dir(env: dict[str, str] | None = None) -> Path:
    """APIGWOPS_CACHE_DIR, else $XDG_CACHE_HOME/apigwops, else ~/.cache/apigwops."""
    environ = os.environ if env is None else env
    if environ.get("APIGWOPS_CACHE_DIR"):
        return Path(environ["APIGWOPS_CACHE_DIR"])
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "apigwops"


def parse_price(price_id: str, raw: dict[str, Any]) -> Price:
    tiers = tuple(PriceTier(Decimal(str(begin)), Decimal(str(usd))) for begin, usd in raw["tiers"])
    if not tiers:
        raise ValueError(f"price {price_id} has no tiers")
    return Price(
        price_id, str(raw["unit"]), tiers, str(raw.get("status", "confirmed")), str(raw.get("source", ""))
    )


def price_to_json(price: Price) -> dict[str, Any]:
    return {
        "unit": price.unit,
        "status": price.status,
        "source": price.source,
        "tiers": [[str(t.begin), str(t.unit_price)] for t in price.tiers],
    }


def _region_from_json(region: str, raw: dict[str, Any], date: str, origin: str) -> RegionPrices:
    prices = {pid: parse_price(pid, p) for pid, p in raw["prices"].items()}
    return RegionPrices(region, prices, date, origin, str(raw.get("location", "")))


def load_snapshot() -> dict[str, Any]:
    text = resources.files("apigwops.cost").joinpath("data", SNAPSHOT_RESOURCE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def snapshot_unit_price(price_id: str, region: str = "us-east-1") -> Decimal:
    """First-tier price of one item in the shipped snapshot, for parts outside `cost` that quote a price
    (diagnose's own Logs Insights cost). Falls back to us-east-1 when the region has no entry."""
    regions = load_snapshot()["regions"]
    body = regions.get(region, {}).get("prices", {}).get(price_id) or regions["us-east-1"]["prices"][price_id]
    return parse_price(price_id, body).tiers[0].unit_price


def load_catalog(cache: Path | None = None, *, use_cache: bool = True) -> Catalog:
    """The snapshot, with every region refreshed into the cache folder laid over it."""
    raw = load_snapshot()
    snapshot_date = str(raw["snapshot_date"])
    regions = {
        name: _region_from_json(name, body, snapshot_date, "snapshot")
        for name, body in raw["regions"].items()
    }
    free = {pid: Decimal(str(v["quantity"])) for pid, v in raw.get("free_tier", {}).items()}
    catalog = Catalog(regions, free, snapshot_date)
    if use_cache:
        folder = cache if cache is not None else cache_dir()
        for path in sorted(folder.glob(f"{CACHE_FILE_PREFIX}*.json")) if folder.is_dir() else []:
            _overlay(catalog, path)
    return catalog


def _overlay(catalog: Catalog, path: Path) -> None:
    """Refreshed prices replace the snapshot's one by one; prices the refresh did not find stay."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        region = str(body["region"])
        refreshed = _region_from_json(region, body, str(body["date"]), "price-list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        catalog.notes.append(f"ignored unreadable price cache {path}: {exc}")
        return
    base = catalog.regions.get(region)
    merged = dict(base.prices) if base else {}
    merged.update(refreshed.prices)
    catalog.regions[region] = RegionPrices(
        region, merged, refreshed.date, "price-list", refreshed.location or (base.location if base else "")
    )
