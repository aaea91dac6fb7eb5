"""websocket: connect, then a round trip on each route; the latency of each step is a Locust request.

Works against a WebSocket stage (`wss://id.execute-api.region.amazonaws.com/stage`) or the sandbox's. The
identity goes where a WebSocket authorizer reads it: the run's auth headers on the upgrade request, or, with
the `token_in_query` parameter, the token as the `token` query-string parameter (browsers cannot set headers
on a WebSocket). With `ws_routes` (the API's route keys, read by apigwops from GetRoutes or given with
--route), each connection sends one message per route, `{"action": <route>, "data": <nonce>}` (`$default`:
no action), and waits for the message carrying its nonce: a two-way route's answer, or a one-way route's
post back through @connections. An API Gateway error message (`{"message": "Forbidden", "connectionId":...}`)
or no answer within `timeout_s` fails the round trip. Without routes, one `message` (default
`{"action": "ping"}`) and its first answer. Uses websocket-client (blocking sockets, made cooperative by
Locust's gevent patching).
"""

from __future__ import annotations

import json
import os
import ssl
import time
import uuid
from typing import Any
from urllib.parse import quote

from apigwops_plugin import default_headers, params
from locust import User, between, task

try:
    import websocket
except ImportError as exc:  # pragma: no cover - a dependency of apigwops
    raise SystemExit("the websocket scenario needs websocket-client: pip install websocket-client") from exc

PARAMS = params()
MESSAGE = PARAMS.get("message") or json.dumps({"action": "ping"})
TIMEOUT_S = float(PARAMS.get("timeout_s", 10))
ROUTES: list[str] = [str(r) for r in PARAMS.get("ws_routes") or []]
TOKEN_IN_QUERY = bool(PARAMS.get("token_in_query"))


def ws_url(host: str) -> str:
    if host.startswith("https://"):
        return "wss://" + host[len("https://") :]
    if host.startswith("http://"):
        return "ws://" + host[len("http://") :]
    return host


def _identity(url: str) -> tuple[str, list[str]]:
    """The URL and upgrade headers: the token in the header, or in the `token` query parameter."""
    headers = default_headers()
    if TOKEN_IN_QUERY and "Authorization" in headers:
        token = headers.pop("Authorization").removeprefix("Bearer ").strip()
        url += ("&" if "?" in url else "?") + "token=" + quote(token, safe="")
    return url, [f"{k}: {v}" for k, v in headers.items()]


def _gateway_error(reply: str) -> str | None:
    """API Gateway's own answer to a failed message: {"message": "...", "connectionId":..., "requestId":...}."""
    try:
        doc = json.loads(reply)
    except ValueError:
        return None
    if isinstance(doc, dict) and "message" in doc and "requestId" in doc and "connectionId" in doc:
        return str(doc["message"])
    return None


class WebSocketUser(User):
    wait_time = between(0.5, 1.5)

    def _fire(self, name: str, started: float, length: int, exception: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type="WS",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=length,
            exception=exception,
            context={},
            response=None,
        )

    def _round_trip(self, conn: Any, route: str) -> None:
        nonce = uuid.uuid4().hex
        body: dict[str, Any] = {"data": nonce} if route == "$default" else {"action": route, "data": nonce}
        started = time.perf_counter()
        try:
            conn.send(json.dumps(body))
            deadline = time.monotonic() + TIMEOUT_S
            while True:
                conn.settimeout(max(0.01, deadline - time.monotonic()))
                reply = conn.recv()
                error = _gateway_error(reply or "")
                if error is not None:
                    raise RuntimeError(f"{route}: API Gateway answered {error!r}")
                if nonce in (reply or ""):
                    self._fire("round-trip", started, len(reply), None)
                    return
        except Exception as exc:
            self._fire("round-trip", started, 0, exc)

    @task
    def connect_send_receive(self) -> None:
        sslopt: dict[str, Any] = {}
        if os.environ.get("APIGWOPS_LT_TLS_VERIFY", "1") == "0":
            sslopt = {"cert_reqs": ssl.CERT_NONE}
        url, headers = _identity(ws_url(self.host or ""))
        started = time.perf_counter()
        try:
            conn = websocket.create_connection(url, timeout=TIMEOUT_S, header=headers, sslopt=sslopt)
        except Exception as exc:
            self._fire("connect", started, 0, exc)
            return
        self._fire("connect", started, 0, None)
        try:
            if ROUTES:
                for route in ROUTES:
                    self._round_trip(conn, route)
                return
            started = time.perf_counter()
            try:
                conn.send(MESSAGE)
                reply = conn.recv()
                self._fire("send-receive", started, len(reply or ""), None)
            except Exception as exc:
                self._fire("send-receive", started, 0, exc)
        finally:
            conn.close()
