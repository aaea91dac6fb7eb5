"""The diagnosis as markdown for an incident ticket: summary, ranked findings with their fix, blind spots.

Text from logs and configuration is untrusted: table cells escape `|` and newlines, and commands go in fenced
code blocks, so a hostile error message cannot break the layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apigwops.render.output import write
from apigwops.render.registry import Result, renders
from apigwops.render.sparkline import sparkline
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from apigwops.runtime import Runtime


def _cell(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def _line(value: object) -> str:
    return str(value).replace("\n", " ").replace("\r", " ")


@renders("diagnose", OutputFormat.markdown)
def render_markdown(result: Result, runtime: Runtime) -> None:
    write(to_markdown(result.document))


def to_markdown(doc: dict[str, Any]) -> str:
    """Markdown from the DESIGN JSON document (`Report.as_json()`)."""
    api, window, traffic = doc["api"], doc["window"], doc["traffic"]
    status = traffic.get("status", {})
    out = [
        f"## apigwops diagnosis: {_line(api['name'])} / {_line(api['stage'])} ({api['type']}, {api['region']})",
        "",
        f"- Window: {window['start']} to {window['end']}",
        f"- Onset: {doc['onset'] or 'none found (errors throughout, or no rise in the window)'}",
        f"- Requests: {traffic['requests']:,} ("
        + ", ".join(f"{k} {v:,}" for k, v in status.items())
        + f"; from {traffic.get('source', 'access-logs')})",
    ]
    timeline = traffic.get("timeline") or {}
    if timeline.get("error_rate"):
        rates = timeline["error_rate"]
        out.append(f"- Error rate: `{sparkline(rates)}` (max {max(rates):.1%})")
        p99 = [v for v in timeline.get("p99_ms", []) if v is not None]
        if p99:
            out.append(f"- p99 latency: `{sparkline(timeline['p99_ms'])}` (max {max(p99):,.0f} ms)")
    out += ["", "### Findings", ""]
    findings = doc["findings"]
    if not findings:
        out.append("No findings: nothing in the evidence points at a problem.")
    else:
        out += [
            "| # | finding | severity | symptom | share | count | confidence |",
            "|---|---|---|---|---|---|---|",
        ]
        for i, f in enumerate(findings, 1):
            out.append(
                f"| {i} | {_cell(f['id'])} | {f['severity']} | {_cell(f['symptom'])} | {f['share']:.0%} "
                f"| {f['count']:,} | {f['confidence']} |"
            )
        for i, f in enumerate(findings, 1):
            out += _finding(i, f)
    if doc["blind_spots"]:
        out += ["", "### Blind spots", ""]
        out += [f"- {_line(spot)}" for spot in doc["blind_spots"]]
    routes = traffic.get("routes") or []
    if routes:
        out += ["", "### Routes", "", "| route | requests | 4xx | 5xx | p99 ms |", "|---|---|---|---|---|"]
        for r in routes:
            route_p99 = "" if r.get("p99_ms") is None else f"{r['p99_ms']:,.0f}"
            out.append(
                f"| {_cell(r['route'])} | {r['requests']:,} | {r['4xx']:,} | {r['5xx']:,} | {route_p99} |"
            )
    out += ["", "### Evidence sources", "", "| source | status | reason |", "|---|---|---|"]
    out += [f"| {_cell(c['id'])} | {c['status']} | {_cell(c.get('reason', ''))} |" for c in doc["checks"]]
    cost = doc["cost"]
    out += [
        "",
        f"_{cost['api_calls']} AWS calls, {cost['logs_bytes_scanned']:,} log bytes scanned (~${cost['usd']:.4f})_",
        "",
    ]
    return "\n".join(out)


def _finding(rank: int, f: dict[str, Any]) -> list[str]:
    out = ["", f"#### {rank}. {_line(f['id'])}: {_line(f['title'])}", ""]
    out += [f"- {e['source']}: {_line(e['detail'])}" for e in f["evidence"]]
    remediation = f["remediation"]
    if remediation:
        out += ["", f"**Fix:** {_line(remediation[0])}"]
        commands = remediation[1:]
        if commands:
            out += ["", "```sh", *(_line(c).replace("```", "'''") for c in commands), "```"]
    if f["docs"]:
        out += ["", "Docs: " + ", ".join(f"<{_line(url)}>" for url in f["docs"])]
    out.append(f"\n_playbook {f['playbook']}_")
    return out
