"""WebSocket events as diagnosis sees them: connection features from the access log and the functions' logs.

A WebSocket stage logs one access-log line per event (`$context.eventType` CONNECT, MESSAGE or DISCONNECT,
signals reference §5), not per request/response pair, and its failures are failed connects, failing messages,
unexpected disconnects and callbacks to gone connections. This module turns the events into the columns the
WebSocket playbook tests:

- `ws_connected_s`: how long the connection had been open at a DISCONNECT (`requestTimeEpoch` minus
  `$context.connectedAt`, else minus the connection's CONNECT line in the window);
- `ws_idle_s`: seconds between a DISCONNECT and the connection's previous CONNECT or MESSAGE line;
- `close_code`: the close code API Gateway hands the `$disconnect` integration (`requestContext.
  disconnectStatusCode` in the event [OBS aws-lambda-go#548, aws-lambda-rust-runtime#816]), when the function
  logged it; no access-log variable carries it (the WebSocket variable list has none);
- `unexpected_disconnect`: a DISCONNECT that was not a normal close (1000, or 1005 "no status").

Only fields AWS writes are read: eventType, connectionId, connectedAt, requestTimeEpoch, integration.requestId
(the join to the `$disconnect` function's log). The connection limits are the WEBSOCKET profile's
(`apitypes.py`, from the WebSocket quota table, C74); the close codes are the WebSocket protocol's as the
routes page and the quota table use them (C73).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from apigwops.apitypes import profile
from apigwops.model import Evidence

if TYPE_CHECKING:
    import pandas as pd

WEBSOCKET = profile("WEBSOCKET")
IDLE_TIMEOUT_S = WEBSOCKET.idle_timeout_s or 600.0
MAX_CONNECTION_S = WEBSOCKET.max_connection_s or 7200.0
LIMIT_MARGIN_S = 30.0  # a disconnect this close to a limit is taken as that limit
CLOSE_NORMAL = 1000
CLOSE_NO_STATUS = 1005  # the peer sent a close frame without a code
CLOSE_GOING_AWAY = 1001  # idle timeout and 2-hour limit: C74 leaves the code [UNCONFIRMED]; 1001 inferred
CLOSE_TOO_BIG = 1009  # "the connection is closed with code 1009" (C73) [DOC WebSocket quota table]
NORMAL_CLOSES = (CLOSE_NORMAL, CLOSE_NO_STATUS)
# `requestContext.disconnectStatusCode` as a function logs it: key=value, JSON, or a printed dict.
_CLOSE_CODE = re.compile(r"disconnectStatusCode['\"]?\s*[=:]\s*['\"]?(\d{4})")
# The management API's answer for a connection that is gone (C75, KC410), as the SDKs raise it:
# "GoneException: 410" (JS v3), "An error occurred (GoneException) when calling the PostToConnection operation".
GONE = "GoneException"

FEATURE_COLUMNS: dict[str, str] = {
    "ws_connected_s": "WebSocket: seconds the connection had been open at this event (connectedAt)",
    "ws_idle_s": "WebSocket: seconds since the connection's previous CONNECT or MESSAGE (DISCONNECT lines)",
    "close_code": "WebSocket: the close code the $disconnect function logged (requestContext.disconnectStatusCode)",
    "unexpected_disconnect": "WebSocket: a DISCONNECT that was not a normal close (1000/1005)",
    "near_idle_timeout": "WebSocket: a DISCONNECT at the 10-minute idle timeout",
    "near_max_duration": "WebSocket: a DISCONNECT at the 2-hour connection limit",
}


def add_websocket_features(frame: pd.DataFrame, evidence: Evidence) -> None:
    """Adds the columns above (all False/NA for REST and HTTP stages)."""
    import pandas as pd

    for column in ("ws_connected_s", "ws_idle_s", "close_code"):
        frame[column] = pd.Series(pd.NA, index=frame.index, dtype="Float64")
    for column in ("unexpected_disconnect", "near_idle_timeout", "near_max_duration"):
        frame[column] = False
    if evidence.api.type != "WEBSOCKET" or frame.empty:
        return
    event = frame["event_type"].astype("string").str.upper()
    disconnect = (event == "DISCONNECT").fillna(False).astype(bool)
    now_s = (frame["time"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    connected = pd.to_numeric(frame["connected_at"], errors="coerce").astype("Float64") / 1000.0
    connection = frame["connection_id"].astype("string")
    first_connect = now_s.where(event == "CONNECT").groupby(connection).transform("min")
    connected = connected.fillna(pd.Series(first_connect, index=frame.index).astype("Float64"))
    frame["ws_connected_s"] = (now_s.astype("Float64") - connected).where(disconnect).astype("Float64")
    frame["ws_idle_s"] = _idle_seconds(now_s, connection, event, disconnect)
    frame["close_code"] = _close_codes(frame, evidence, disconnect)
    code = frame["close_code"]
    abnormal = (~code.isin(NORMAL_CLOSES) & code.notna()).fillna(False).astype(bool)
    frame["near_max_duration"] = (frame["ws_connected_s"] >= MAX_CONNECTION_S - LIMIT_MARGIN_S).fillna(
        False
    ).astype(bool) & disconnect
    frame["near_idle_timeout"] = (frame["ws_idle_s"] >= IDLE_TIMEOUT_S - LIMIT_MARGIN_S).fillna(False).astype(
        bool
    ) & disconnect
    frame["unexpected_disconnect"] = disconnect & (
        abnormal | frame["near_max_duration"] | frame["near_idle_timeout"]
    )


def _idle_seconds(
    now_s: pd.Series, connection: pd.Series, event: pd.Series, disconnect: pd.Series
) -> pd.Series:
    """For each DISCONNECT, seconds since the same connection's previous CONNECT/MESSAGE line (NA: none seen)."""
    import pandas as pd

    active = now_s.where((event == "CONNECT") | (event == "MESSAGE"))
    order = now_s.sort_values(kind="stable").index
    previous = active.loc[order].groupby(connection.loc[order]).ffill()  # last activity at or before the row
    idle = (now_s.loc[order] - previous).reindex(now_s.index)
    return pd.Series(idle, index=now_s.index, dtype="Float64").where(disconnect)


