"""The incident report: timeline numbers, markers, every finding, escaping, and nothing that loads."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from apigwops.evidence.bundle import read_bundle, write_bundle
from apigwops.report.html import render_incident_html
from apigwops.report.timeline import bucket_seconds_for, build_timeline
from apigwops.timewindow import Window
from tests.builders.incident import DEPLOYED, ONSET, START, make_evidence, make_report_json

EVIL = '<script>alert("x")</script><img src=https://evil.example/x.png>'


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_timeline_from_access_logs_counts_every_request_and_the_onset() -> None:
    evidence = make_evidence()
    timeline = build_timeline(evidence)
    status = evidence.requests["status"]
    assert (timeline.source, timeline.bucket_seconds, len(timeline.buckets)) == ("access-logs", 60, 30)
    assert timeline.total_requests == len(evidence.requests)
    assert sum(b.server_errors for b in timeline.buckets) == int((status >= 500).sum())
    assert sum(b.client_errors for b in timeline.buckets) == int(((status >= 400) & (status < 500)).sum())
    onset_index = int((ONSET - START).total_seconds() // 60)
    assert all(b.server_errors == 0 for b in timeline.buckets[:onset_index])
    assert all(b.server_errors > 0 for b in timeline.buckets[onset_index:])
    minute = evidence.requests[
        (evidence.requests["time"] >= ONSET) & (evidence.requests["time"] < ONSET + timedelta(minutes=1))
    ]
    expected = float(minute["response_latency"].astype(float).quantile(0.99))
    assert timeline.buckets[onset_index].p99_ms == expected


def test_bucket_size_keeps_the_chart_readable() -> None:
    assert bucket_seconds_for(Window(START, START + timedelta(minutes=30))) == 60
    assert bucket_seconds_for(Window(START, START + timedelta(hours=2))) == 120
    assert bucket_seconds_for(Window(START, START + timedelta(days=1))) == 1800


def test_timeline_falls_back_to_metrics_without_access_logs() -> None:
    evidence = make_evidence()
    evidence.requests = evidence.requests.iloc[0:0]
    timeline = build_timeline(evidence)
    assert timeline.source == "metrics"
    assert [b.requests for b in timeline.buckets] == [20] * 30
    assert [b.server_errors for b in timeline.buckets][11:13] == [0, 7]
    assert {b.p99_ms for b in timeline.buckets} == {120.0}


def test_report_has_chart_markers_every_finding_in_rank_order_and_the_facts() -> None:
    evidence = make_evidence()
    report = make_report_json(evidence)
    html = render_incident_html(report, evidence)
    tags = _tags(html)
    ids = [attrs["data-finding-id"] for tag, attrs in tags if "data-finding-id" in attrs]
    assert ids == [f["id"] for f in report["findings"]]  # type: ignore[index]
    markers = {
        (attrs["class"], attrs["data-time"]) for tag, attrs in tags if tag == "g" and "data-time" in attrs
    }
    assert markers == {
        ("marker marker-onset", "2026-11-24T01:12:00Z"),
        ("marker marker-deployment", "2026-11-24T01:10:00Z"),  # dep1, two days earlier, is not on the chart
        ("marker marker-function-update", "2026-11-24T01:11:00Z"),
    }
    assert sum(1 for tag, attrs in tags if attrs.get("class") == "bucket") == 30
    assert sum(1 for tag, attrs in tags if tag == "rect" and attrs.get("class") == "bar-5xx") == 18
    assert "2026-11-22T01:00:00Z" in html  # dep1 is still listed in the changes table
    for text in ("user-api (a1b2c3d4e5)", "us-east-1", "2026-11-24T01:00:00Z to 2026-11-24T01:30:00Z"):
        assert text in html
    assert "access log format lacks $context.authorizer.error" in html
    assert "AccessDenied: wafv2:GetSampledRequests" in html
    assert DEPLOYED.isoformat()[:10] in html


def test_untrusted_text_is_escaped_and_nothing_can_load() -> None:
    evidence = make_evidence()
    evidence.config = replace(
        evidence.config, changes=(*evidence.config.changes, replace(evidence.config.changes[1], subject=EVIL))
    )
    report = copy.deepcopy(make_report_json(evidence))
    finding = report["findings"][0]  # type: ignore[index]
    finding["title"] = EVIL
    finding["evidence"][0]["detail"] = EVIL
    finding["remediation"].append(EVIL)
    finding["docs"] += ["javascript:alert(1)", 'https://x.example/"onmouseover="alert(1)']
    report["blind_spots"] = [EVIL]
    html = render_incident_html(report, evidence)
    tags = _tags(html)
    assert "<script" not in html.lower()
    assert not [t for t, _ in tags if t in ("script", "link", "img", "iframe", "object", "embed", "base")]
    assert not [
        a for _, a in tags if "src" in a or "srcset" in a or ("style" in a and "url(" in str(a["style"]))
    ]
    hrefs = [a["href"] for t, a in tags if "href" in a]
    assert hrefs
    assert all(t == "a" for t, a in tags if "href" in a)
    assert all(str(h).startswith("https://docs.aws.amazon.com/") for h in hrefs)
    assert "&lt;script&gt;" in html
    csp = [a["content"] for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp
    assert str(csp[0]).startswith("default-src 'none'")
    assert "url(" not in html
    assert "@import" not in html


def test_report_from_a_bundle_equals_the_live_one(tmp_path: Path) -> None:
    evidence = make_evidence()
    report = make_report_json(evidence)
    replayed = read_bundle(write_bundle(evidence, tmp_path / "b", redact_ips=True))
    assert render_incident_html(report, replayed) == render_incident_html(report, evidence)


def test_empty_evidence_still_renders_and_says_so() -> None:
    evidence = make_evidence()
    evidence.requests = evidence.requests.iloc[0:0]
    evidence.metrics = pd.DataFrame({c: [] for c in evidence.metrics.columns})
    report = {**make_report_json(evidence), "findings": [], "blind_spots": [], "onset": None}
    html = render_incident_html(report, evidence)
    assert "no access logs or metrics in the window" in html
    assert "No findings." in html
    assert 'id="timeline"' in html


def test_timeline_counts_come_from_request_counts_when_rows_are_a_sample() -> None:
    import dataclasses

    from apigwops.model import Evidence

    if "request_counts" not in {f.name for f in dataclasses.fields(Evidence)}:
        import pytest

        pytest.skip("this evidence contract has no request_counts table")
    full = make_evidence()
    counts = (
        pd.DataFrame({"minute": full.requests["time"].dt.floor("min"), "status": full.requests["status"]})
        .groupby(["minute", "status"])
        .size()
        .rename("count")
        .reset_index()
    )
    sampled = make_evidence()
    sampled.requests = sampled.requests.iloc[::10]
    sampled.request_counts = counts  # type: ignore[attr-defined]
    timeline, exact = build_timeline(sampled), build_timeline(full)
    assert [(b.requests, b.client_errors, b.server_errors) for b in timeline.buckets] == [
        (b.requests, b.client_errors, b.server_errors) for b in exact.buckets
    ]
    assert timeline.total_requests == len(full.requests) != len(sampled.requests)


def test_rows_without_time_or_status_do_not_break_the_timeline() -> None:
    evidence = make_evidence(n_requests=50)
    evidence.requests.loc[3, "time"] = pd.NaT
    evidence.requests.loc[4, "status"] = pd.NA
    evidence.requests.loc[5, "response_latency"] = pd.NA
    timeline = build_timeline(evidence)
    assert timeline.total_requests == 49  # no time: no bucket; no status: counted, but as neither 4xx nor 5xx
    status = evidence.requests["status"].drop(index=3)
    assert sum(b.server_errors for b in timeline.buckets) == int((status >= 500).sum())
