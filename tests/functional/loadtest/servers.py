"""Local HTTP targets for real Locust runs: each counts what it served, so tests compare against the server.

- `CountingServer`: answers 200 (or a chosen status per path) and counts every request it saw.
- token bucket mode (`rate`, `burst`): answers 429 like API Gateway when one API key exceeds its bucket.
- WAF mode (`blocked`): answers 403 with AWS WAF's body when a request contains one of the blocked strings.
- routes mode (`routes`): a path that is not one of them gets API Gateway REST's answer for an unknown route,
  403 `{"message":"Missing Authentication Token"}` with `x-amzn-ErrorType: MissingAuthenticationTokenException`
  (reference §3, C11).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class TokenBucket:
    """Rate r tokens/s, capacity b, starting full: accepts about r*t + b requests in t seconds."""

    rate: float
    burst: float
    tokens: float = -1.0
    last: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            if self.tokens < 0:
                self.tokens, self.last = self.burst, now
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


@dataclass
class ServerState:
    statuses: dict[str, int] = field(default_factory=dict)  # path -> status to answer
    delay_s: float = 0.0
    bucket: TokenBucket | None = None
    blocked: tuple[str, ...] = ()
    routes: frozenset[str] | None = None
    counts: Counter[str] = field(default_factory=Counter)  # "METHOD path" -> requests seen
    headers_seen: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())


def _handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One write per response and no Nagle delay, or every response waits ~40 ms for a delayed ACK.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return None

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body_in = self.rfile.read(length).decode("utf-8", "replace") if length else ""
            path = urllib.parse.urlsplit(self.path).path
            with state.lock:
                state.counts[f"{self.command} {path}"] += 1
                if len(state.headers_seen) < 5:
                    state.headers_seen.append(dict(self.headers.items()))
            if state.delay_s:
                time.sleep(state.delay_s)
            status, body, extra = state.statuses.get(path, 200), b'{"ok":true}', {}
            raw = urllib.parse.unquote_plus(self.path) + body_in
            if state.routes is not None and path not in state.routes:
                status, body = 403, b'{"message":"Missing Authentication Token"}'
                extra = {"x-amzn-ErrorType": "MissingAuthenticationTokenException"}
            elif state.blocked and any(b.lower() in raw.lower() for b in state.blocked):
                status, body = 403, b'{"message":"Forbidden"}'
            elif state.bucket is not None and not state.bucket.take():
                status, body = 429, b'{"message":"Too Many Requests"}'
                extra = {"x-amzn-ErrorType": "TooManyRequestsException"}
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler


@contextmanager
def serve(state: ServerState | None = None) -> Iterator[tuple[str, ServerState]]:
    """Serve on 127.0.0.1 on a free port; yields (base URL, state)."""
    state = state or ServerState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@dataclass
class WsState:
    connections: int = 0
    messages: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _ws_handler(state: WsState) -> type[BaseHTTPRequestHandler]:
    """RFC 6455, just enough: the upgrade handshake, then echo each text frame back as {"echo": text}."""
    import base64
    import hashlib
    import json
    import struct

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return None

        def _read_frame(self) -> tuple[int, bytes] | None:
            head = self.rfile.read(2)
            if len(head) < 2:
                return None
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", self.rfile.read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
            return opcode, data

        def _send_frame(self, opcode: int, data: bytes) -> None:
            header = bytes([0x80 | opcode])
            header += bytes([len(data)]) if len(data) < 126 else bytes([126]) + struct.pack(">H", len(data))
            self.wfile.write(header + data)
            self.wfile.flush()

        def do_GET(self) -> None:
            key = self.headers.get("Sec-WebSocket-Key", "")
            accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.flush()
            with state.lock:
                state.connections += 1
            while (frame := self._read_frame()) is not None:
                opcode, data = frame
                if opcode == 8:  # close
                    self._send_frame(8, b"")
                    break
                if opcode == 1:
                    text = data.decode()
                    with state.lock:
                        state.messages.append(text)
                    self._send_frame(1, json.dumps({"echo": text}).encode())
            self.close_connection = True

    return Handler


@contextmanager
def serve_websocket() -> Iterator[tuple[str, WsState]]:
    """A WebSocket echo server on 127.0.0.1; yields (ws:// URL, state)."""
    state = WsState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ws_handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"ws://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 that no trust store knows."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@contextmanager
def serve_tls(directory: Path, state: ServerState | None = None) -> Iterator[tuple[str, ServerState]]:
    """The counting server over HTTPS with a self-signed certificate; yields (https URL, state)."""
    import ssl

    state = state or ServerState()
    cert, key = self_signed_cert(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
