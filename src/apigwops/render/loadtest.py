"""Load-test results on stdout: the terminal tables, the markdown summary, and the list of scenarios.

The markdown itself is built by `apigwops.loadtest.reports.markdown`, since the same text is also a report
*file* (summary.md in --report-dir, and $GITHUB_STEP_SUMMARY); `loadtest/reports/` keeps the writers of
files, this module only prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigwops.render.output import console, write
from apigwops.render.registry import Result, renders
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from rich.console import Console

    from apigwops.loadtest.result import LoadtestReport
    from apigwops.runtime import Runtime

LOADTEST = "loadtest"  # `loadtest run` and `loadtest check`
SCENARIOS = "loadtest.scenarios"


@renders(LOADTEST, OutputFormat.markdown)
def render_markdown(result: Result, runtime: Runtime) -> None:
    from apigwops.loadtest.reports.markdown import markdown_summary

    write(markdown_summary(result.value))


@renders(LOADTEST, OutputFormat.table)
def render_table(result: Result, runtime: Runtime) -> None:
    _table(console(runtime), result.value)


@renders(SCENARIOS, OutputFormat.table)
def render_scenarios(result: Result, runtime: Runtime) -> None:
    write("\n".join(f"{item['name']:<12} {item['summary']}" for item in result.document))


def _table(out: Console, report: LoadtestReport) -> None:
    """Tables with every user-supplied or remote string wrapped in Text, so rich never reads it as markup."""
    from rich.table import Table
    from rich.text import Text

    whole = report.whole
    table = Table(
        title=Text(f"loadtest {report.run.get('scenario', '')}: {'PASSED' if report.passed else 'FAILED'}")
    )
    for column in ("requests", "failures", "rps", "p50", "p90", "p95", "p99", "max"):
        table.add_column(column, justify="right")
    lat = [whole.latency_ms.get(k) for k in ("p50", "p90", "p95", "p99", "max")]
    table.add_row(
        str(whole.requests),
        str(whole.failures),
        f"{whole.rps:g}",
        *("-" if v is None else f"{v:g} ms" for v in lat),
    )
    out.print(table)
    if report.slos or report.checks:
        gates = Table(title=f"gates (judged on the {report.judged_on} run)")
        gates.add_column("gate")
        gates.add_column("measured", justify="right")
        gates.add_column("result")
        for s in report.slos:
            gates.add_row(
                Text(s.expr),
                "-" if s.actual is None else f"{s.actual:g} {s.unit}",
                "pass" if s.passed else "FAIL",
            )
        for c in report.checks:
            gates.add_row(Text(c.id), Text(c.detail), "pass" if c.passed else "FAIL")
        out.print(gates)
    if report.cloudwatch and report.cloudwatch.get("beside"):
        side = Table(title="run window: Locust beside the stage's CloudWatch metrics")
        for column in ("", "Locust", "CloudWatch"):
            side.add_column(column, justify="right" if column else "left")
        for row in report.cloudwatch["beside"]:
            side.add_row(
                row["metric"], *("-" if v is None else f"{v:g}" for v in (row["locust"], row["cloudwatch"]))
            )
        out.print(side)
    if report.cloudwatch and (report.cloudwatch.get("note") or report.cloudwatch.get("skipped")):
        text = report.cloudwatch.get("skipped") or report.cloudwatch.get("note")
        out.print(f"CloudWatch: {text}", markup=False, highlight=False)
    for note in report.notes:
        out.print(f"note: {note}", markup=False, highlight=False)
