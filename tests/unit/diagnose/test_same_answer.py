"""Same evidence, same answer: clock-aligned buckets make findings, ranks, onset, routes and the timeline
independent of the exact second a window starts or ends, and a diagnosis is byte-for-byte repeatable.

On a build whose buckets start at "the window's start", a window a few seconds later moves the onset with it
and the HTML timeline draws each per-minute count up to a bucket early.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest

from apigwops.diagnose.engine import diagnose
from apigwops.diagnose.loader import load_playbooks
from apigwops.model import Change, Evidence
from apigwops.report.timeline import build_timeline
from apigwops.timewindow import Window
from tests.builders.stage import START, healthy

PLAYBOOKS = load_playbooks()
ONSET = START + timedelta(minutes=12, seconds=30)


def _incident() -> Evidence:
    stage = healthy(count=3000)
    stage.traffic(
        400,
        status=504,
        start=12.5,
        end=20,
        latency=29010,
        error_type="INTEGRATION_TIMEOUT",
        error_message="Endpoint request timed out",
        exec_log="Execution failed due to a timeout error",
    )
    changed = Change(ONSET - timedelta(minutes=3), "deployment", "d1", "deployment d1")
    assert stage.config is not None
    stage.config = dataclasses.replace(stage.config, changes=(changed,))
    return stage.build()


def _shifted(evidence: Evidence, start_s: float, end_s: float) -> Evidence:
    window = Window(
        evidence.window.start + timedelta(seconds=start_s), evidence.window.end + timedelta(seconds=end_s)
    )
    return dataclasses.replace(evidence, window=window)


def _answer(evidence: Evidence) -> dict[str, Any]:
    """The document without the window, and the timeline keyed by bucket start: a window reaching a few
    seconds into another minute gains that (partial, empty) bucket, and nothing else may change."""
    document = diagnose(evidence, playbooks=PLAYBOOKS).as_json()
    del document["window"]
    timeline = document["traffic"].pop("timeline")
    start = pd.Timestamp(timeline["start"])
    step = timedelta(seconds=timeline["bucket_seconds"])
    document["buckets"] = {
        str(start + i * step): (rate, p99)
        for i, (rate, p99) in enumerate(zip(timeline["error_rate"], timeline["p99_ms"], strict=True))
        if rate or p99 is not None
    }
    return document


@pytest.mark.parametrize(("start_s", "end_s"), [(3, -4), (-2, 5), (7, 0), (0, -9), (-11, 11)])
def test_a_window_a_few_seconds_off_gives_the_same_answer(start_s: float, end_s: float) -> None:
    evidence = _incident()
    exact = _answer(evidence)
    assert exact["onset"] == "2026-11-24T01:12:00Z"  # the minute the 504s began in, on the clock
    assert exact["findings"][0]["symptom"] == "504"
    assert "recent-change" in [f["id"] for f in exact["findings"]]
    assert _answer(_shifted(evidence, start_s, end_s)) == exact


def test_the_same_evidence_twice_is_byte_identical() -> None:
    first = json.dumps(diagnose(_incident(), playbooks=PLAYBOOKS).as_json())
    second = json.dumps(diagnose(_incident(), playbooks=PLAYBOOKS).as_json())
    assert first == second


def test_partial_first_and_last_buckets_are_marked_not_shifted() -> None:
    report = diagnose(_shifted(_incident(), 20, -15), playbooks=PLAYBOOKS)
    buckets = report.triage.buckets
    assert buckets[0].start == START  # not START + 20 s
    assert (buckets[0].partial, buckets[1].partial, buckets[-1].partial) == (True, False, True)
    assert all(b.start.second == 0 for b in buckets)
    assert report.as_json()["traffic"]["timeline"]["start"] == "2026-11-24T01:00:00Z"


def test_the_html_timeline_draws_each_minute_in_its_own_bucket() -> None:
    evidence = _shifted(_incident(), 30, 0)  # a window starting at 01:00:30
    minutes = pd.to_datetime(evidence.requests["time"], utc=True).dt.floor("min")
    counts = minutes.value_counts()
    timeline = build_timeline(evidence)
    assert timeline.buckets[0].start == START
    drawn = {b.start: b.requests for b in timeline.buckets if b.requests}
    assert drawn == {m.to_pydatetime(): int(n) for m, n in counts.items()}
    start, end = timeline.span
    assert (start, end) == (START, START + timedelta(minutes=30))


def test_one_route_is_one_row_when_some_lines_lack_the_resource_path() -> None:
    from apigwops.evidence.parse.accesslog import derive_route

    frame = pd.DataFrame(
        {
            "http_method": ["GET", "GET", "GET"],
            "resource_path": ["/users/{id}", pd.NA, pd.NA],
            "path": ["/prod/users/7", "/prod/users/7", "/prod/other"],
            "route_key": [pd.NA, pd.NA, pd.NA],
        },
        dtype="string",
    )
    assert derive_route(frame).tolist() == ["GET /users/{id}", "GET /users/{id}", "GET /prod/other"]
