"""WebSocket stage evidence, shaped as AWS logs it: one access-log line per event (signals reference §5).

A WebSocket stage logs CONNECT, MESSAGE and DISCONNECT events with `$context.eventType`, `connectionId`,
`connectedAt` (epoch ms), `routeKey` (`-` when no route matched: NA here, as the collectors produce it),
`messageId` (MESSAGE only), `status`, `error.message`, `integrationErrorMessage`, `integration.latency`,
`integration.requestId` and the authorizer's variables; it cannot log `responseLatency`, `httpMethod`, `path`
and the other REST request variables (the WEBSOCKET column of §5), so those are missing fields. The
`$disconnect` function receives `requestContext.disconnectStatusCode` and `disconnectReason`; the builder's
function logs them, as a function that wants them in its log does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from apigwops.apitypes import profile
from apigwops.model import ApiInfo, Authorizer, Evidence, Route
from tests.builders.stage import FUNCTION, START, Stage

API_ID = "w5x6y7z8a9"
CONNECT, DISCONNECT, DEFAULT = "$connect", "$disconnect", "$default"
ROUTES = (CONNECT, DISCONNECT, DEFAULT, "sendmessage", "broadcast")


def ws_route(key: str) -> Route:
    extra: dict[str, Any] = {"authorization": "CUSTOM", "authorizer_id": "wsauth"} if key == CONNECT else {}
    return Route(
        key=key,
        integration_type="AWS_PROXY",
        integration_uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}/invocations",
        function_name=FUNCTION,
        timeout_ms=29000,
        **extra,
    )


@dataclass
class WsStage:
    """Adds connections (connect, messages, disconnect) to a WEBSOCKET `Stage`; `build()` gives the Evidence."""

    minutes: int = 30
    stage: Stage = field(init=False)
    _n: int = 0

    def __post_init__(self) -> None:
        self.stage = Stage(
            api_type="WEBSOCKET",
            minutes=self.minutes,
            routes=[ws_route(key) for key in ROUTES],
            missing=set(profile("WEBSOCKET").unavailable_fields),
        )
        authorizer = Authorizer(id="wsauth", name="token-authorizer", type="REQUEST", identity_source=())
        self.stage.with_config(authorizers=(authorizer,))
        self.stage.api = ApiInfo(
            id=API_ID, name="chat-ws-api", type="WEBSOCKET", stage="prod", region="us-east-1"
        )

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n:011d}="

    def _invocation(self) -> str:
        self._n += 1
        return f"{self._n:08d}-dddd-4eee-8fff-{self._n:012d}"

    def event(
        self, kind: str, at: datetime, cid: str, route: str | None, connected_at: datetime, **values: Any
    ) -> dict[str, Any]:
        rid = self._id("R")
        row: dict[str, Any] = {
            "time": at,
            "request_id": rid,
            "extended_request_id": rid,  # WebSocket: requestId is the same as extendedRequestId
            "api_id": API_ID,
            "stage": "prod",
            "event_type": kind,
            "connection_id": cid,
            "connected_at": str(int(connected_at.timestamp() * 1000)),
            "message_id": self._id("M") if kind == "MESSAGE" else None,
            "route_key": route,
            "route": route,
            "status": 200,
            "integration_latency": 40.0,
            "integration_status": 200,
            "integration_service_status": 200,
            "integration_request_id": self._invocation(),
            "ip": "203.0.113.7",
            "user_agent": "Python/3.12 websockets/15.0",
        }
        if kind == "CONNECT":
            row.update(authorizer_status=200, authorizer_latency=12.0, principal_id="user-42")
        row.update(values)
        if row["status"] >= 400:
            for key in ("integration_status", "integration_service_status"):
                if key not in values:
                    row[key] = None
        self.stage.rows.append(row)
        return row

    def session(
        self,
        at_minute: float,
        *,
        messages: int = 3,
        route: str = "sendmessage",
        connect: dict[str, Any] | None = None,
        message: dict[str, Any] | None = None,
        close_code: int | None = 1000,
        idle_s: float = 2.0,
        connected_before_s: float = 0.0,
    ) -> str:
        """One connection: CONNECT (unless connected `connected_before_s` earlier, outside the window),
        `messages` MESSAGEs one second apart, then after `idle_s` a DISCONNECT whose `$disconnect` function
        logs the close code. A failed CONNECT ends the session there."""
        start = START + timedelta(minutes=at_minute)
        cid = self._id("C")
        connected_at = start - timedelta(seconds=connected_before_s)
        if not connected_before_s:
            row = self.event("CONNECT", start, cid, CONNECT, connected_at, **(connect or {}))
            if row["status"] >= 400:
                return cid
        at = start
        for i in range(messages):
            at = start + timedelta(seconds=1 + i)
            self.event("MESSAGE", at, cid, route, connected_at, **(message or {}))
        end = at + timedelta(seconds=idle_s)
        row = self.event("DISCONNECT", end, cid, DISCONNECT, connected_at)
        if close_code is not None:
            self.lambda_log(
                end,
                row["integration_request_id"],
                f"[INFO]\t{end.isoformat()}\t{row['integration_request_id']}\tdisconnect {cid} "
                f"disconnectStatusCode={close_code} disconnectReason=-",
            )
        return cid

    def healthy(self, sessions: int = 60, **kwargs: Any) -> WsStage:
        for i in range(sessions):
            self.session(i * self.minutes / sessions, **kwargs)
        return self

    def lambda_log(self, at: datetime, request_id: str, message: str, kind: str = "other") -> None:
        self.stage.lambda_log(time=at, request_id=request_id, kind=kind, message=message)

    def exec_log(self, at: datetime, request_id: str, message: str) -> None:
        self.stage.exec_lines.append({"time": at, "request_id": request_id, "message": message})

    def build(self) -> Evidence:
        return self.stage.build()
