"""`status` ordering, the worst stage's command, the table, and `--watch` redrawing until Ctrl-C (no AWS)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from rich.console import Console

from apigwops.alarms.recommended import StageRef
from apigwops.render.status import render_status
from apigwops.runtime import Runtime
from apigwops.status.model import RegionStatus, StageStatus, StatusReport
from apigwops.timewindow import Window

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def stage(name: str, api_type: str = "REST", **numbers: object) -> StageStatus:
    row = StageStatus(StageRef("eu-west-1", f"id-{name}", name, api_type, "prod"))  # type: ignore[arg-type]
    for key, value in numbers.items():
        setattr(row, key, value)
    return row


def report(*rows: StageStatus) -> StatusReport:
    return StatusReport(
        Window(NOW - timedelta(minutes=15), NOW), "15m", 60, [RegionStatus("eu-west-1", list(rows))]
    )


def test_worst_first_and_the_command_for_it() -> None:
    quiet = stage("quiet", requests=100.0)
    slow = stage("slow", requests=100.0, latency_p99_ms=4000.0)
    failing = stage("failing", "HTTP", requests=100.0, errors_5xx=5.0)
    paged = stage("paged", requests=1000.0, errors_5xx=1.0, alarms=["paged-5xx"])
    ranked = report(quiet, slow, failing, paged)
    assert [s.ref.api_name for s in ranked.stages()] == ["paged", "failing", "slow", "quiet"]
    assert ranked.worst_command() == "apigwops diagnose --alarm paged-5xx --region eu-west-1"
    assert report(quiet, failing).worst_command() == (
        "apigwops diagnose 5xx --api failing --stage prod --since 15m --region eu-west-1"
    )
    assert report(quiet, slow).worst_command() == (
        "apigwops diagnose latency --api slow --stage prod --since 15m --region eu-west-1"
    )
    assert report(stage("idle")).worst_command() is None


def test_a_name_shared_by_two_apis_is_replaced_by_the_id() -> None:
    one = stage("twin", errors_5xx=3.0, requests=10.0)
    other = StageStatus(StageRef("eu-west-1", "id-other", "twin", "REST", "prod"))
    assert "--api id-twin " in (report(one, other).worst_command() or "")


def test_table_shows_rates_sparklines_and_alarms() -> None:
    row = stage("orders", requests=200.0, errors_5xx=50.0, errors_4xx=10.0, alarms=["orders-5xx"])
    row.series = {"requests": [10.0, 90.0, 100.0], "5xx": [0.0, 10.0, 40.0]}
    console = Console(file=io.StringIO(), width=200, no_color=True)
    render_status(report(row).as_json(), console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "25.0%" in text
    assert "5.0%" in text
    assert "▂▇█" in text  # requests per minute
    assert "▁▃█" in text  # 5xx per minute
    assert "orders-5xx" in text
    assert "worst: apigwops diagnose --alarm orders-5xx" in text


def test_watch_redraws_until_ctrl_c() -> None:
    from apigwops.cli.status import _watch

    reads: list[int] = []
    sleeps: list[float] = []

    def read() -> StatusReport:
        reads.append(1)
        return report(stage(f"api-{len(reads)}", requests=1.0))

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise KeyboardInterrupt

    console = Console(file=io.StringIO(), width=200, no_color=True, force_terminal=False)
    _watch(Runtime(out=console, sleep=sleep), read, 30.0)
    assert len(reads) == 3  # the first draw, then one per interval until Ctrl-C
    assert sleeps == [30.0, 30.0, 30.0]
    assert "api-3" in console.file.getvalue()  # type: ignore[attr-defined]


def test_alarm_header_names_the_threshold_for_each_alarm_type() -> None:
    from apigwops.render.alarm import alarm_lines, alarm_markdown, threshold_text

    metric = {
        "type": "metric",
        "comparison": "GreaterThanOrEqualToThreshold",
        "threshold": 3000.0,
        "evaluation_periods": 3,
        "period_s": 60,
        "metrics": [{"name": "Latency", "statistic": "p99"}],
    }
    assert threshold_text(metric) == "Latency p99 >= 3000 over 3 x 60 s"
    math = {**metric, "type": "math", "comparison": "LessThanThreshold", "threshold": 50.0}
    math["expressions"] = [{"id": "rate", "expression": "100 * hits / (hits + misses)"}]
    assert threshold_text(math) == "rate = 100 * hits / (hits + misses) < 50 over 3 x 60 s"
    composite = {"type": "composite", "rule": 'ALARM("a") OR ALARM("b")'}
    assert threshold_text(composite) == 'rule ALARM("a") OR ALARM("b")'
    doc = {
        **composite,
        "name": "[prod] checkout",
        "state": "ALARM",
        "fired_at": "2026-11-24T01:12:00Z",
        "window_source": "history",
        "used_child": "b",
        "notes": ["n1"],
        "unresolved": ["u1"],
    }
    lines = alarm_lines(doc)
    assert lines[0] == 'alarm [prod] checkout (ALARM): rule ALARM("a") OR ALARM("b")'
    assert "diagnosed from child alarm b" in lines
    assert alarm_markdown(doc).splitlines()[-2:] == ["- note: n1", "- not resolved: u1"]
