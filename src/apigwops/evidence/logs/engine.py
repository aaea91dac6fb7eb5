"""The interface of the two log engines: Logs Insights (server-side, the default on AWS) and scan (FilterLogEvents).

Both return the same things: raw events for execution, Lambda and WAF logs, and for access logs the parsed
`requests` table plus per-minute counts of every request. Access-log rows are always parsed here, from
`@message`, with the one parser compiled from the stage's format, so the two engines cannot disagree on
what a line means; they differ only in how lines are selected and how much is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    import pandas as pd

    from apigwops.evidence.parse.logformat import AccessLogFormat
    from apigwops.timewindow import Window

EngineName = Literal["insights", "scan"]


@dataclass
class LogEvents:
    """Events of one log group in a window, oldest first; `times` are epoch milliseconds."""

    times: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    bytes_scanned: int = 0  # what Logs Insights bills for; 0 for scan (FilterLogEvents is billed per call)
    bytes_read: int = 0
    truncated: bool = False  # a row or event limit was reached: the events are a subset


@dataclass
class AccessLogResult:
    requests: pd.DataFrame  # canonical requests table (every request, or a subset when `sampled`)
    counts: pd.DataFrame  # requests per minute and status over the whole window: always complete
    lines: int
    unparsed: int
    unparsed_examples: list[str]
    bytes_scanned: int = 0
    bytes_read: int = 0
    sampled: bool = False  # Insights' row limit kept some successful (or failing) requests out of `requests`


class LogEngine(Protocol):
    name: EngineName

    def read_events(
        self, group: str, window: Window, *, regex: str | None = None, limit: int | None = None
    ) -> LogEvents:
        """Events whose message matches `regex` (Python and Insights syntax alike; None: all)."""

    def read_access_log(self, group: str, fmt: AccessLogFormat, window: Window) -> AccessLogResult: ...
