"""A loopback proxy in front of moto's server that breaks chosen calls the way networks and services do.

A rule names strings that must all appear in a request (its method and path, headers and body: an operation
name is in `X-Amz-Target` for JSON protocols, in the path or `Action=` otherwise; a log group name is in the
body) and what happens to it: `reset` closes the connection with a TCP RST before answering, `garbage`
answers 200 with a body no AWS parser accepts, `hang` reads the request and never answers (until the proxy
stops), `deny` and `throttle` answer the error AWS sends (AccessDeniedException; ThrottlingException, or
TooManyRequestsException from API Gateway and Lambda) in the request's own protocol: JSON `__type` for JSON
services, the `x-amzn-ErrorType` header for REST-JSON ones, a CBOR map for CloudWatch's RPC v2 CBOR, an XML
`ErrorResponse` for query services (botocore's parsers: `botocore/parsers.py`). Every other request goes to
moto unchanged.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"})
GARBAGE = b"\x00\xff<not-json{{ this is not what AWS answers"


@dataclass(frozen=True)
class Rule:
    needles: tuple[str, ...]
    action: Literal["reset", "garbage", "hang", "deny", "throttle"]


class FaultProxy:
    def __init__(self, upstream: str, rules: list[Rule]) -> None:
        target = urlsplit(upstream)
        assert target.hostname in ("127.0.0.1", "localhost"), "loopback only"
        self.upstream = (target.hostname, target.port or 80)
        self.rules = rules
        self.hits: list[str] = []
        self.released = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()

    def rule_for(self, text: str) -> Rule | None:
        return next((r for r in self.rules if all(n in text for n in r.needles)), None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (its read timeout ended a hang) is expected: no traceback on stderr, where
        the tests look for apigwops's own."""


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            text = f"{self.command} {self.path}\n{self.headers}\n{body.decode('utf-8', 'replace')}"
            rule = proxy.rule_for(text)
            if rule is not None:
                proxy.hits.append(rule.action)
                getattr(self, f"_{rule.action}")()
                return
            upstream = http.client.HTTPConnection(*proxy.upstream, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                self.send_response(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
            finally:
                upstream.close()
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _reset(self) -> None:
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN: "connection reset by peer"
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def _garbage(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(GARBAGE)))
            self.end_headers()
            self.wfile.write(GARBAGE)

        def _hang(self) -> None:
            proxy.released.wait()
            self.close_connection = True

        def _deny(self) -> None:
            self._aws_error(
                403, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ci is not authorized"
            )

        def _throttle(self) -> None:
            rest = "X-Amz-Target" not in self.headers and "rpc-v2-cbor" not in self.headers.get(
                "smithy-protocol", ""
            )
            form = "x-www-form-urlencoded" in self.headers.get("Content-Type", "")
            if rest and not form:  # API Gateway and Lambda throttle with 429 TooManyRequestsException
                self._aws_error(429, "TooManyRequestsException", "Too Many Requests")
            else:
                self._aws_error(400, "ThrottlingException", "Rate exceeded")

        def _aws_error(self, status: int, code: str, message: str) -> None:
            headers = {"x-amzn-RequestId": "fault-proxy", "x-amzn-ErrorType": code}
            if "rpc-v2-cbor" in self.headers.get("smithy-protocol", ""):
                body = _cbor_map({"__type": code, "message": message})
                headers.update({"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"})
            elif "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
                body = (
                    f"<ErrorResponse><Error><Type>Sender</Type><Code>{code.removesuffix('Exception')}</Code>"
                    f"<Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
                ).encode()
                headers["Content-Type"] = "text/xml"
            else:
                body = json.dumps({"__type": code, "message": message}).encode()
                headers["Content-Type"] = self.headers.get("Content-Type") or "application/json"
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    return Handler


def _cbor_map(items: dict[str, str]) -> bytes:
    """A CBOR map of short text strings (RFC 8949 §3.1: major type 5 map, major type 3 text)."""

    def text(value: str) -> bytes:
        data = value.encode()
        if len(data) < 24:
            return bytes([0x60 + len(data)]) + data
        if len(data) < 256:
            return bytes([0x78, len(data)]) + data
        return bytes([0x79]) + len(data).to_bytes(2, "big") + data

    assert len(items) < 24
    return bytes([0xA0 + len(items)]) + b"".join(text(k) + text(v) for k, v in items.items())
