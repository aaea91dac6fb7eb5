"""The scan engine against moto's server over HTTP: slices read in parallel, paging, limits, parsing."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import botocore.exceptions
import pytest

from apigwops.evidence.logs import scan
from apigwops.evidence.logs.scan import ScanEngine, split_window
from apigwops.evidence.parse.logformat import compile_format
from apigwops.runtime import Runtime
from apigwops.timewindow import Window

FMT = '{"requestId":"$context.requestId","requestTimeEpoch":"$context.requestTimeEpoch","status":"$context.status"}'


def _window_now(minutes: int = 30) -> Window:
    end = datetime.now(UTC).replace(microsecond=0)
    return Window(end - timedelta(minutes=minutes), end)


def _events(window: Window, count: int) -> list[tuple[int, str]]:
    start = int(window.start.timestamp() * 1000)
    step = int(window.seconds * 1000) // count
    out = []
    for i in range(count):
        t = start + i * step
        status = 502 if i % 10 == 0 else 200
        out.append((t, f'{{"requestId":"r{i:04d}","requestTimeEpoch":"{t}","status":"{status}"}}'))
    return out


def test_split_window_covers_it_exactly() -> None:
    window = _window_now(30)
    parts = split_window(window, slice_seconds=300, max_slices=8)
    assert len(parts) == 6
    assert parts[0].start == window.start
    assert parts[-1].end == window.end
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    assert len(split_window(window, slice_seconds=60, max_slices=8)) == 8
    assert (
        len(
            split_window(
                Window(window.start, window.start + timedelta(seconds=5)), slice_seconds=300, max_slices=8
            )
        )
        == 1
    )


def test_parallel_slices_and_pages_read_every_event_once(
    runtime: Runtime, write_logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _window_now(30)
    events = _events(window, 240)
    # Events on the slice edges and outside the window must be read exactly once / not at all.
    outside = [
        (int((window.start - timedelta(minutes=1)).timestamp() * 1000), "old"),
        (int(window.end.timestamp() * 1000), "at-end"),
    ]
    write_logs("/aws/apigateway/access", events + outside)
    monkeypatch.setattr(scan, "PAGE_LIMIT", 7)  # force many nextToken pages per slice
    engine = ScanEngine(runtime.aws.client("logs"), slice_seconds=300)
    got = engine.read_events("/aws/apigateway/access", window)
    assert got.messages == [m for _, m in events]
    assert got.times == sorted(got.times)
    assert not got.truncated
    assert got.bytes_read == sum(len(m) for _, m in events)
    assert got.bytes_scanned == 0
    calls = runtime.aws.calls["logs:FilterLogEvents"]
    assert calls >= 240 // 7  # paged, not one call
    only_errors = engine.read_events("/aws/apigateway/access", window, regex=r'"status":"5\d\d"')
    assert len(only_errors.messages) == 24


def test_access_log_through_scan_parses_and_counts(runtime: Runtime, write_logs) -> None:
    window = _window_now(30)
    events = _events(window, 120)
    write_logs("/aws/apigateway/access", [*events, (events[-1][0], "garbage line")])
    result = ScanEngine(runtime.aws.client("logs")).read_access_log(
        "/aws/apigateway/access", compile_format(FMT), window
    )
    assert len(result.requests) == 120
    assert result.unparsed == 1
    assert result.lines == 121
    assert Counter(result.requests["status"]) == {200: 108, 502: 12}
    assert int(result.counts["count"].sum()) == 121  # the unparsed line is counted with an NA status
    assert int(result.counts[result.counts["status"] == 502]["count"].sum()) == 12
    assert not result.sampled


def test_event_limit_truncates_and_says_so(runtime: Runtime, write_logs) -> None:
    window = _window_now(10)
    write_logs("/g", _events(window, 100))
    got = ScanEngine(runtime.aws.client("logs"), slice_seconds=300).read_events("/g", window, limit=20)
    assert got.truncated
    assert len(got.messages) == 20


def test_event_limit_counts_the_events_kept_by_the_filter(runtime: Runtime, write_logs) -> None:
    """A busy execution log must not crowd out the few lines diagnose keeps: the budget is for kept events."""
    window = _window_now(10)
    write_logs("/g", _events(window, 100))  # 10 of them are 502s
    engine = ScanEngine(runtime.aws.client("logs"), slice_seconds=300)
    got = engine.read_events("/g", window, regex=r'"status":"502"', limit=20)
    assert not got.truncated
    assert len(got.messages) == 10
    assert got.bytes_read == sum(len(m) for _, m in _events(window, 100))  # every event was read


def test_short_windows_are_still_read_in_parallel_slices() -> None:
    window = _window_now(3)
    assert len(split_window(window, slice_seconds=30, max_slices=8)) == 6
    assert (
        ScanEngine(None)._slice_seconds == 30
    )  # the default: a 3-minute incident is 6 slices, not one chain


def test_missing_log_group_raises_resource_not_found(runtime: Runtime) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        ScanEngine(runtime.aws.client("logs")).read_events("/nope", _window_now(5))
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
