"""Generator-CPU verdict, and the reports: summary round trip, JUnit per SLO, markdown, re-judging."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from apigwops.loadtest.cpu import judge_samples
from apigwops.loadtest.reports import read_summary, write_reports
from apigwops.loadtest.service import LoadtestRequest, build_report, check_saved
from apigwops.loadtest.slo import parse_slos
from apigwops.loadtest.stats import parse_result
from tests.unit.loadtest.test_config import plan
from tests.unit.loadtest.test_stats import raw_run


def test_cpu_median_ignores_first_sample_and_flags_saturation() -> None:
    calm = judge_samples({1: [100.0, 20.0, 30.0, 25.0], 2: [0.0, 5.0]})
    assert calm.reliable
    assert calm.busiest_median_pct == 25.0
    busy = judge_samples({1: [0.0, 97.0, 99.0, 40.0]})
    assert not busy.reliable
    assert "--workers" in busy.to_dict()["advice"]
    assert judge_samples({}).reliable
    starved = judge_samples({1: [0.0, 50.0, 50.0]}, lags_ms=[100.0, 30.0, 25.0, 2.0])
    assert starved.loop_lag_ms == 25.0
    assert not starved.reliable
    assert judge_samples({1: [0.0, 50.0]}, lags_ms=[None, 1.0, 2.0]).reliable


def _report(slos: list[str], cpu_samples: list[float] | None = None, exclude_ramp: bool = False):
    request = LoadtestRequest(plan=plan(), slos=parse_slos(slos), exclude_ramp=exclude_ramp)
    cpu = judge_samples({1: cpu_samples or [0.0, 10.0]})
    return build_report(request, parse_result(raw_run()), cpu)


def test_exclude_ramp_judges_the_steady_state() -> None:
    whole = _report(["p95<100ms", "error_rate<1%"])
    assert [s.passed for s in whole.slos] == [False, False]
    steady = _report(["p95<100ms", "error_rate<1%"], exclude_ramp=True)
    assert steady.judged_on == "steady"
    assert [s.passed for s in steady.slos] == [True, True]
    assert steady.to_dict()["requests"] == 120  # top-level numbers stay the whole run


def test_reports_round_trip_and_junit(tmp_path: Path) -> None:
    report = _report(["p95<100ms", "rps>1"], cpu_samples=[0.0, 95.0, 96.0])
    files = write_reports(report, tmp_path)
    assert {"junit", "markdown", "summary", "chart"} <= set(files)
    data = json.loads((tmp_path / "summary.json").read_text())
    for key in ("requests", "failures", "rps", "latency_ms", "status_counts", "slos", "passed"):
        assert key in data
    assert set(data["latency_ms"]) == {"p50", "p90", "p95", "p99", "max"}
    assert data["slos"][0] == {
        "expr": "p95<100ms",
        "metric": "p95",
        "actual": 400.0,
        "unit": "ms",
        "passed": False,
    }
    assert data["latency_reliable"] is False
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["p95<100ms", "rps>1"]
    assert "400 ms" in cases[0].find("failure").get("message")
    assert cases[1].find("failure") is None
    assert "Latency unreliable" in (tmp_path / "summary.md").read_text()
    again = read_summary(tmp_path)
    assert again.to_dict()["slos"] == data["slos"]
    assert again.whole == report.whole


def test_check_saved_rejudges_and_optionally_rewrites(tmp_path: Path) -> None:
    write_reports(_report(["p95<100ms"]), tmp_path)
    report = check_saved(tmp_path, parse_slos(["p95<1s"]), rewrite=False)
    assert report.passed
    assert json.loads((tmp_path / "summary.json").read_text())["passed"] is False
    check_saved(tmp_path, parse_slos(["p95<1s"]), rewrite=True)
    assert json.loads((tmp_path / "summary.json").read_text())["passed"] is True
    steady = check_saved(tmp_path, parse_slos(["p95<100ms"]), exclude_ramp=True, rewrite=False)
    assert steady.passed


def test_cloudwatch_beside_locust() -> None:
    from apigwops.loadtest.cloudwatch import beside
    from apigwops.loadtest.stats import Totals

    locust = Totals(10, 3, 1.0, {}, {"200": 7, "404": 1, "429": 1, "502": 1}, mean_ms=12.5)
    rows = {r["metric"]: r for r in beside(locust, {"Count": 11.0, "4XX": 2.0, "5XX": 1.0, "Latency": 9.0})}
    assert rows["requests"] == {"metric": "requests", "locust": 10, "cloudwatch": 11.0}
    assert rows["4xx responses"]["locust"] == 2
    assert rows["5xx responses"]["locust"] == 1
    assert rows["mean latency (ms)"]["locust"] == 12.5
    assert rows["integration latency (ms)"]["cloudwatch"] is None


def test_error_rate_is_always_reported_and_a_run_without_slos_is_judged_on_its_requests() -> None:
    from apigwops.loadtest.reports.junit import junit_xml
    from apigwops.loadtest.reports.markdown import markdown_summary
    from apigwops.loadtest.result import LoadtestReport
    from apigwops.loadtest.stats import Totals

    whole = Totals(4, 1, 2.0, {"p95": 10.0}, {"200": 3, "500": 1})
    report = LoadtestReport(run={"scenario": "smoke"}, whole=whole, steady=None, judged_on="whole", slos=[])
    report.rejudge([], exclude_ramp=False)
    assert report.to_dict()["error_rate"] == 25.0
    assert report.passed is False
    assert [c.id for c in report.checks] == ["requests"]
    assert "1 of 4 requests failed (25%); 500: 1" in junit_xml(report)
    assert "| 4 | 1 | 25% |" in markdown_summary(report)
    report.rejudge(parse_slos(["error_rate<30%"]), exclude_ramp=False)
    assert report.passed is True
    assert report.checks == []


def test_chart_is_drawn_from_one_sample_and_skipped_without_any(tmp_path: Path) -> None:
    from apigwops.loadtest.reports.chart import write_chart

    assert write_chart([{"t": 1.0, "rps": 5.0, "p95_ms": 12.0}], tmp_path / "one.png") is True
    assert (tmp_path / "one.png").read_bytes().startswith(b"\x89PNG")
    assert write_chart([], tmp_path / "none.png") is False
    assert not (tmp_path / "none.png").exists()
