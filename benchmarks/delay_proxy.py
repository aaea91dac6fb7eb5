"""A loopback HTTP proxy that delays every AWS call, so a benchmark sees the call pattern, not moto's speed.

moto on 127.0.0.1 answers in about a millisecond, so against it a sequential collector and a concurrent one
look alike. Against AWS every call costs a round trip; this proxy adds one (100 ms by default) in front of
moto and records, per call, the operation and when it started and ended. From those records a benchmark reads
how concurrent the collection was: wall time against the sum of the calls' latencies, the peak number of
calls in flight, and the longest chain of calls that ran one after another.

The operation name comes from, in order: the `X-Apigwops-Bench-Operation` header (added in-process by
`tag_operations`, exact for every protocol), `X-Amz-Target` (JSON protocol: logs, wafv2), the
`/operation/<Name>` path of the Smithy RPC v2 CBOR protocol (CloudWatch in botocore 1.44), `Action=` (query
protocol), and last `METHOD /path` with id-like segments masked (REST protocols from a client not tagged).

Helper module, not a benchmark: `run_all.py` runs only files with a `__main__` guard.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

OPERATION_HEADER = "X-Apigwops-Bench-Operation"
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
)
_WORD = re.compile(r"^[a-z][a-z-]*$")
_VERSION = re.compile(r"^(v\d+|\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Call:
    """One proxied AWS call; times are `time.perf_counter()` seconds."""

    operation: str
    start: float
    end: float
    status: int

    @property
    def seconds(self) -> float:
        return self.end - self.start


def tag_operations(session: Any) -> None:
    """Make every client of this boto3 session name its operation in a header the proxy reads.

    `before-call` receives the request dict before it is signed, so the header is part of the signed request;
    moto does not check signatures and the proxy forwards it unchanged.
    """

    def add_header(model: Any, params: dict[str, Any], **_: Any) -> None:
        params.setdefault("headers", {})[OPERATION_HEADER] = (
            f"{model.service_model.service_name}:{model.name}"
        )

    session.events.register("before-call", add_header)


def operation_name(method: str, path: str, headers: Any, body: bytes) -> str:
    """The AWS operation a request calls, as exactly as the wire format allows."""
    tagged = headers.get(OPERATION_HEADER)
    if tagged:
        return str(tagged)
    target = headers.get("X-Amz-Target")
    if target:
        return str(target).rsplit(".", 1)[-1]
    parts = urlsplit(path)
    if "/operation/" in parts.path:
        return parts.path.rsplit("/operation/", 1)[1].strip("/")
    action = parse_qs(parts.query).get("Action")
    if not action and body and b"Action=" in body[:200]:
        action = parse_qs(body.decode("ascii", "replace")).get("Action")
    if action:
        return action[0]
    masked = [
        seg if (_WORD.match(seg) or _VERSION.match(seg)) else "{id}" for seg in parts.path.split("/") if seg
    ]
    return f"{method} /{'/'.join(masked)}"


class DelayProxy:
    """Threaded proxy on 127.0.0.1 that forwards to `upstream` after sleeping `delay_s`; use as a context."""

    def __init__(self, upstream: str, delay_s: float = 0.1) -> None:
        target = urlsplit(upstream)
        if target.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the delay proxy forwards to loopback only, not {upstream}")
        self.upstream_host = target.hostname
        self.upstream_port = target.port or 80
        self.delay_s = delay_s
        self._calls: list[Call] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, name="delay-proxy", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> DelayProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the collector opens up to ~30 connections at once


def _handler(proxy: DelayProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _forward(self) -> None:
            start = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            operation = operation_name(self.command, self.path, self.headers, body)
            time.sleep(proxy.delay_s)
            upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=120)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                status = response.status
                self.send_response(status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
            finally:
                upstream.close()
            # Recorded before the client can see the answer, so a caller that reads calls() right after its
            # response always finds its own call (recording after the write raced with it).
            proxy.record(Call(operation, start, time.perf_counter(), status))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    return Handler


def peak_in_flight(calls: list[Call]) -> int:
    """The largest number of calls that were open at the same moment."""
    edges = sorted([(c.start, 1) for c in calls] + [(c.end, -1) for c in calls])
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def longest_sequential_chain(calls: list[Call]) -> int:
    """Most calls that ran strictly one after another (earliest-end-first): an upper bound on the dependent
    round trips, since calls that did not overlap may still have been independent. A fully concurrent fan-out
    after two dependent calls gives 3."""
    count, last_end = 0, float("-inf")
    for call in sorted(calls, key=lambda c: c.end):
        if call.start >= last_end:
            count, last_end = count + 1, call.end
    return count


def busy_seconds(calls: list[Call]) -> float:
    """Time during which at least one call was in flight (the union of the calls' intervals); the rest of a
    phase's wall time is local work: client set-up, parsing, merging."""
    total, covered_to = 0.0, float("-inf")
    for call in sorted(calls, key=lambda c: c.start):
        if call.end > covered_to:
            total += call.end - max(call.start, covered_to)
            covered_to = call.end
    return total
