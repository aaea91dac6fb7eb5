from datetime import UTC, datetime, timedelta

import pytest

from apigwops.errors import UsageError
from apigwops.timewindow import parse_duration, parse_moment, resolve_window

NOW = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("15m", 900),
        ("1h30m", 5400),
        ("2 h", 7200),
        ("1d", 86400),
        ("1w", 604800),
        ("2h ago", 7200),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["", "abc", "15", "-5m", "0m", "5y"])
def test_bad_durations_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(bad)


def test_moments() -> None:
    assert parse_moment("now", NOW) == NOW
    assert parse_moment("10m ago", NOW) == NOW - timedelta(minutes=10)
    assert parse_moment("2026-11-24T01:00:00", NOW) == datetime(2026, 11, 24, 1, tzinfo=UTC)  # naive = UTC
    assert parse_moment("2026-11-24T02:00:00+01:00", NOW) == datetime(2026, 11, 24, 1, tzinfo=UTC)
    assert parse_moment("1795482000", NOW) == datetime.fromtimestamp(1795482000, tz=UTC)
    assert parse_moment("1795482000000", NOW) == datetime.fromtimestamp(1795482000, tz=UTC)


def test_window_from_since_and_from_start_end() -> None:
    w = resolve_window(since="30m", start=None, end=None, now=NOW)
    assert (w.start, w.end) == (NOW - timedelta(minutes=30), NOW)
    w = resolve_window(since=None, start="2026-11-24T01:00:00Z", end="2026-11-24T01:10:00Z", now=NOW)
    assert w.seconds == 600
    assert w.as_json() == {"start": "2026-11-24T01:00:00Z", "end": "2026-11-24T01:10:00Z"}


@pytest.mark.parametrize(
    ("since", "start", "end"),
    [
        ("30m", "1h ago", None),
        (None, "10m ago", "20m ago"),
        (None, "yesterday-ish", None),
        (None, None, "2030-01-01"),
    ],
)
def test_bad_windows(since: str | None, start: str | None, end: str | None) -> None:
    with pytest.raises(UsageError):
        resolve_window(since=since, start=start, end=end, now=NOW)
