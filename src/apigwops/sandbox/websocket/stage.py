"""What API Gateway decides for a WebSocket API's connects, messages, disconnects and @connections calls.

Connect (C10, C70, C76): new-connection rate (500/s per account and Region), then the REQUEST Lambda authorizer
on `$connect` only (401 when it says Unauthorized, 403 when its policy denies, "the client will receive a 401 or
403 response"), then the `$connect` integration (its failure answers the handshake with an error status; 502 for
a failing function is observed, the others inferred). Messages are routed by `$request.body.action` to a custom
route, else `$default`; with no match and no `$default` the client gets `{"message": "Forbidden", ...}`
[OBS aws-samples/simple-websockets-chat-app#24]; a failing integration answers `{"message": "Internal server
error", "connectionId":..., "requestId":...}` [OBS simple-websockets-chat-app#42, nearst/laconia#41] and the
connection stays open. `@connections` answers 410 GoneException for a connection that is gone (C75, KC410).
Thread-safe: the WebSocket server calls it from one thread per connection.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs

from apigwops.sandbox import constants as c
from apigwops.sandbox.backend import LambdaBackend
from apigwops.sandbox.faults import FaultSet
from apigwops.sandbox.pipeline import extended_request_id
from apigwops.sandbox.tokens import TokenAuthority
from apigwops.sandbox.websocket import facts as f
from apigwops.sandbox.websocket.events import EventType, WsEvent
from apigwops.sandbox.websocket.integration import WsIntegration, invoke

Poster = Callable[[str, str], str | None]  # (connection id, data) -> None, or the error the post raised


@dataclass
class Connection:
    """A connection API Gateway holds open."""

    connection_id: str
    connected_at_ms: int
    source_ip: str
    user_agent: str
    principal: str
    send: Callable[[str], None] | None = None
    close: Callable[[int, str], None] | None = None
    last_active: float = field(default_factory=time.monotonic)
    opened: float = field(default_factory=time.monotonic)
    idle_fault: bool = False
    duration_fault: bool = False  # ws-connection-duration-limit: opened 2 hours ago, closed at the maximum


@dataclass(frozen=True)
class ConnectAnswer:
    status: int  # 101 when the upgrade goes on; otherwise the handshake's HTTP status
    connection_id: str
    body: str = ""


class _RateLimiter:
    """A token bucket: `rate` new connections per second, burst of the same size [INF: the bucket shape]."""

    def __init__(self, rate: float) -> None:
        self._rate = rate
        self._tokens = rate
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._rate, self._tokens + (now - self._at) * self._rate)
            self._at = now
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True


class WsStage:
    def __init__(
        self,
        *,
        api_id: str,
        authorizer_id: str,
        integration: WsIntegration,
        authorizer_backend: LambdaBackend,
        tokens: TokenAuthority,
        faults: FaultSet,
        time_scale: float,
        rng: random.Random,
        on_event: Callable[[WsEvent], None],
        connection_rate: float = f.NEW_CONNECTIONS_PER_S,
    ) -> None:
        self.api_id = api_id
        self.authorizer_id = authorizer_id
        self.integration = integration
        self.authorizer_backend = authorizer_backend
        self.tokens = tokens
        self.faults = faults
        self.time_scale = time_scale
        self.rng = rng
        self.on_event = on_event
        self.poster: Poster | None = None  # set by the server: posts through the real @connections endpoint
        self._limiter = _RateLimiter(connection_rate)
        self._lock = threading.Lock()
        self._live: dict[str, Connection] = {}
        self._pending: dict[str, Connection] = {}
        self._gone: deque[str] = deque(maxlen=1000)

    # -- limits, scaled ------------------------------------------------------------------------------------
    @property
    def idle_timeout_s(self) -> float:
        return f.IDLE_TIMEOUT_S * self.time_scale

    @property
    def max_connection_s(self) -> float:
        return f.MAX_CONNECTION_S * self.time_scale

    def live_ids(self) -> list[str]:
        with self._lock:
            return list(self._live)

    # -- $connect --------------------------------------------------------------------------------------------
    def connect(self, path: str, query: str, headers: dict[str, str], peer_ip: str) -> ConnectAnswer:
        """Decide the handshake. 101: the caller accepts the upgrade and then calls `opened()`."""
        start = time.time()
        cid = extended_request_id()
        ev = self._event("CONNECT", start, cid, f.CONNECT)
        ev.context["identity.sourceIp"] = headers.get("x-forwarded-for", "").split(",")[0].strip() or peer_ip
        ev.context["identity.userAgent"] = headers.get("user-agent", "-")
        ev.context["connectedAt"] = str(int(start * 1000))
        if path.rstrip("/") != f"/{c.STAGE}":
            # Not the stage's URL: API Gateway answers 403 before any route [INF]; nothing is logged for the stage.
            return ConnectAnswer(403, cid, json.dumps({"message": "Forbidden"}))
        if self.faults.hit("ws-connect-throttled") or not self._limiter.take():
            # Over the account's new-connection rate (C76): 429 at the handshake [INF: the symptom is unconfirmed].
            # The quota is per account and Region across all WebSocket APIs, so the `ws-connect-throttled` fault
            # stands for other clients of the account having taken this second's share; the answer is the same.
            return self._reject(ev, 429, "Too Many Requests", "THROTTLED")
        answer = self._authorize(ev, query, headers)
        if answer is not None:
            return answer
        result = invoke(self.integration, ev, connect_error=self.faults.hit("ws-connect-error"))
        ev.connect_count = True
        if not result.ok:
            ev.status = result.status
            ev.context["error.message"] = result.client_message
            self._emit(ev)
            return ConnectAnswer(result.status, cid, json.dumps({"message": result.client_message}))
        duration_fault = self.faults.hit("ws-connection-duration-limit")
        if duration_fault:
            _backdate(ev, f.MAX_CONNECTION_S)
        conn = Connection(
            cid,
            int(ev.start_s * 1000),
            ev.context["identity.sourceIp"],
            ev.context["identity.userAgent"],
            ev.context.get("authorizer.principalId", "-"),
            idle_fault=self.faults.hit("ws-idle-disconnects"),
            duration_fault=duration_fault,
        )
        with self._lock:
            self._pending[cid] = conn
        self._emit(ev)
        return ConnectAnswer(101, cid)

    def _authorize(self, ev: WsEvent, query: str, headers: dict[str, str]) -> ConnectAnswer | None:
        """The REQUEST Lambda authorizer: None when the connection may go on (C10, LAUTH)."""
        ctx = ev.context
        rid = ctx["requestId"]
        token = headers.get(f.TOKEN_HEADER) or (parse_qs(query).get(f.TOKEN_QUERY) or [""])[0]
        ev.exec_lines.append(f"Starting authorizer: {self.authorizer_id} for request: {rid}")
        check = self.tokens.check(token or None, require_id_token=False)
        inv = self.authorizer_backend.invoke(
            route_key="ws authorizer", path_id=None, outcome="ok" if check.ok else "error"
        )
        self.authorizer_backend.release(inv.environment)
        inv.lines = [
            _authorizer_line(line) for line in inv.lines if "\thandled request, status " not in line[1]
        ]
        ev.authorizer_invocation = inv
        took = inv.duration_ms + (inv.init_ms or 0.0)
        ctx["authorizer.latency"] = str(round(took))
        ctx["authorizer.requestId"] = inv.request_id
        if not check.ok:
            # The function raised "Unauthorized": 401 (C10; wscat "Unexpected server response: 401").
            ctx["authorizer.status"] = "401"
            ctx["authorizer.error"] = "Unauthorized"
            ev.exec_lines.append(f"Unauthorized request: {rid}")
            return self._reject(ev, 401, "Unauthorized", "UNAUTHORIZED")
        principal = str((check.claims or {}).get("sub", "-"))
        ctx["authorizer.principalId"] = principal
        if self.faults.hit("ws-connect-deny"):
            # The authorizer's policy denies $connect: 403 (C10: "a 401 or 403 response").
            ctx["authorizer.status"] = "403"
            arn = f"arn:aws:execute-api:{c.REGION}:{c.ACCOUNT_ID}:{self.api_id}/{c.STAGE}/$connect"
            ev.exec_lines.append(
                f'Authorizer result body before parsing: {{"principalId":"{principal}","policyDocument":'
                '{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Deny",'
                f'"Resource":"{arn}"}}]}}}}'
            )
            return self._reject(ev, 403, "Forbidden", "ACCESS_DENIED")
        ctx["authorizer.status"] = "200"
        ev.exec_lines.append("Successfully completed authorizer execution")
        return None

    def _reject(self, ev: WsEvent, status: int, message: str, response_type: str) -> ConnectAnswer:
        ev.status = status
        ev.client_error = True
        ev.context["error.message"] = message
        ev.context["error.responseType"] = response_type
        self._emit(ev)
        return ConnectAnswer(status, ev.context["connectionId"], json.dumps({"message": message}))

    def opened(self, cid: str, send: Callable[[str], None], close: Callable[[int, str], None]) -> Connection:
        with self._lock:
            conn = self._pending.pop(cid)
            conn.send, conn.close = send, close
            conn.opened = conn.last_active = time.monotonic()
            self._live[cid] = conn
        return conn

    # -- messages --------------------------------------------------------------------------------------------
    def message(self, conn: Connection, text: str) -> list[str]:
        """Route one text message; returns what API Gateway sends back to this client."""
        start = time.time()
        conn.last_active = time.monotonic()
        route = _select_route(text)
        if self.faults.hit("ws-no-route"):
            route = None  # the action matches no route and the API has no $default
        ev = self._event("MESSAGE", start, conn.connection_id, route or "-")
        ev.context["messageId"] = extended_request_id()
        ev.context["identity.sourceIp"] = conn.source_ip
        ev.context["identity.userAgent"] = conn.user_agent
        ev.context["connectedAt"] = str(conn.connected_at_ms)
        ev.context["authorizer.principalId"] = conn.principal
        ev.messages = 1
        rid = ev.context["requestId"]
        if route is None:
            ev.status = 403
            ev.client_error = True
            ev.context["error.message"] = "Forbidden"
            ev.messages += 1
            self._emit(ev)
            return [_gateway_message("Forbidden", conn.connection_id, rid)]
        result = invoke(self.integration, ev)
        replies: list[str] = []
        if not result.ok:
            ev.status = result.status
            ev.context["error.message"] = result.client_message
            replies.append(_gateway_message(result.client_message, conn.connection_id, rid))
        else:
            replies += self._run_function(ev, conn, route, text)
        ev.messages += len(replies)
        self._emit(ev)
        return replies

    def _run_function(self, ev: WsEvent, conn: Connection, route: str, text: str) -> list[str]:
        """What the sandbox's handler function does per route, and the lines it logs itself."""
        inv = ev.invocation
        rid = inv.request_id if inv is not None else "-"
        stamp = _iso_utc(time.time())
        if self.faults.hit("ws-stale-connection"):
            # The function keeps connection ids in a table and posts to one that is gone (C75).
            with self._lock:
                stale = self._gone[-1] if self._gone else extended_request_id()
            self._post_from_function(ev, stale, json.dumps({"notice": "hello"}), stamp, rid)
        if route == f.BROADCAST:
            for target in self.live_ids():
                self._post_from_function(ev, target, text, stamp, rid)
            return []
        ev.extra_lambda_lines.append(f"[INFO]\t{stamp}\t{rid}\troute {route} answered {conn.connection_id}")
        return [json.dumps({"route": route, "connectionId": conn.connection_id, "echo": _body(text)})]

    def _post_from_function(self, ev: WsEvent, target: str, data: str, stamp: str, rid: str) -> None:
        if self.poster is None:
            return
        error = self.poster(target, data)
        if error is not None:
            ev.extra_lambda_lines.append(
                f"[ERROR]\t{stamp}\t{rid}\tPostToConnection {target} failed: {error}"
            )

    # -- disconnect --------------------------------------------------------------------------------------------
    def closed(self, conn: Connection, code: int | None, reason: str) -> None:
        """The connection ended (either side): API Gateway invokes $disconnect (best effort) and logs it."""
        with self._lock:
            self._live.pop(conn.connection_id, None)
            self._gone.append(conn.connection_id)
        ev = self._event("DISCONNECT", time.time(), conn.connection_id, f.DISCONNECT)
        ev.context["identity.sourceIp"] = conn.source_ip
        ev.context["identity.userAgent"] = conn.user_agent
        ev.context["connectedAt"] = str(conn.connected_at_ms)
        ev.context["authorizer.principalId"] = conn.principal
        result = invoke(self.integration, ev)
        if code is not None and code not in (f.CLOSE_NORMAL, 1005):
            # [INF] the close as the execution log would note it; the function sees it in
            # requestContext.disconnectStatusCode / disconnectReason and logs it.
            ev.exec_lines.append(f"Connection closed with status code {code}: {reason or '-'}")
        if result.ok and ev.invocation is not None:
            ev.extra_lambda_lines.append(
                f"[INFO]\t{_iso_utc(time.time())}\t{ev.invocation.request_id}\tdisconnect {conn.connection_id} "
                f"disconnectStatusCode={code if code is not None else '-'} disconnectReason={reason or '-'}"
            )
        self._emit(ev)

    # -- @connections -----------------------------------------------------------------------------------------
    def post(self, cid: str, data: str) -> bool:
        """PostToConnection: False when the connection is gone (410)."""
        with self._lock:
            conn = self._live.get(cid)
        if conn is None or conn.send is None:
            return False
        try:
            conn.send(data)
        except Exception:
            return False
        ev = self._event("MESSAGE", time.time(), cid, "-")
        ev.logged, ev.messages = (
            False,
            1,
        )  # a callback: counted as a message to the client, not access-logged [INF]
        self._emit(ev)
        return True

    def describe(self, cid: str) -> dict[str, object] | None:
        """GetConnection: ConnectedAt, Identity, LastActiveAt; None when gone."""
        with self._lock:
            conn = self._live.get(cid)
        if conn is None:
            return None
        now = time.monotonic()
        last = datetime.now(UTC).timestamp() - (now - conn.last_active)
        return {
            "connectedAt": _iso_utc(conn.connected_at_ms / 1000.0),
            "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
            "lastActiveAt": _iso_utc(last),
        }

    def delete(self, cid: str) -> bool:
        """DeleteConnection: closes it (False when gone)."""
        with self._lock:
            conn = self._live.get(cid)
        if conn is None or conn.close is None:
            return False
        conn.close(f.CLOSE_NORMAL, "")
        return True

    # -- helpers ------------------------------------------------------------------------------------------------
    def _event(self, kind: EventType, start: float, cid: str, route: str) -> WsEvent:
        rid = extended_request_id()  # WebSocket: $context.requestId is the same as extendedRequestId
        ctx = {
            "requestId": rid,
            "extendedRequestId": rid,
            "requestTime": datetime.fromtimestamp(start, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": str(int(start * 1000)),
            "apiId": self.api_id,
            "stage": c.STAGE,
            "domainName": f"{self.api_id}.execute-api.{c.REGION}.amazonaws.com",
            "eventType": kind,
            "connectionId": cid,
            "routeKey": route,
        }
        return WsEvent(kind, start, ctx, route_key=route)

    def _emit(self, ev: WsEvent) -> None:
        """Record the event, then wait the scaled time API Gateway would have spent (authorizer, integration),
        so that clients see AWS's timing sped up by the time scale, as on the HTTP stages."""
        self.on_event(ev)
        virtual_ms = (ev.integration_latency_ms or 0.0) + float(ev.context.get("authorizer.latency", "0"))
        if ev.logged and virtual_ms > 0:
            time.sleep(virtual_ms / 1000.0 * self.time_scale)


def _backdate(ev: WsEvent, seconds: float) -> None:
    """`ws-connection-duration-limit`: the connection was opened `seconds` (the 2-hour maximum, C74) before now,
    so its CONNECT (line, authorizer and function logs, metrics) is written then and `$context.connectedAt`
    says so on every later event. The time scale shortens waits, not logged times, so a connection really held
    for the scaled maximum would log minutes, not the 2 hours AWS's `connectedAt` shows [INF: the sandbox's
    stand-in for a 2-hour connection]."""
    ev.start_s -= seconds
    ctx = ev.context
    ctx["requestTime"] = datetime.fromtimestamp(ev.start_s, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
    ctx["requestTimeEpoch"] = ctx["connectedAt"] = str(int(ev.start_s * 1000))


def _authorizer_line(line: tuple[float, str]) -> tuple[float, str]:
    """The authorizer function's own error: it raises "Unauthorized" when the token is missing or not valid
    (the way Lambda authorizers make API Gateway answer 401; provision.AUTHORIZER_SOURCE)."""
    offset, text = line
    if not text.startswith("[ERROR] "):
        return line
    return offset, (
        "[ERROR] Exception: Unauthorized\nTraceback (most recent call last):\n"
        '  File "/var/task/app.py", line 7, in handler\n'
        "    raise Exception('Unauthorized')"
    )


def _select_route(text: str) -> str | None:
    """`$request.body.action`: a JSON object's `action` naming a custom route; else `$default` (non-JSON messages
    always go to `$default`, routes page)."""
    try:
        body = json.loads(text)
    except ValueError:
        return f.DEFAULT
    action = body.get("action") if isinstance(body, dict) else None
    return action if action in f.CUSTOM_ROUTES else f.DEFAULT


def _gateway_message(message: str, cid: str, rid: str) -> str:
    # Byte for byte as observed: a space after the first colon only.
    return f'{{"message": "{message}", "connectionId":"{cid}", "requestId":"{rid}"}}'


def _body(text: str) -> object:
    try:
        data = json.loads(text)
    except ValueError:
        return text
    return data.get("data", data) if isinstance(data, dict) else data


def _iso_utc(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
