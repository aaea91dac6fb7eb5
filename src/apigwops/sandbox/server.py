"""The local stages over real HTTP on 127.0.0.1, and the loopback control endpoint of a running sandbox.

One threaded HTTP server per API (each has its own base URL, like an execute-api host); the reply waits
the scaled latency before it is written, so clients see the timing AWS would show, sped up by the time scale.
`GET PROBE_PATH` is answered by the server itself, before the pipeline: it tells a probe that the stage serves
without making a request AWS would log.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from apigwops.sandbox.constants import PROBE_PATH
from apigwops.sandbox.exchange import StageRequest
from apigwops.sandbox.pipeline import Pipeline

MAX_BODY = 10 * 1024 * 1024


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that hangs up mid-reply is not the stage's problem


class StageServer:
    """Serves one pipeline on 127.0.0.1:`port` (0 = a free port)."""

    def __init__(self, pipeline: Pipeline | None = None, port: int = 0) -> None:
        # The port is needed before provisioning (the URL tag), the pipeline only after it.
        self.pipeline = pipeline
        handler = _stage_handler(self)
        self._httpd = _QuietServer(("127.0.0.1", port), handler)
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="sandbox-stage", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _stage_handler(server: StageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms per reply.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def send_response(self, code: int, message: str | None = None) -> None:
            # API Gateway sends no Server header; only the status line and Date.
            self.send_response_only(code, message)
            self.send_header("Date", self.date_time_string())

        def _serve(self) -> None:
            pipeline = server.pipeline
            if pipeline is None:
                self.send_error(503)
                return
            if self.command == "GET" and self.path == PROBE_PATH:
                self._probe_reply()
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, MAX_BODY)) if length else b""
            parts = urlsplit(self.path)
            req = StageRequest(
                method=self.command,
                path=parts.path,
                query=parts.query,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                peer_ip=self.client_address[0],
            )
            reply = pipeline.handle(req)
            try:
                if reply.delay_s > 0:
                    time.sleep(reply.delay_s)
            finally:
                if reply.release is not None:
                    reply.release()
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        def _probe_reply(self) -> None:
            body = b'{"answering":true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve

    return Handler


class ControlServer:
    """`GET /faults`, `PUT /faults` (a JSON object of rates), `POST /flush` on loopback, for `sandbox fault`."""

    def __init__(
        self,
        get_faults: Callable[[], dict[str, float]],
        set_faults: Callable[[dict[str, float]], None],
        flush: Callable[[], None],
    ) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _send(self, status: int, payload: Any) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/faults":
                    self._send(200, get_faults())
                else:
                    self._send(404, {"message": "Not Found"})

            def do_PUT(self) -> None:
                if self.path != "/faults":
                    self._send(404, {"message": "Not Found"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    set_faults(json.loads(self.rfile.read(length) or b"{}"))
                except Exception as exc:
                    self._send(400, {"message": getattr(exc, "message", str(exc))})
                    return
                self._send(200, get_faults())

            def do_POST(self) -> None:
                if self.path == "/flush":
                    flush()
                    self._send(200, {"flushed": True})
                else:
                    self._send(404, {"message": "Not Found"})

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="sandbox-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
