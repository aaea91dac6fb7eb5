"""Time windows from what an on-call engineer types: `30m`, `1h30m`, `2h ago`, `now`, ISO 8601, epoch.

Datetimes stay timezone-aware (UTC) end to end; a naive ISO string means UTC, as in the AWS CLI.

Bounds, so that no typed value can overflow `datetime` (exit 255) or send a century-long window to AWS:
- a duration is at most `MAX_DURATION` (3653 days: ten years, the longest CloudWatch Logs retention short of
  "never expire"; a load test or a window longer than that is a typo);
- no moment is earlier than `EARLIEST` (2015-07-09, the day Amazon API Gateway became generally available:
  no stage has metrics or logs from before, and CloudWatch keeps metrics 15 months at most).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apigwops.errors import UsageError

MAX_DURATION = timedelta(days=3653)
# https://aws.amazon.com/blogs/aws/amazon-api-gateway-build-and-run-scalable-application-backends/ (2015-07-09)
EARLIEST = datetime(2015, 7, 9, tzinfo=UTC)

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*((?:\d+(?:\.\d+)?\s*[smhdw]\s*)+)(?:ago)?\s*$", re.IGNORECASE)
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)


@dataclass(frozen=True)
class Window:
    """A closed-open time interval [start, end) in UTC."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def as_json(self) -> dict[str, str]:
        return {"start": iso(self.start), "end": iso(self.end)}


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second: what the JSON output and humans read."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_duration(text: str) -> timedelta:
    """`15m`, `1h30m`, `2 h`, `90s`, `1d`, `1w` (optionally followed by `ago`)."""
    match = _DURATION.match(text)
    if not match:
        raise UsageError(f"invalid duration {text!r}: use e.g. 30s, 15m, 1h30m, 2d or 1w")
    seconds = sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in _PART.findall(match.group(1)))
    if seconds <= 0:
        raise UsageError(f"invalid duration {text!r}: must be longer than zero")
    if seconds > MAX_DURATION.total_seconds():  # also inf: float("9" * 400)
        raise UsageError(f"invalid duration {text!r}: longer than {MAX_DURATION.days}d (ten years)")
    return timedelta(seconds=seconds)


def parse_moment(text: str, now: datetime) -> datetime:
    """A point in time: `now`, a duration before now, ISO 8601, or epoch seconds or milliseconds.

    Never before `EARLIEST`; a moment that cannot be represented in UTC is a UsageError too.
    """
    moment = _moment(text, now)
    if moment < EARLIEST:
        raise UsageError(
            f"invalid time {text!r}: before {EARLIEST:%Y-%m-%d}, when API Gateway launched; "
            "no stage has metrics or logs from then"
        )
    return moment


def _moment(text: str, now: datetime) -> datetime:
    value = text.strip()
    if value.lower() == "now":
        return now
    if re.fullmatch(r"\d{9,13}(?:\.\d+)?", value):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        return datetime.fromtimestamp(number, tz=UTC)
    if _DURATION.match(value):
        return now - parse_duration(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"invalid time {text!r}: use now, a duration such as 30m or 2h ago, ISO 8601 or epoch seconds"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        raise UsageError(f"invalid time {text!r}: out of range") from None


def resolve_window(
    *,
    since: str | None,
    start: str | None,
    end: str | None,
    now: datetime | Callable[[], datetime],
    default_since: str = "30m",
    max_span: timedelta | None = None,
) -> Window:
    """The window from `--since` or `--start/--end`; errors are one line for the user (exit 2)."""
    current = now() if callable(now) else now
    if since and start:
        raise UsageError("use either --since or --start, not both")
    end_at = parse_moment(end, current) if end else current
    if start:
        start_at = parse_moment(start, current)
    else:
        start_at = end_at - parse_duration(since or default_since)
        if start_at < EARLIEST:
            raise UsageError(
                f"--since {since or default_since} starts before {EARLIEST:%Y-%m-%d}, when API Gateway "
                "launched; no stage has metrics or logs from then"
            )
    if start_at >= end_at:
        raise UsageError(f"the window is empty: start {iso(start_at)} is not before end {iso(end_at)}")
    if end_at > current + timedelta(minutes=5):
        raise UsageError(f"the window ends in the future ({iso(end_at)})")
    if max_span is not None and end_at - start_at > max_span:
        raise UsageError(f"the window is longer than {max_span}; narrow it with --since or --start/--end")
    return Window(start_at, end_at)
