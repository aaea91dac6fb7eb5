"""Clock-aligned buckets (`apigwops.buckets`): on whole multiples of their size in UTC, partial ends marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from apigwops.buckets import Grid, bucket_size, floor
from apigwops.timewindow import Window

T0 = datetime(2026, 11, 24, 15, 27, 9, tzinfo=UTC)


def test_floor_is_on_the_utc_clock_whatever_the_offset() -> None:
    local = T0.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert floor(local, 60) == datetime(2026, 11, 24, 15, 27, tzinfo=UTC)
    assert floor(T0, 5) == datetime(2026, 11, 24, 15, 27, 5, tzinfo=UTC)
    assert floor(T0, 3600) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_a_grid_covers_the_window_with_partial_ends() -> None:
    grid = Grid(Window(T0, T0 + timedelta(minutes=10)), 60)
    assert grid.origin == datetime(2026, 11, 24, 15, 27, tzinfo=UTC)
    assert grid.count == 11
    assert [grid.partial(i) for i in (0, 1, 9, 10)] == [True, False, False, True]
    times = pd.Series([T0, T0 + timedelta(seconds=51), T0 + timedelta(minutes=9, seconds=59)])
    assert grid.index(times).tolist() == [0, 1, 10]


def test_an_aligned_window_has_no_partial_bucket() -> None:
    start = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    grid = Grid(Window(start, start + timedelta(minutes=30)), 60)
    assert grid.count == 30
    assert not any(grid.partial(i) for i in range(grid.count))


@pytest.mark.parametrize("jitter", [-9, -1, 0, 1, 9])
def test_a_few_seconds_do_not_change_the_size(jitter: int) -> None:
    for minutes, fine, size in ((10, True, 20), (30, True, 60), (30, False, 60), (360, False, 900)):
        window = Window(T0, T0 + timedelta(minutes=minutes, seconds=jitter))
        assert bucket_size(window, 30, min_seconds=5 if fine else 60) == size


def test_a_very_long_window_gets_whole_days() -> None:
    window = Window(T0, T0 + timedelta(days=90))
    assert bucket_size(window, 30) == 3 * 86400


def test_ceil_stays_on_a_boundary_and_rounds_up_otherwise() -> None:
    from apigwops.buckets import ceil

    on = datetime(2026, 11, 24, 15, 27, tzinfo=UTC)
    assert ceil(on, 60) == on
    assert ceil(T0, 60) == datetime(2026, 11, 24, 15, 28, tzinfo=UTC)
    assert ceil(on + timedelta(microseconds=1), 300) == datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
