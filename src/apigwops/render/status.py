"""`apigwops status` output: the stage table (worst first, sparklines), alarm coverage, and with `--alarms`
`-o yaml` a CloudFormation template of the missing alarms (JSON, text and plain YAML are the generic renderers).

Small functions over the JSON document (`StatusReport.as_json()`), registered per (kind, format). Names and
alarm names come from the account: printed through rich `Text` (markup off).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apigwops.render.output import console, write
from apigwops.render.registry import Result, renders
from apigwops.render.sparkline import sparkline
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from apigwops.runtime import Runtime

STATUS = "status"  # `apigwops status`
STATUS_ALARMS = "status.alarms"  # `apigwops status --alarms`: the same document plus alarm_coverage


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _ms(p99: float | None, maximum: float | None) -> str:
    if p99 is not None:
        return f"{p99:,.0f}"
    if maximum is not None:
        return f"max {maximum:,.0f}"
    return "-"


def status_table(doc: dict[str, Any]) -> RenderableType:
    """The stages as one rich table (also what `--watch` refreshes)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    window = doc["window"]
    table = Table(
        title=f"API stages, worst first  {window['start']} → {window['end']}  ({doc['period_s']} s points)",
        title_justify="left",
    )
    for column, justify in (
        ("api", "left"),
        ("type", "left"),
        ("stage", "left"),
        ("region", "left"),
        ("requests", "right"),
        ("4xx", "right"),
        ("5xx", "right"),
        ("p99 ms", "right"),
        ("integ p99 ms", "right"),
        ("requests/min", "left"),
        ("5xx/min", "left"),
        ("alarms in ALARM", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in doc["stages"]:
        series = row.get("series") or {}
        bad = bool(row["alarms_in_alarm"]) or (row["rate_5xx"] or 0) > 0
        table.add_row(
            Text(row["api"], style="bold red" if bad else ""),
            row["type"],
            Text(row["stage"]),
            row["region"],
            f"{row['requests']:,.0f}",
            _rate(row["rate_4xx"]),
            Text(_rate(row["rate_5xx"]), style="red" if (row["rate_5xx"] or 0) > 0 else ""),
            _ms(row["latency_p99_ms"], row["latency_max_ms"]),
            _ms(row["integration_latency_p99_ms"], row["integration_latency_max_ms"]),
            Text(sparkline(series.get("requests") or []), style="blue"),
            Text(sparkline(series.get("5xx") or []), style="red"),
            Text(
                ", ".join(row["alarms_in_alarm"]) or "-", style="magenta" if row["alarms_in_alarm"] else "dim"
            ),
        )
    parts: list[RenderableType] = [table]
    for region in doc["regions"]:
        for check in region["checks"]:
            if check["status"] != "ok":
                parts.append(
                    Text(
                        f"{region['region']}: {check['id']} {check['status']}: {check.get('reason', '')}",
                        style="yellow",
                    )
                )
        if region["other_alarms_in_alarm"]:
            parts.append(
                Text(
                    f"{region['region']}: other alarms in ALARM: {', '.join(region['other_alarms_in_alarm'])}",
                    style="magenta",
                )
            )
    if not doc["stages"]:
        parts.append(Text("No API stages in the region(s).", style="dim"))
    if doc.get("worst"):
        parts.append(Text.assemble(("worst: ", "bold"), (doc["worst"]["command"], "bold cyan")))
    return Group(*parts)


def coverage_renderable(doc: dict[str, Any]) -> RenderableType:
    """Per stage: the recommended alarms present, and each missing one as a ready-to-run command."""
    from rich.console import Group
    from rich.text import Text

    parts: list[RenderableType] = [Text("Alarm coverage (the seed's recommended set)", style="bold")]
    for stage in doc.get("alarm_coverage") or []:
        head = (
            f"{stage['api']} ({stage['api_id']}, {stage['type']}) stage {stage['stage']} {stage['region']}: "
        )
        if not stage["missing"]:
            parts.append(Text(head + "all recommended alarms present", style="green"))
            continue
        present = ", ".join(stage["present"]) or "none"
        parts.append(Text(head + f"missing {len(stage['missing'])} (present: {present})", style="yellow"))
        for missing in stage["missing"]:
            parts.append(Text(f"# {missing['description']}", style="dim"))
            parts.append(Text(missing["command"]))
    return Group(*parts)


def render_status(doc: dict[str, Any], console: Console) -> None:
    console.print(status_table(doc))
    if "alarm_coverage" in doc:
        console.print(coverage_renderable(doc))


def require_live_table(runtime: Runtime) -> None:
    """`--watch` redraws the table in place; any other output (or a --query selection) is a usage error."""
    from apigwops.errors import UsageError

    if runtime.output != OutputFormat.table or runtime.query is not None:
        raise UsageError("--watch redraws a table on a terminal; it needs --output table and no --query")


@renders(STATUS, OutputFormat.table)
@renders(STATUS_ALARMS, OutputFormat.table)
def render_status_table(result: Result, runtime: Runtime) -> None:
    render_status(result.document, console(runtime))


@renders(STATUS_ALARMS, OutputFormat.yaml)
def render_alarms_template(result: Result, runtime: Runtime) -> None:
    """The missing recommended alarms as a CloudFormation template (`result.value` is the StatusReport)."""
    import yaml

    from apigwops.alarms.recommended import cloudformation_resources

    missing = [(c.stage, rec) for r in result.value.regions for c in r.coverage for rec in c.missing]
    write(yaml.safe_dump(cloudformation_resources(missing), sort_keys=False, allow_unicode=True))
