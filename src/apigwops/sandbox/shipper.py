"""Ships the stage's log events and metrics into moto in batches, about every second.

Logs: per stream, sorted by time, at most 10,000 events or 1,048,576 bytes (message bytes + 26 each) per
PutLogEvents call, the CloudWatch Logs limits. Metrics: aggregated locally into one datapoint per minute
per metric per dimension set (StatisticValues: Sum, SampleCount, Minimum, Maximum), as CloudWatch stores
API Gateway's per-minute metrics; a minute is shipped once it is over, or on `flush()`.
"""

from __future__ import annotations

import contextlib
import threading
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from apigwops.sandbox.telemetry import Dimensions

MAX_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
METRICS_PER_CALL = 500

MetricKey = tuple[str, str, Dimensions, str, int]  # namespace, name, dimensions, unit, minute (epoch s)


class Shipper:
    """A `Sink` that buffers and ships; `start()` runs the periodic thread, `flush()` ships now."""

    def __init__(self, logs: Any, cloudwatch: Any, *, interval_s: float = 1.0) -> None:
        self._logs = logs
        self._cw = cloudwatch
        self._interval = interval_s
        self._lock = threading.Lock()
        self._ship_lock = threading.Lock()
        self._events: defaultdict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        self._stats: dict[MetricKey, list[float]] = {}
        self._streams: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.shipped_events = 0
        self.shipped_datapoints = 0
        self.errors: list[str] = []

    # -- Sink -------------------------------------------------------------------------------------------
    def log(self, group: str, stream: str, timestamp_ms: int, message: str) -> None:
        with self._lock:
            self._events[(group, stream)].append((timestamp_ms, message))

    def metric(
        self, namespace: str, name: str, dimensions: Dimensions, value: float, unit: str, timestamp_s: float
    ) -> None:
        key = (namespace, name, dimensions, unit, int(timestamp_s) // 60 * 60)
        with self._lock:
            self._merge(key, [value, 1.0, value, value])

    # -- shipping ---------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sandbox-shipper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._ship(all_minutes=False)
            except Exception as exc:  # keep shipping; the stage must not die with moto hiccups
                self.errors = [*self.errors[-19:], f"{type(exc).__name__}: {exc}"]  # the latest few

    def flush(self) -> None:
        """Ship every pending log event and metric (including the current, unfinished minute) now."""
        self._ship(all_minutes=True)

    def _ship(self, *, all_minutes: bool) -> None:
        with self._ship_lock:
            with self._lock:
                events, self._events = self._events, defaultdict(list)
                now_minute = int(datetime.now(UTC).timestamp()) // 60 * 60
                ready = {k: v for k, v in self._stats.items() if all_minutes or k[4] < now_minute}
                for key in ready:
                    del self._stats[key]
            failures: list[Exception] = []
            for (group, stream), batch in events.items():
                try:
                    self._put_events(group, stream, sorted(batch, key=lambda event: event[0]))
                except Exception as exc:  # that stream's events are back in the buffer; go on
                    failures.append(exc)
            failures += self._put_metrics(ready)
            if failures:
                raise failures[0]

    def _put_events(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        """Send in limit-sized chunks; on failure the unsent events go back to the buffer (no data lost)."""
        done = 0
        try:
            if (group, stream) not in self._streams:
                with contextlib.suppress(self._logs.exceptions.ResourceAlreadyExistsException):
                    self._logs.create_log_stream(logGroupName=group, logStreamName=stream)
                self._streams.add((group, stream))
            for start, end in _chunks(events):
                chunk = [{"timestamp": ts, "message": message} for ts, message in events[start:end]]
                self._logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=chunk)
                self.shipped_events += len(chunk)
                done = end
        except Exception:
            with self._lock:
                self._events[(group, stream)].extend(events[done:])
            raise

    def _put_metrics(self, ready: dict[MetricKey, list[float]]) -> list[Exception]:
        """Send per namespace; a failed call's datapoints go back into the aggregate. Returns the failures."""
        failures: list[Exception] = []
        by_namespace: defaultdict[str, list[MetricKey]] = defaultdict(list)
        for key in ready:
            by_namespace[key[0]].append(key)
        for namespace, keys in by_namespace.items():
            for i in range(0, len(keys), METRICS_PER_CALL):
                batch = keys[i : i + METRICS_PER_CALL]
                try:
                    self._cw.put_metric_data(
                        Namespace=namespace, MetricData=[_datum(k, ready[k]) for k in batch]
                    )
                except Exception as exc:
                    with self._lock:  # back into the aggregate, merged with anything newer for the minute
                        for key in batch:
                            self._merge(key, ready[key])
                    failures.append(exc)
                    continue
                self.shipped_datapoints += len(batch)
        return failures

    def _merge(self, key: MetricKey, stats: list[float]) -> None:
        current = self._stats.get(key)
        if current is None:
            self._stats[key] = list(stats)
        else:
            current[0] += stats[0]
            current[1] += stats[1]
            current[2] = min(current[2], stats[2])
            current[3] = max(current[3], stats[3])


def _chunks(events: list[tuple[int, str]]) -> list[tuple[int, int]]:
    """(start, end) slices within PutLogEvents' limits: 10,000 events, 1,048,576 bytes (message + 26 each)."""
    bounds: list[tuple[int, int]] = []
    start, size = 0, 0
    for i, (_, message) in enumerate(events):
        event_size = len(message.encode()) + EVENT_OVERHEAD
        if i > start and (i - start >= MAX_EVENTS or size + event_size > MAX_BATCH_BYTES):
            bounds.append((start, i))
            start, size = i, 0
        size += event_size
    if start < len(events):
        bounds.append((start, len(events)))
    return bounds


def _datum(key: MetricKey, stats: list[float]) -> dict[str, Any]:
    _, name, dims, unit, minute = key
    total, count, low, high = stats
    return {
        "MetricName": name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
        "Timestamp": datetime.fromtimestamp(minute, UTC),
        "StatisticValues": {"SampleCount": count, "Sum": total, "Minimum": low, "Maximum": high},
        "Unit": unit,
    }
