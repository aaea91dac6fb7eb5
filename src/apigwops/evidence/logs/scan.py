"""The scan engine: FilterLogEvents pages read per time slice, slices read in parallel, parsed with pandas.

The pages of one FilterLogEvents scan can only be read one after another (each needs the previous
`nextToken`), so a long window is cut into slices that are scanned at the same time; events come back in
slice order, oldest first. Used for emulators without Insights (moto, the sandbox) and small windows.
"""

from __future__ import annotations

import math
import re
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from apigwops.evidence.logs.engine import AccessLogResult, EngineName, LogEvents
from apigwops.progress import NullProgress, Progress
from apigwops.timewindow import Window
from apigwops.workers import DaemonPool

if TYPE_CHECKING:
    from apigwops.evidence.parse.logformat import AccessLogFormat

PAGE_LIMIT = 10_000  # FilterLogEvents' maximum `limit`
DEFAULT_MAX_EVENTS = 1_000_000
# One engine serves every log source of a diagnosis at once; keep its calls within the client's connection
# pool (aws.config.MAX_POOL_CONNECTIONS = 32) so urllib3 never discards connections (and warns on stderr).
MAX_CONCURRENT_CALLS = 24


def split_window(window: Window, *, slice_seconds: float, max_slices: int) -> list[Window]:
    """Equal slices of at least `slice_seconds`, at most `max_slices` of them, covering the window exactly."""
    count = max(1, min(max_slices, math.ceil(window.seconds / slice_seconds)))
    step = (window.end - window.start) / count
    edges = [window.start + step * i for i in range(count)] + [window.end]
    return [Window(edges[i], edges[i + 1]) for i in range(count) if edges[i] < edges[i + 1]]


def _ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


class ScanEngine:
    name: EngineName = "scan"

    def __init__(
        self,
        client: Any,
        *,
        progress: Progress | None = None,
        max_workers: int = 8,
        slice_seconds: float = 30.0,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_concurrent_calls: int = MAX_CONCURRENT_CALLS,
    ) -> None:
        self._client = client
        self._progress = progress or NullProgress()
        self._max_workers = max_workers
        self._slice_seconds = slice_seconds
        self._max_events = max_events
        self._slots = threading.BoundedSemaphore(max_concurrent_calls)

    def read_events(
        self, group: str, window: Window, *, regex: str | None = None, limit: int | None = None
    ) -> LogEvents:
        # The pages of one scan can only be read one after another; slices of the window are read in
        # parallel, so a short, busy window (a 3-minute incident at 500 req/s) is not one long page chain.
        slices = split_window(window, slice_seconds=self._slice_seconds, max_slices=self._max_workers)
        budget = max(1, (limit or self._max_events) // len(slices))
        pattern = re.compile(regex) if regex is not None else None
        with DaemonPool(max_workers=len(slices), thread_name_prefix="scan") as pool:
            parts = list(pool.map(lambda part: self._scan(group, part, budget, pattern), slices))
        events = LogEvents()
        for part in parts:
            events.times.extend(part.times)
            events.messages.extend(part.messages)
            events.bytes_read += part.bytes_read
            events.truncated |= part.truncated
        self._progress.step(
            f"scanned {group}: {len(events.messages):,} events in {len(slices)} slices"
            + (" (limit reached)" if events.truncated else "")
        )
        return events

    def _scan(self, group: str, part: Window, budget: int, pattern: re.Pattern[str] | None) -> LogEvents:
        """One slice, page after page. The message filter applies per page, so the event budget counts the
        events kept, not the events read: a busy execution log does not crowd out the lines diagnose needs."""
        # endTime is inclusive in FilterLogEvents: stop 1 ms short so adjacent slices never share an event.
        request: dict[str, Any] = {
            "logGroupName": group,
            "startTime": _ms(part.start),
            "endTime": _ms(part.end - timedelta(milliseconds=1)),
            "limit": min(PAGE_LIMIT, budget),
        }
        events = LogEvents()
        while True:
            with self._slots:
                page = self._client.filter_log_events(**request)
            for event in page.get("events", []):
                message = str(event.get("message", ""))
                events.bytes_read += len(message.encode())
                if pattern is not None and not pattern.search(message):
                    continue
                events.times.append(int(event["timestamp"]))
                events.messages.append(message)
            token = page.get("nextToken")
            if len(events.messages) >= budget:
                events.truncated = bool(token) or len(events.messages) > budget
                del events.times[budget:], events.messages[budget:]
                break
            if not token or token == request.get("nextToken"):
                break
            request["nextToken"] = token
        order = sorted(range(len(events.times)), key=events.times.__getitem__)
        events.times = [events.times[i] for i in order]
        events.messages = [events.messages[i] for i in order]
        return events

    def read_access_log(self, group: str, fmt: AccessLogFormat, window: Window) -> AccessLogResult:
        from apigwops.evidence.parse.accesslog import parse_access_lines

        events = self.read_events(group, window)
        parsed = parse_access_lines(fmt, events.messages, events.times)
        return AccessLogResult(
            requests=parsed.requests,
            counts=parsed.counts,
            lines=parsed.lines,
            unparsed=parsed.unparsed,
            unparsed_examples=parsed.unparsed_examples,
            bytes_read=events.bytes_read,
            sampled=events.truncated,
        )
