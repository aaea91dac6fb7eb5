"""WebSocket connection minutes of a live stage, read from its access log: the second WebSocket price unit.

No CloudWatch metric counts connection time (the WebSocket metrics are ConnectCount, MessageCount and the error
counts, signals reference §6.3), but every DISCONNECT event's access-log line carries the moment it was logged
(`$context.requestTimeEpoch`) and when the connection opened (`$context.connectedAt`, §5), so a connection's
minutes are their difference. Connections still open at the end of the window are not counted (they are billed
when they close), nor connections whose DISCONNECT line fell outside the window; what could not be read is a
note, never a silent zero. AWS meters connection time per minute [DOC API Gateway pricing: "connection
minutes"]; summing the exact durations (not rounding each connection up) is our choice and is said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apigwops.model import StageConfig
    from apigwops.runtime import Runtime

NEEDED = ("event_type", "connected_at")


@dataclass(frozen=True)
class ConnectionMinutes:
    minutes: Decimal  # over the window, unscaled
    connections: int  # DISCONNECT lines summed
    note: str


def read_connection_minutes(
    runtime: Runtime, stage: StageConfig, start: datetime, end: datetime
) -> ConnectionMinutes:
    """Sum of (requestTimeEpoch - connectedAt) over the window's DISCONNECT lines; raises AWS errors."""
    import pandas as pd

    from apigwops.evidence.logs import make_engine
    from apigwops.evidence.parse.accesslog import parse_access_lines
    from apigwops.evidence.parse.logformat import compile_format
    from apigwops.timewindow import Window

    if not stage.access_log_destination:
        return ConnectionMinutes(Decimal(0), 0, "no access log on the stage: pass --connection-minutes")
    fmt = compile_format(stage.access_log_format)
    lacking = [c for c in NEEDED if c not in fmt.columns]
    if lacking:
        names = ", ".join(
            "$context." + ("eventType" if c == "event_type" else "connectedAt") for c in lacking
        )
        return ConnectionMinutes(
            Decimal(0), 0, f"the access-log format lacks {names}: pass --connection-minutes"
        )
    engine = make_engine(runtime, "auto")
    events = engine.read_events(stage.access_log_destination, Window(start, end), regex="DISCONNECT")
    parsed = parse_access_lines(fmt, events.messages, events.times)
    frame = parsed.requests
    disconnects = frame[(frame["event_type"].astype("string").str.upper() == "DISCONNECT").fillna(False)]
    logged_ms = (disconnects["time"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds() * 1000
    opened_ms = pd.to_numeric(disconnects["connected_at"], errors="coerce")
    durations = (logged_ms - opened_ms).dropna()
    durations = durations[durations >= 0]
    minutes = Decimal(str(round(float(durations.sum()) / 60000, 3)))
    note = (
        f"connection minutes from {len(durations):,} DISCONNECT lines of {stage.access_log_destination} "
        "(requestTimeEpoch - connectedAt; exact durations summed, connections still open not counted)"
    )
    if events.truncated:
        note += "; the log read hit its limit, so this is a lower bound"
    return ConnectionMinutes(minutes, len(durations), note)
