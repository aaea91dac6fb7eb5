"""Cost results on stdout: rich tables, CSV and markdown, all built from the same pandas tables.

The JSON documents and the rounding rules live in the core (`apigwops.cost.document`); the tables here use
its helpers, so every output mode shows the same numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from apigwops.cost.document import natural_order, per_million, quantity
from apigwops.cost.money import cents
from apigwops.render.output import console, write
from apigwops.render.registry import Result, renders
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    import pandas as pd

    from apigwops.cost.catalog import RegionPrices
    from apigwops.cost.compare import Comparison
    from apigwops.cost.model import Estimate
    from apigwops.runtime import Runtime

ESTIMATE = "cost.estimate"
COMPARE = "cost.compare"
PRICES = "cost.prices"
TOTAL = "TOTAL"


def money_text(value: Decimal) -> str:
    """Cents, or four decimals for rates that were kept at four (per-key costs)."""
    exponent = value.as_tuple().exponent
    return f"{value:,.4f}" if isinstance(exponent, int) and exponent < -2 else f"{value:,.2f}"


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
        for p in sorted(region.prices.values(), key=natural_order)
        for t in sorted(p.tiers, key=lambda t: t.begin)
    ]
    return pd.DataFrame(
        rows, columns=["price", "from", "usd_per_unit", "unit", "status", "source"], dtype=object
    )


def prices_markdown(region: RegionPrices) -> str:
    head = f"## Prices for {region.region} ({region.origin}, {region.date})\n\n"
    return head + _md_table(prices_frame(region)) + "\n"


@renders(ESTIMATE, OutputFormat.csv)
def render_estimate_csv(result: Result, runtime: Runtime) -> None:
    write(estimate_csv(result.value))


@renders(ESTIMATE, OutputFormat.markdown)
def render_estimate_markdown(result: Result, runtime: Runtime) -> None:
    write(estimate_markdown(result.value))


@renders(ESTIMATE, OutputFormat.table)
def render_estimate_table(result: Result, runtime: Runtime) -> None:
    est: Estimate = result.value
    out = console(runtime)
    title = f"{est.api_type.upper()} API in {est.region}: ${cents(est.total_usd):,.2f} per month"
    ppm = per_million(est.total_usd, est.api_requests)
    if ppm is not None:
        title += f" (${cents(ppm):,.2f} per million requests)"
    out.print(title, markup=False)
    print_frame(runtime, components_frame(est).drop(columns=["detail"]), "Components (USD)")
    if est.tiers:
        print_frame(runtime, tiers_by_component(est), "Usage-plan tiers (USD)")
    if est.worst_case_usd is not None and est.worst_case_requests is not None:
        out.print(
            f"Worst case, every key at its full quota: ${cents(est.worst_case_usd):,.2f} "
            f"for {quantity(est.worst_case_requests):,} requests",
            markup=False,
        )
    out.print(f"Assumptions (prices: {est.price_origin}, {est.price_date}):", markup=False)
    for line in est.assumptions:
        out.print(f"  - {line}", markup=False)


@renders(COMPARE, OutputFormat.csv)
def render_comparison_csv(result: Result, runtime: Runtime) -> None:
    write(comparison_csv(result.value))


@renders(COMPARE, OutputFormat.markdown)
def render_comparison_markdown(result: Result, runtime: Runtime) -> None:
    write(comparison_markdown(result.value))


@renders(COMPARE, OutputFormat.table)
def render_comparison_table(result: Result, runtime: Runtime) -> None:
    cmp: Comparison = result.value
    print_frame(runtime, comparison_frame(cmp), "REST vs HTTP (USD per month)")
    out = console(runtime)
    out.print(f"HTTP saves ${cents(cmp.difference_usd):,.2f} per month, without:", markup=False)
    for item in cmp.http_lacks:
        out.print(f"  - {item}", markup=False)


@renders(PRICES, OutputFormat.csv)
def render_prices_csv(result: Result, runtime: Runtime) -> None:
    write(str(prices_frame(result.value).to_csv(index=False)))


@renders(PRICES, OutputFormat.markdown)
def render_prices_markdown(result: Result, runtime: Runtime) -> None:
    write(prices_markdown(result.value))


@renders(PRICES, OutputFormat.table)
def render_prices_table(result: Result, runtime: Runtime) -> None:
    prices: RegionPrices = result.value
    print_frame(runtime, prices_frame(prices), f"Prices for {prices.region} ({prices.origin}, {prices.date})")


def print_frame(runtime: Runtime, frame: pd.DataFrame, title: str) -> None:
    """A DataFrame as a rich table: numbers right-aligned, money as cents, every cell plain text."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        numeric = column not in ("component", "tier", "unit", "price", "status", "source", "detail")
        table.add_column(str(column), justify="right" if numeric else "left")
    for row in frame.astype(object).itertuples(index=False):
        cells = []
        for value in row:
            if value is None or (isinstance(value, float) and value != value):
                cells.append("")
            elif isinstance(value, Decimal):
                cells.append(money_text(value))
            elif isinstance(value, int):
                cells.append(f"{value:,}")
            else:
                cells.append(str(value))
        table.add_row(*(Text(c) for c in cells))
    console(runtime).print(table, markup=False)
