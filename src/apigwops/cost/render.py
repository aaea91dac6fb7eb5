"""Cost results as plain data: the JSON document, pandas tables, CSV and markdown text.

Rounding to the cent happens here and only here. The rich terminal table is built by the CLI from the same
DataFrames, so every output mode shows the same numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from apigwops.cost.catalog import Price, RegionPrices
from apigwops.cost.model import Estimate
from apigwops.cost.money import cents

if TYPE_CHECKING:
    import pandas as pd

    from apigwops.cost.compare import Comparison

MILLION = Decimal(1_000_000)
TOTAL = "TOTAL"


def money_text(value: Decimal) -> str:
    """Cents, or four decimals for rates that were kept at four (per-key costs)."""
    exponent = value.as_tuple().exponent
    return f"{value:,.4f}" if isinstance(exponent, int) and exponent < -2 else f"{value:,.2f}"


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


def components_frame(est: Estimate) -> pd.DataFrame:
    import pandas as pd

    rows: list[dict[str, Any]] = [
        {
            "component": c.component,
            "quantity": quantity(c.quantity),
            "unit": c.unit,
            "usd": cents(c.usd),
            "detail": c.detail,
        }
        for c in est.components
    ]
    rows.append({"component": TOTAL, "quantity": None, "unit": "", "usd": cents(est.total_usd), "detail": ""})
    return pd.DataFrame(rows, columns=["component", "quantity", "unit", "usd", "detail"], dtype=object)


def tiers_frame(est: Estimate) -> pd.DataFrame:
    """Tier x component, with per-tier totals, per-key cost and a TOTAL row; empty without tiers."""
    import pandas as pd

    names = [c.component for c in est.components]
    rows = []
    for t in est.tiers:
        row: dict[str, Any] = {"tier": t.tier, "keys": t.keys, "requests": quantity(t.requests)}
        row.update({n: cents(t.components.get(n, Decimal(0))) for n in names})
        row["usd"] = cents(t.usd)
        row["usd_per_key"] = (
            t.usd_per_key.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            if t.usd_per_key is not None
            else None
        )
        rows.append(row)
    if rows:
        total: dict[str, Any] = {
            "tier": TOTAL,
            "keys": sum(t.keys for t in est.tiers),
            "requests": quantity(sum((t.requests for t in est.tiers), Decimal(0))),
        }
        total.update({c.component: cents(c.usd) for c in est.components})
        total["usd"] = cents(est.total_usd)
        total["usd_per_key"] = None
        rows.append(total)
    return pd.DataFrame(
        rows, columns=["tier", "keys", "requests", *names, "usd", "usd_per_key"], dtype=object
    )


def tiers_by_component(est: Estimate) -> pd.DataFrame:
    """The tier x component table turned on its side (components down, tiers across) for narrow terminals."""
    frame = tiers_frame(est).set_index("tier").T
    frame.index.name = "component"
    return frame.reset_index()


def comparison_frame(cmp: Comparison) -> pd.DataFrame:
    import pandas as pd

    names = list(
        dict.fromkeys([c.component for c in cmp.rest.components] + [c.component for c in cmp.http.components])
    )
    rest = {c.component: c.usd for c in cmp.rest.components}
    http = {c.component: c.usd for c in cmp.http.components}
    rows = [
        {
            "component": n,
            "rest_usd": cents(rest.get(n, Decimal(0))),
            "http_usd": cents(http.get(n, Decimal(0))),
        }
        for n in names
    ]
    rows.append(
        {"component": TOTAL, "rest_usd": cents(cmp.rest.total_usd), "http_usd": cents(cmp.http.total_usd)}
    )
    return pd.DataFrame(rows, columns=["component", "rest_usd", "http_usd"], dtype=object)


def estimate_csv(est: Estimate) -> str:
    """The tier x component table when there are tiers, else the component lines."""
    frame = tiers_frame(est) if est.tiers else components_frame(est)
    return str(frame.to_csv(index=False))


def comparison_csv(cmp: Comparison) -> str:
    return str(comparison_frame(cmp).to_csv(index=False))


def _md_table(frame: pd.DataFrame) -> str:
    def cell(value: Any) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        if isinstance(value, Decimal):
            return money_text(value)
        if isinstance(value, int):
            return f"{value:,}"
        return str(value).replace("|", "\\|")

    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = [
        "| " + " | ".join(cell(v) for v in row) + " |" for row in frame.astype(object).itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def estimate_markdown(est: Estimate) -> str:
    lines = [
        f"## API Gateway cost estimate ({est.api_type.upper()}, {est.region})",
        "",
        f"**Total: ${cents(est.total_usd):,.2f} per month**",
    ]
    ppm = per_million(est.total_usd, est.api_requests)
    if ppm is not None:
        lines.append(f"(${cents(ppm):,.2f} per million requests)")
    if est.worst_case_usd is not None and est.worst_case_requests is not None:
        lines.append(
            f"\nWorst case, every key at its full quota: ${cents(est.worst_case_usd):,.2f} "
            f"for {quantity(est.worst_case_requests):,} requests"
        )
    lines += ["", "### Components", "", _md_table(components_frame(est))]
    if est.tiers:
        lines += ["", "### Usage-plan tiers", "", _md_table(tiers_frame(est))]
    lines += ["", f"### Assumptions (prices: {est.price_origin}, {est.price_date})", ""]
    lines += [f"- {a}" for a in est.assumptions]
    return "\n".join(lines) + "\n"


def comparison_markdown(cmp: Comparison) -> str:
    lines = [
        f"## REST vs HTTP API ({cmp.rest.region})",
        "",
        _md_table(comparison_frame(cmp)),
        "",
        f"HTTP saves ${cents(cmp.difference_usd):,.2f} per month, without:",
        "",
        *[f"- {item}" for item in cmp.http_lacks],
    ]
    return "\n".join(lines) + "\n"


def _natural(price: Price) -> tuple[str, float]:
    """apigateway.cache.6.1 before apigateway.cache.13.5: sizes sort as numbers."""
    head, _, tail = price.id.partition("apigateway.cache.")
    if not head and tail:
        return ("apigateway.cache.", float(tail))
    return (price.id, 0.0)


def prices_frame(region: RegionPrices) -> pd.DataFrame:
    """One row per price tier: id, from (units), USD per unit, unit, status, source."""
    import pandas as pd

    rows = [
        {
            "price": p.id,
            "from": quantity(t.begin),
            "usd_per_unit": f"{t.unit_price.normalize():f}",
            "unit": p.unit,
            "status": p.status,
            "source": p.source,
        }
        for p in sorted(region.prices.values(), key=_natural)
        for t in sorted(p.tiers, key=lambda t: t.begin)
    ]
    return pd.DataFrame(
        rows, columns=["price", "from", "usd_per_unit", "unit", "status", "source"], dtype=object
    )


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
            for p in sorted(region.prices.values(), key=_natural)
        },
    }


def prices_markdown(region: RegionPrices) -> str:
    head = f"## Prices for {region.region} ({region.origin}, {region.date})\n\n"
    return head + _md_table(prices_frame(region)) + "\n"
