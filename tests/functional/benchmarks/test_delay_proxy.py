"""The delaying proxy the concurrency benchmark relies on: real HTTP through it, and the numbers it derives.

If the proxy named operations wrongly or measured overlap wrongly, the benchmark's table would mislead
silently, so these pieces are checked here (fast; the full benchmark runs in test_benchmark_scripts.py).
"""

from __future__ import annotations

import http.client
import importlib.util
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up here
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


proxy_mod = _load("delay_proxy")


@pytest.fixture
def upstream() -> Iterator[str]:
    """A loopback server that echoes the method, path and body it received, with a custom header."""

    class Echo(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            payload = f"{self.command} {self.path} ".encode() + body
            self.send_response(418 if b"teapot" in body else 200)
            self.send_header("x-amzn-RequestId", "abc")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _post(url: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, str | None]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data, response.getheader("x-amzn-RequestId")


def test_forwards_after_the_delay_and_records_each_call(upstream: str) -> None:
    with proxy_mod.DelayProxy(upstream, delay_s=0.05) as proxy:
        begin = time.perf_counter()
        status, body, request_id = _post(
            proxy.url, "/", b"{}", {"X-Amz-Target": "Logs_20140328.FilterLogEvents"}
        )
        elapsed = time.perf_counter() - begin
        teapot = _post(proxy.url, "/service/X/operation/GetMetricData", b"teapot", {})
        calls = proxy.calls()
    assert (status, body, request_id) == (200, b"POST / {}", "abc")
    assert teapot[0] == 418  # errors are passed through, not turned into proxy failures
    assert elapsed >= 0.05
    assert [c.operation for c in calls] == ["FilterLogEvents", "GetMetricData"]
    assert [c.status for c in calls] == [200, 418]
    assert all(c.seconds >= 0.05 for c in calls)


def test_refuses_a_non_loopback_upstream() -> None:
    with pytest.raises(ValueError, match="loopback"):
        proxy_mod.DelayProxy("http://example.com:80")


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "expected"),
    [
        ("POST", "/", {"X-Apigwops-Bench-Operation": "logs:FilterLogEvents"}, b"", "logs:FilterLogEvents"),
        ("POST", "/", {"X-Amz-Target": "AWSWAF_20190729.GetWebACL"}, b"", "GetWebACL"),
        ("POST", "/service/GraniteServiceVersion20100801/operation/GetMetricData", {}, b"", "GetMetricData"),
        ("POST", "/", {}, b"Action=GetCallerIdentity&Version=2011-06-15", "GetCallerIdentity"),
        ("GET", "/?Action=DescribeAlarms", {}, b"", "DescribeAlarms"),
        ("GET", "/restapis/ab12cd34/stages/prod", {}, b"", "GET /restapis/{id}/stages/prod"),
        (
            "GET",
            "/2015-03-31/functions/user-api-handler/policy",
            {},
            b"",
            "GET /2015-03-31/functions/user-api-handler/policy",
        ),
    ],
)
def test_operation_names(method: str, path: str, headers: dict[str, str], body: bytes, expected: str) -> None:
    assert proxy_mod.operation_name(method, path, headers, body) == expected


def test_concurrency_measures() -> None:
    call = proxy_mod.Call
    # Two dependent calls, then a fan-out of three overlapping calls: three rounds, three in flight at most.
    calls = [
        call("a", 0.0, 0.1, 200),
        call("b", 0.1, 0.2, 200),
        call("c", 0.2, 0.3, 200),
        call("d", 0.21, 0.32, 200),
        call("e", 0.22, 0.35, 200),
    ]
    assert proxy_mod.peak_in_flight(calls) == 3
    assert proxy_mod.longest_sequential_chain(calls) == 3
    assert proxy_mod.longest_sequential_chain(calls[:2]) == 2
    assert proxy_mod.peak_in_flight([]) == 0
    # In flight from 0.0 to 0.35 without a gap: no local time in between.
    assert proxy_mod.busy_seconds(calls) == pytest.approx(0.35)
    assert proxy_mod.busy_seconds([call("a", 0.0, 0.1, 200), call("b", 0.3, 0.4, 200)]) == pytest.approx(0.2)
