"""`apigwops capture` on a terminal: the bundle's path, then one line saying what is in it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apigwops.render.output import write
from apigwops.render.registry import Result, renders
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from apigwops.runtime import Runtime


@renders("capture", OutputFormat.table)
def render_table(result: Result, runtime: Runtime) -> None:
    write(result.document["bundle"])
    write(summary_line(result.document))


def summary_line(summary: dict[str, Any]) -> str:
    tables = ", ".join(f"{name} {rows:,}" for name, rows in summary["tables"].items())
    redaction = summary["redaction"]
    ips = "IPs pseudonymised" if redaction.get("ips", "kept") != "kept" else "IPs kept"
    not_ok = [f"{source} {status}" for source, status in summary["sources"].items() if status != "ok"]
    gaps = f"; sources not ok: {', '.join(not_ok)}" if not_ok else ""
    return (
        f"{summary['format']} tables (rows): {tables}; {redaction.get('secrets_replaced', 0)} secrets "
        f"redacted, {ips}{gaps}"
    )
