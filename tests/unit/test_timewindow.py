from datetime import UTC, datetime, timedelta

import pytest

from apigwops.errors import UsageError
from apigwops.timewindow import EARLIEST, parse_duration, parse_moment, resolve_window

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


@pytest.mark.parametrize(
    "bad", ["", "abc", "15", "-5m", "0m", "5y", "3654d", "1000000d", "99999999999d", "9" * 400 + "s"]
)
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


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0001-01-01T00:00:00", "before 2015-07-09"),
        ("1900-01-01", "before 2015-07-09"),
        ("2015-07-08T23:59:59Z", "before 2015-07-09"),
        ("999999999", "before 2015-07-09"),  # epoch seconds in 2001
        ("0001-01-01T00:00:00+05:00", "out of range"),
    ],
)
def test_moments_before_api_gateway_or_out_of_range(text: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        parse_moment(text, NOW)
    assert parse_moment("2015-07-09", NOW) == EARLIEST


def test_since_reaching_before_api_gateway_is_refused() -> None:
    later = datetime(2020, 1, 1, tzinfo=UTC)
    with pytest.raises(UsageError, match="--since 2000d starts before 2015-07-09"):
        resolve_window(since="2000d", start=None, end=None, now=later)
    assert resolve_window(since="1000d", start=None, end=None, now=later).seconds == 1000 * 86400
