"""Clock-aligned time buckets, the one grid every per-bucket number uses (triage, onset, sparklines, timeline).

A bucket starts on a whole multiple of its size since the Unix epoch in UTC (whole minutes, or whole 5-second
steps for short windows), never at "the window's start", so two runs a second apart put every request in the
same bucket. The window rarely starts or ends on a boundary: the first and last buckets are then partial (they
cover only part of their span inside the window) and say so, so that whoever compares rates can leave them
out instead of the grid being shifted to hide them.

The size is chosen from the window's length rounded to whole minutes (to 5 seconds under a minute), so windows
that differ by a few seconds get the same size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apigwops.timewindow import Window

if TYPE_CHECKING:
    import pandas as pd

# Sizes that divide a day, so buckets line up with minutes, hours and days on a clock.
NICE_SECONDS = (
    5,
    10,
    15,
    20,
    30,
    60,
    120,
    180,
    300,
    600,
    900,
    1200,
    1800,
    3600,
    7200,
    10800,
    21600,
    43200,
    86400,
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def bucket_size(window: Window, max_buckets: int, *, min_seconds: int = 60) -> int:
    """The smallest nice size of at least `min_seconds` that keeps the window within `max_buckets`."""
    step = 60 if window.seconds >= 60 else 5
    length = max(step, round(window.seconds / step) * step)
    for seconds in NICE_SECONDS:
        if seconds >= min_seconds and length / seconds <= max_buckets:
            return seconds
    return NICE_SECONDS[-1] * max(1, -(-int(length) // (NICE_SECONDS[-1] * max_buckets)))


@dataclass(frozen=True)
class Grid:
    """Buckets of `size` seconds covering `window`; bucket i starts at `origin + i * size`."""

    window: Window
    size: int

    @property
    def origin(self) -> datetime:
        return floor(self.window.start, self.size)

    @property
    def count(self) -> int:
        span = (self.window.end - self.origin).total_seconds()
        return max(1, int(-(-span // self.size)))

    def start(self, i: int) -> datetime:
        return self.origin + timedelta(seconds=i * self.size)

    def end(self) -> datetime:
        return self.start(self.count)

    def partial(self, i: int) -> bool:
        """The bucket reaches outside the window (the first when the window starts mid-bucket, the last likewise)."""
        return self.start(i) < self.window.start or self.start(i + 1) > self.window.end

    def index(self, times: pd.Series) -> pd.Series:
        """Bucket index per time (nullable Int64; NA for a missing time); times outside the window fall
        outside 0..count-1 and are the caller's to drop."""
        import pandas as pd

        stamps = pd.to_datetime(times, utc=True)
        offsets = (stamps - pd.Timestamp(self.origin)).dt.total_seconds()
        return (offsets // self.size).astype("Int64")


def floor(moment: datetime, size: int) -> datetime:
    """`moment` rounded down to a whole multiple of `size` seconds since the epoch, in UTC."""
    seconds = (moment.astimezone(UTC) - EPOCH) // timedelta(seconds=1)
    return EPOCH + timedelta(seconds=seconds - seconds % size)


def ceil(moment: datetime, size: int) -> datetime:
    """`moment` rounded up to a whole multiple of `size` seconds since the epoch, in UTC."""
    down = floor(moment, size)
    return down if down == moment else down + timedelta(seconds=size)
