"""websocket: connect, send one message, receive the reply; the latency of each step is a Locust request.

Works against a WebSocket stage (`wss://id.execute-api.region.amazonaws.com/stage`) or the sandbox's. The
message is `{"action": "ping"}` unless apigwops passes another; auth headers go on the upgrade request.
Uses websocket-client (blocking sockets, made cooperative by Locust's gevent patching).
"""

from __future__ import annotations

import json
import os
import ssl
import time
from typing import Any

from apigwops_plugin import default_headers, params
from locust import User, between, task

try:
    import websocket
except ImportError as exc:  # pragma: no cover - a dependency of apigwops
    raise SystemExit("the websocket scenario needs websocket-client: pip install websocket-client") from exc

PARAMS = params()
MESSAGE = PARAMS.get("message") or json.dumps({"action": "ping"})
TIMEOUT_S = float(PARAMS.get("timeout_s", 10))


def ws_url(host: str) -> str:
    if host.startswith("https://"):
        return "wss://" + host[len("https://") :]
    if host.startswith("http://"):
        return "ws://" + host[len("http://") :]
    return host


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

    @task
    def connect_send_receive(self) -> None:
        sslopt: dict[str, Any] = {}
        if os.environ.get("APIGWOPS_LT_TLS_VERIFY", "1") == "0":
            sslopt = {"cert_reqs": ssl.CERT_NONE}
        headers = [f"{k}: {v}" for k, v in default_headers().items()]
        started = time.perf_counter()
        try:
            conn = websocket.create_connection(
                ws_url(self.host or ""), timeout=TIMEOUT_S, header=headers, sslopt=sslopt
            )
        except Exception as exc:
            self._fire("connect", started, 0, exc)
            return
        self._fire("connect", started, 0, None)
        try:
            started = time.perf_counter()
            conn.send(MESSAGE)
            reply = conn.recv()
            self._fire("send-receive", started, len(reply or ""), None)
        except Exception as exc:
            self._fire("send-receive", started, 0, exc)
        finally:
            conn.close()
