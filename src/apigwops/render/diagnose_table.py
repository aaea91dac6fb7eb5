"""The diagnosis for a terminal: summary, error-rate and p99 sparklines, ranked findings, evidence and fixes.

Every string from logs or configuration goes into rich `Text` objects (markup off), since rich would
silently drop `[bracketed]` text from an error message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apigwops.render.output import console as data_console
from apigwops.render.registry import Result, renders
from apigwops.render.sparkline import sparkline
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from rich.console import Console

    from apigwops.runtime import Runtime

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


@renders("diagnose", OutputFormat.table)
def render_diagnosis(result: Result, runtime: Runtime) -> None:
    render_table(result.document, data_console(runtime))


def render_table(doc: dict[str, Any], console: Console) -> None:
    """Print the DESIGN JSON document (`Report.as_json()`) as a terminal report."""
    from rich.table import Table
    from rich.text import Text

    api, window, traffic = doc["api"], doc["window"], doc["traffic"]
    console.print(
        Text.assemble(
            (f"{api['name']}", "bold"),
            f" ({api['id']}, {api['type']})  stage {api['stage']}  {api['region']}  ",
            f"{window['start']} → {window['end']}",
        )
    )
    status = "  ".join(f"{k} {v:,}" for k, v in traffic.get("status", {}).items())
    onset = doc["onset"] or "none"
    console.print(Text(f"requests {traffic['requests']:,}  {status}  onset {onset}"))
    timeline = traffic.get("timeline") or {}
    rates = timeline.get("error_rate") or []
    if rates:
        console.print(
            Text.assemble(("error rate ", "dim"), (sparkline(rates), "red"), f"  max {max(rates):.1%}")
        )
        p99 = timeline.get("p99_ms") or []
        if any(v is not None for v in p99):
            top = max(v for v in p99 if v is not None)
            console.print(
                Text.assemble(("p99 ms     ", "dim"), (sparkline(p99), "blue"), f"  max {top:,.0f}")
            )
    _routes(console, traffic.get("routes") or [])
    findings = doc["findings"]
    if not findings:
        console.print(Text("No findings: nothing in the evidence points at a problem.", "green"))
    else:
        table = Table(title="Findings (ranked by share of the symptom, then severity)", title_justify="left")
        for column, justify in (
            ("#", "right"),
            ("severity", "left"),
            ("symptom", "left"),
            ("share", "right"),
        ):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        table.add_column("count", justify="right")
        table.add_column("finding")
        table.add_column("confidence")
        for i, f in enumerate(findings, 1):
            table.add_row(
                str(i),
                Text(f["severity"], SEVERITY_STYLE.get(f["severity"], "")),
                Text(str(f["symptom"])),
                f"{f['share']:.0%}",
                f"{f['count']:,}",
                Text.assemble((f["id"], "bold"), "\n", f["title"]),
                f["confidence"],
            )
        console.print(table)
        for i, f in enumerate(findings, 1):
            _finding(console, i, f)
    if doc["blind_spots"]:
        console.print(Text("Blind spots", "bold yellow"))
        for spot in doc["blind_spots"]:
            console.print(Text(f"  • {spot}"))
    problems = [c for c in doc["checks"] if c["status"] != "ok"]
    if problems:
        console.print(Text("Evidence not read", "bold"))
        for check in problems:
            console.print(Text(f"  {check['id']}: {check['status']} {check.get('reason', '')}".rstrip()))
    cost = doc["cost"]
    console.print(
        Text(
            f"{cost['api_calls']} AWS calls, {cost['logs_bytes_scanned']:,} log bytes scanned (~${cost['usd']:.4f})",
            "dim",
        )
    )


def _routes(console: Console, routes: list[dict[str, Any]], limit: int = 5) -> None:
    from rich.table import Table
    from rich.text import Text

    failing = [r for r in routes if r["4xx"] or r["5xx"]][:limit]
    if not failing:
        return
    table = Table(title="Routes with failures", title_justify="left", box=None)
    table.add_column("route")
    for column in ("requests", "4xx", "5xx", "p99 ms"):
        table.add_column(column, justify="right")
    for r in failing:
        p99 = "" if r.get("p99_ms") is None else f"{r['p99_ms']:,.0f}"
        table.add_row(Text(r["route"]), f"{r['requests']:,}", f"{r['4xx']:,}", f"{r['5xx']:,}", p99)
    console.print(table)


def _finding(console: Console, rank: int, f: dict[str, Any]) -> None:
    from rich.text import Text

    console.print(Text.assemble(f"\n{rank}. ", (f["id"], "bold"), f"  {f['title']}"))
    for e in f["evidence"]:
        console.print(Text.assemble(("   ", ""), (f"{e['source']}: ", "dim"), e["detail"]))
    remediation = f["remediation"]
    if remediation:
        console.print(Text.assemble(("   fix: ", "green"), remediation[0]))
        for command in remediation[1:]:
            console.print(Text(f"     $ {command}", "cyan"), soft_wrap=True)
    for url in f["docs"]:
        console.print(Text(f"   docs: {url}", "dim"), soft_wrap=True)
