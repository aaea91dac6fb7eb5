"""Writers for a load test's report directory: summary.json, junit.xml, summary.md and a chart.

Locust writes its own HTML report into the same directory while it runs; each writer here takes the finished
`LoadtestReport`, so `loadtest check DIR` can rewrite the judged files after judging a saved run again.
"""

from __future__ import annotations

import json
from pathlib import Path

from apigwops.loadtest.reports.chart import write_chart
from apigwops.loadtest.reports.junit import junit_xml
from apigwops.loadtest.reports.markdown import markdown_summary
from apigwops.loadtest.result import LoadtestReport

SUMMARY_JSON = "summary.json"


def write_reports(report: LoadtestReport, directory: Path, *, chart: bool = True) -> dict[str, str]:
    """Write every report; returns {kind: path}. A chart that cannot be drawn becomes a note, not an error."""
    directory.mkdir(parents=True, exist_ok=True)
    files = dict(report.files)
    (directory / "junit.xml").write_text(junit_xml(report), encoding="utf-8")
    files["junit"] = str(directory / "junit.xml")
    if chart:
        try:
            if write_chart(report.series, directory / "timeseries.png", unreliable=not report.cpu.reliable):
                files["chart"] = str(directory / "timeseries.png")
        except Exception as exc:  # matplotlib problems must not lose the other reports
            report.notes.append(f"chart skipped: {type(exc).__name__}: {exc}")
    if (directory / "locust.html").is_file():
        files["html"] = str(directory / "locust.html")
    files["markdown"] = str(directory / "summary.md")
    files["summary"] = str(directory / SUMMARY_JSON)
    report.files = files
    (directory / "summary.md").write_text(markdown_summary(report), encoding="utf-8")
    (directory / SUMMARY_JSON).write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return files


def read_summary(directory: Path) -> LoadtestReport:
    from apigwops.errors import UsageError

    path = directory / SUMMARY_JSON if directory.is_dir() else directory
    if not path.is_file():
        raise UsageError(f"no {SUMMARY_JSON} in {directory}: give the --report-dir of an earlier run")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LoadtestReport.from_dict(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path} is not a loadtest summary ({type(exc).__name__}: {exc})") from None
