"""A markdown summary for a CI step summary ($GITHUB_STEP_SUMMARY) and for `--output markdown`."""

from __future__ import annotations

from apigwops.loadtest.result import LoadtestReport


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:g} ms"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


def _num(value: object) -> str:
    return "–" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_summary(report: LoadtestReport) -> str:
    whole, run = report.whole, report.run
    verdict = "✅ passed" if report.passed else "❌ failed"
    lines = [
        f"## Load test {_cell(run.get('scenario', ''))}: {verdict}",
        "",
        f"Target `{_cell(run.get('url', ''))}`, {run.get('users', '?')} users, {run.get('duration_s', '?')} s,"
        f" {run.get('workers', 1)} process(es).",
        "",
    ]
    if not report.cpu.reliable:
        lines += [f"> **Latency unreliable**: {report.cpu.to_dict()['advice']}.", ""]
    if report.interrupted:
        lines += ["> The run was interrupted; numbers cover the part that ran.", ""]
    lines += [
        "| requests | failures | error rate | rps | p50 | p90 | p95 | p99 | max |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {whole.requests} | {whole.failures} | {_pct(whole.measured()['error_rate'])} | {whole.rps:g} | "
        + " | ".join(_ms(whole.latency_ms.get(k)) for k in ("p50", "p90", "p95", "p99", "max"))
        + " |",
        "",
    ]
    if report.slos or report.checks:
        lines += [f"| gate | measured ({report.judged_on}) | result |", "|---|---:|---|"]
        for slo in report.slos:
            measured = "–" if slo.actual is None else f"{slo.actual:g} {slo.unit}"
            lines.append(f"| `{_cell(slo.expr)}` | {measured} | {'pass' if slo.passed else '**FAIL**'} |")
        for check in report.checks:
            lines.append(f"| {check.id} | {_cell(check.detail)} | {'pass' if check.passed else '**FAIL**'} |")
        lines.append("")
    if whole.status_counts:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(whole.status_counts.items()))
        lines += [f"Status codes: {counts} (0 = no response).", ""]
    if report.cloudwatch and report.cloudwatch.get("beside"):
        lines += ["| run window | Locust | CloudWatch |", "|---|---:|---:|"]
        for row in report.cloudwatch["beside"]:
            lines.append(f"| {row['metric']} | {_num(row['locust'])} | {_num(row['cloudwatch'])} |")
        if report.cloudwatch.get("note"):
            lines.append(f"\n{_cell(report.cloudwatch['note'])}")
        lines.append("")
    elif report.cloudwatch and report.cloudwatch.get("skipped"):
        lines += [f"CloudWatch skipped: {_cell(report.cloudwatch['skipped'])}.", ""]
    for note in report.notes:
        lines.append(f"- {_cell(note)}")
    return "\n".join(lines).rstrip() + "\n"
