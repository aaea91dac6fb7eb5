"""The WebSocket stage on 127.0.0.1 with the `websockets` library, and its `@connections` management endpoint.

`websockets` does the protocol: the handshake (answered by `WsStage.connect` before the upgrade, so a denied
connect is a plain HTTP 401/403/5xx as on AWS), the 128 KB message and 32 KB frame limits (`max_size`; the library
closes with 1009, as API Gateway does), close codes. The loop per connection enforces the idle timeout and the
maximum duration, scaled by the time scale. `GET PROBE_PATH` is answered before the stage, as the HTTP stages do.

The management API (`POST/GET/DELETE /{stage}/@connections/{id}`) is on its own port: on AWS it shares the
execute-api host over HTTPS, but `websockets` only accepts GET requests on its port; boto3's
`apigatewaymanagementapi` client pointed at `management_url` works unchanged.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

from apigwops.sandbox.constants import PROBE_PATH, REGION, STAGE
from apigwops.sandbox.server import _QuietServer
from apigwops.sandbox.websocket import facts as f
from apigwops.sandbox.websocket.stage import WsStage


class WsServer:
    """Serves one `WsStage` on ws://127.0.0.1:`port`/prod and its @connections API on `management_port`."""

    def __init__(self, stage: WsStage | None = None) -> None:
        from websockets.sync.server import serve

        self.stage = stage  # the ports are needed before provisioning (the URL tag), the stage only after it
        self._pending: dict[int, str] = {}  # id(connection) -> connection id decided at the handshake
        self._lock = threading.Lock()
        self._server = serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            max_size=(f.MESSAGE_LIMIT_BYTES, f.FRAME_LIMIT_BYTES),
            compression=None,  # [INF] sizes are measured on the wire as sent
            ping_interval=None,  # API Gateway sends no pings; idleness is judged on client traffic [INF]
            server_header=None,
        )
        self.port = int(self._server.socket.getsockname()[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-ws", daemon=True)
        self._thread.start()
        self._management = _QuietServer(("127.0.0.1", 0), _management_handler(self))
        self.management_port = int(self._management.server_address[1])
        self._mthread = threading.Thread(
            target=self._management.serve_forever, name="sandbox-ws-connections", daemon=True
        )
        self._mthread.start()
        self._poster_client: Any = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/{STAGE}"

    @property
    def management_url(self) -> str:
        """The endpoint_url for boto3's `apigatewaymanagementapi` client (https://{api}.execute-api.../{stage})."""
        return f"http://127.0.0.1:{self.management_port}/{STAGE}"

    def attach(self, stage: WsStage) -> None:
        """Serve `stage`; its function's @connections posts go through the real management endpoint."""
        stage.poster = self._post
        self.stage = stage

    def _post(self, connection_id: str, data: str) -> str | None:
        from apigwops.sandbox.loopback import loopback_client

        with self._lock:  # made on the first post: most runs never call @connections
            if self._poster_client is None:
                self._poster_client = loopback_client("apigatewaymanagementapi", self.management_url, REGION)
        try:
            self._poster_client.post_to_connection(ConnectionId=connection_id, Data=data.encode())
        except Exception as exc:  # the function logs what boto3 raised, e.g. GoneException
            return str(exc)
        return None

    def stop(self) -> None:
        self._server.shutdown()
        self._management.shutdown()
        self._management.server_close()

    # -- the handshake ---------------------------------------------------------------------------------------
    def _process_request(self, connection: Any, request: Any) -> Any:
        parts = urlsplit(request.path)
        if parts.path == PROBE_PATH:
            return _respond(connection, 200, '{"answering":true}')
        stage = self.stage
        if stage is None:
            return _respond(connection, 503, '{"message":"Service Unavailable"}')
        headers = {k.lower(): v for k, v in request.headers.raw_items()}
        peer = connection.remote_address[0] if connection.remote_address else "127.0.0.1"
        answer = stage.connect(parts.path, parts.query, headers, peer)
        if answer.status != 101:
            return _respond(connection, answer.status, answer.body)
        with self._lock:
            self._pending[id(connection)] = answer.connection_id
        return None

    # -- one connection --------------------------------------------------------------------------------------
    def _handle(self, connection: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        stage = self.stage
        with self._lock:
            cid = self._pending.pop(id(connection), None)
        if stage is None or cid is None:
            connection.close()
            return
        ours: list[tuple[int, str]] = []

        def close(code: int, reason: str) -> None:
            ours.append((code, reason))
            connection.close(code, reason)

        conn = stage.opened(cid, connection.send, close)
        try:
            while True:
                deadline = min(conn.last_active + stage.idle_timeout_s, conn.opened + stage.max_connection_s)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    close(f.CLOSE_GOING_AWAY, "Going away")  # idle 10 min or connected 2 h (C74) [INF code]
                    break
                try:
                    message = connection.recv(timeout=remaining)
                except TimeoutError:
                    continue
                if isinstance(message, bytes):
                    close(f.CLOSE_BINARY, "Binary frames are not supported")  # routes page
                    break
                if stage.faults.hit("ws-message-too-large"):
                    close(f.CLOSE_TOO_BIG, "Message too big")  # as the library does for a real one (C73)
                    break
                for reply in stage.message(conn, message):
                    connection.send(reply)
                if conn.idle_fault:  # ws-idle-disconnects: the client then stays quiet past the idle timeout
                    close(f.CLOSE_GOING_AWAY, "Going away")
                    break
                if (
                    conn.duration_fault
                ):  # ws-connection-duration-limit: opened 2 h ago, at the maximum now (C74)
                    close(f.CLOSE_GOING_AWAY, "Going away")
                    break
        except ConnectionClosed:
            pass
        finally:
            code, reason = _close_code(connection, ours)
            stage.closed(conn, code, reason)


def _close_code(connection: Any, ours: list[tuple[int, str]]) -> tuple[int | None, str]:
    """Who closed and with what: our own close, the library's (e.g. 1009), or the client's (1006: no close frame)."""
    if ours:
        return ours[0]
    protocol = connection.protocol
    sent, received = protocol.close_sent, protocol.close_rcvd
    if sent is not None and not protocol.close_rcvd_then_sent:
        return sent.code, sent.reason
    if received is not None:
        return received.code, received.reason
    return 1006, ""


def _respond(connection: Any, status: int, body: str) -> Any:
    response = connection.respond(status, body)
    del response.headers["Content-Type"]
    response.headers["Content-Type"] = "application/json"
    return response


def _management_handler(server: WsServer) -> type[BaseHTTPRequestHandler]:
    prefix = f"/{STAGE}/@connections/"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _connection_id(self) -> str | None:
            path = urlsplit(self.path).path
            return unquote(path[len(prefix) :]) if path.startswith(prefix) else None

        def _send(self, status: int, body: bytes = b"", error_type: str | None = None) -> None:
            self.send_response_only(status)
            self.send_header("Date", self.date_time_string())
            self.send_header("Content-Type", "application/json")
            if error_type is not None:
                self.send_header("x-amzn-ErrorType", error_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def _gone(self) -> None:
            # 410 GoneException (C75, KC410): SDKs see the code, no message ("GoneException: 410").
            self._send(410, b"", "GoneException")

        def _dispatch(self, action: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else b""
            cid = self._connection_id()
            stage = server.stage
            if cid is None or stage is None:
                self._send(404, b'{"message":"Not Found"}', "NotFoundException")
                return
            if action == "POST":
                if stage.post(cid, data.decode("utf-8", "replace")):
                    self._send(200)
                else:
                    self._gone()
            elif action == "GET":
                info = stage.describe(cid)
                if info is None:
                    self._gone()
                else:
                    self._send(200, json.dumps(info).encode())
            elif stage.delete(cid):
                self._send(204)
            else:
                self._gone()

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_DELETE(self) -> None:
            self._dispatch("DELETE")

    return Handler