def _close_codes(frame: pd.DataFrame, evidence: Evidence, disconnect: pd.Series) -> pd.Series:
    """The close code the `$disconnect` invocation logged, joined by `$context.integration.requestId`."""
    import pandas as pd

    out = pd.Series(pd.NA, index=frame.index, dtype="Float64")
    logs = evidence.lambda_logs
    if logs.empty or "request_id" not in logs.columns or not bool(disconnect.any()):
        return out
    codes = logs["message"].astype("string").str.extract(_CLOSE_CODE, expand=False)
    found = pd.DataFrame({"request_id": logs["request_id"].astype("string"), "code": codes}).dropna()
    if found.empty:
        return out
    by_invocation = found.drop_duplicates("request_id").set_index("request_id")["code"]
    invocation = frame["integration_request_id"].astype("string")
    joined = pd.to_numeric(invocation.map(by_invocation), errors="coerce").astype("Float64")
    return joined.where(disconnect)


def gone_posts(evidence: Evidence) -> int:
    """Lambda log lines where a function's PostToConnection met a gone connection (410 GoneException)."""
    logs = evidence.lambda_logs
    if logs.empty or "message" not in logs.columns:
        return 0
    return int(logs["message"].astype("string").str.contains(GONE, regex=False).fillna(False).sum())


# What each WebSocket access-log variable lets diagnosis conclude (the blind spot when the format lacks it).
FIELD_NEEDS: dict[str, tuple[str, ...]] = {
    "event_type": ("every WebSocket finding (connects, messages and disconnects cannot be told apart)",),
    "route_key": (
        "ws-route-not-found",
        "the route of lambda-function-error, lambda-timeout, lambda-throttled",
    ),
    "connection_id": ("ws-idle-timeout", "ws-connection-duration-limit", "connections per finding"),
    "connected_at": ("ws-connection-duration-limit (connections opened before the window)",),
    "integration_request_id": (
        "ws-message-too-large and ws-idle-timeout by close code (the join to the $disconnect function's log)",
    ),
    "integration_error": (
        "ws-connect-integration-error's cause",
        "lambda-function-error",
        "lambda-throttled",
    ),
    "authorizer_status": ("ws-connect-authorizer-deny (401 Unauthorized against a 403 policy deny)",),
}


def websocket_blind_spots(evidence: Evidence, recommended: str) -> list[str]:
    """What a WebSocket stage's access-log format (WebSocket variables only) or logs kept from view."""
    from apigwops.model import ACCESS_LOG_FIELDS

    if evidence.api.type != "WEBSOCKET" or evidence.requests.empty:
        return []
    lines: list[str] = []
    for field, conclusions in FIELD_NEEDS.items():
        if field in evidence.missing_fields:
            variable = ACCESS_LOG_FIELDS[field][-1 if field == "integration_error" else 0]
            lines.append(
                f"access log format lacks $context.{variable}: could not check {'; '.join(conclusions)}; "
                f"use {recommended}"
            )
    events = evidence.requests.get("event_type")
    disconnects = (
        int((events.astype("string").str.upper() == "DISCONNECT").sum()) if events is not None else 0
    )
    logs = evidence.lambda_logs
    codes = (
        bool(logs["message"].astype("string").str.extract(_CLOSE_CODE, expand=False).notna().any())
        if not logs.empty and "message" in logs
        else False
    )
    if disconnects and not codes:
        lines.append(
            f"close codes unknown for {disconnects:,} disconnects: no access-log variable carries them, so "
            "ws-message-too-large (1009) and closes before the idle limit could not be seen; log "
            "requestContext.disconnectStatusCode and disconnectReason in the $disconnect function"
        )
    return lines
