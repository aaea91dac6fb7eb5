"""Throughput of `apigwops loadtest run` against bare Locust and wrk, on one local target, in one run.

    .venv/bin/python benchmarks/loadtest_throughput.py [--users 20] [--seconds 10]

Rows: bare `locust --headless` (FastHttpUser, the same locustfile, users and processes) with 1 and 2
processes; `apigwops loadtest run` with `--workers 1` and `--workers 2`; `wrk` as the machine's ceiling (skipped
with a note when wrk is not installed: `apt-get install -y wrk`). Each row also reports what the target itself
counted, so an under-counting tool shows up. The target is a small asyncio HTTP/1.1 server in its own process
(keep-alive, fixed 200 response); on a 2-core machine it shares the cores with the generator, as in CI.
Prints numbers and ratios; not part of the test suite's pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APIGWOPS = Path(sys.executable).with_name("apigwops")

LOCUSTFILE = """
from locust import FastHttpUser, task


class Bench(FastHttpUser):
    @task
    def root(self):
        self.client.get("/")
"""

SERVER = r"""
import asyncio, sys
COUNT = [0]
BODY = b'{"ok":true}'
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n" + BODY

class Http(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""
    def data_received(self, data):
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
            if head.startswith(b"GET /__count"):
                body = str(COUNT[0]).encode()
                self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                continue
            COUNT[0] += 1
            self.transport.write(OK)

async def main():
    server = await asyncio.get_running_loop().create_server(Http, "127.0.0.1", int(sys.argv[1]), backlog=1024)
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def served(base: str) -> int:
    with urllib.request.urlopen(f"{base}/__count", timeout=5) as response:
        return int(response.read())


def bare_locust(base: str, locustfile: Path, users: int, seconds: int, processes: int) -> float:
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(locustfile),
        "--headless",
        "--host",
        base,
        "-u",
        str(users),
    ]
    argv += ["-r", str(users), "-t", f"{seconds}s", "--json", "--skip-log", "--stop-timeout", "2"]
    if processes > 1:
        argv += ["--processes", str(processes)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    entries = _largest_json_list(out)  # with --processes every worker prints its own (empty) list too
    requests = sum(e["num_requests"] for e in entries)
    start = min(e["start_time"] for e in entries)
    end = max(e["last_request_timestamp"] for e in entries)
    return requests / (end - start)


def _largest_json_list(text: str) -> list[dict[str, float]]:
    decoder, found, index = json.JSONDecoder(), [], 0
    while (index := text.find("[", index)) >= 0:
        try:
            value, end = decoder.raw_decode(text, index)
        except ValueError:
            index += 1
            continue
        if isinstance(value, list):
            found.append(value)
        index = end
    return max(found, key=lambda entries: sum(e.get("num_requests", 0) for e in entries))


def apigwops_run(base: str, locustfile: Path, users: int, seconds: int, workers: int) -> tuple[float, bool]:
    argv = [
        str(APIGWOPS),
        "-o",
        "json",
        "-q",
        "loadtest",
        "run",
        str(locustfile),
        "--url",
        base,
        "-u",
        str(users),
    ]
    argv += ["-t", f"{seconds}s", "--workers", str(workers), "--no-cloudwatch"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 90).stdout
    summary = json.loads(out)
    return float(summary["rps"]), bool(summary["latency_reliable"])


def wrk(base: str, users: int, seconds: int) -> float | None:
    if not shutil.which("wrk"):
        return None
    out = subprocess.run(
        ["wrk", "-t2", f"-c{users}", f"-d{seconds}s", f"{base}/"],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(match.group(1)) if match else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each row reports its median")
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    samples: dict[str, list[tuple[float | None, int, str, float]]] = {}
    try:
        time.sleep(0.5)
        with tempfile.TemporaryDirectory() as scratch:
            locustfile = Path(scratch) / "bench_locustfile.py"
            locustfile.write_text(LOCUSTFILE)
            u, t = args.users, args.seconds
            plan = [
                ("locust --headless, 1 process", lambda: (bare_locust(base, locustfile, u, t, 1), "")),
                ("apigwops loadtest run --workers 1", lambda: _note(apigwops_run(base, locustfile, u, t, 1))),
                ("locust --headless --processes 2", lambda: (bare_locust(base, locustfile, u, t, 2), "")),
                ("apigwops loadtest run --workers 2", lambda: _note(apigwops_run(base, locustfile, u, t, 2))),
                ("wrk -t2 (ceiling)", lambda: (wrk(base, u, t), "")),
            ]
            # Rounds interleave the rows, so a neighbour's burst of CPU use spreads over all of them.
            for round_no in range(args.repeat):
                for name, measure in plan:
                    before, cpu_before = served(base), children_cpu_s()
                    rps, note = measure()
                    seen = served(base) - before
                    cpu_us = (children_cpu_s() - cpu_before) * 1e6 / max(seen, 1)
                    samples.setdefault(name, []).append((rps, seen, note, cpu_us))
                    print(f"  round {round_no + 1} {name}: {rps and round(rps)} req/s", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)
    rows = {}
    for name, values in samples.items():
        measured = sorted((v for v in values if v[0] is not None), key=lambda v: v[0] or 0.0)
        median = measured[len(measured) // 2] if measured else values[0]
        cpu = sorted(v[3] for v in values)[len(values) // 2]
        rows[name] = (median[0], median[1], next((v[2] for v in values if v[2]), ""), cpu)
    report(rows, args.users, args.seconds)
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print(
            f"\nnote: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; other work shared the CPU"
        )


def _note(result: tuple[float, bool]) -> tuple[float, str]:
    rps, reliable = result
    return rps, "" if reliable else "apigwops flagged latency unreliable (generator saturated)"


def children_cpu_s() -> float:
    """CPU seconds used by finished child processes (and theirs): the generator's cost, whatever the load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(rows: dict[str, tuple[float | None, int, str, float]], users: int, seconds: int) -> None:
    print(f"\nThroughput on 127.0.0.1, {users} users/connections, {seconds} s runs, {os.cpu_count()} cores")
    print(
        "(medians over rounds; CPU us/req = generator CPU per request served, steady even on a busy machine)"
    )
    print(f"{'tool':<38}{'req/s':>10}{'target saw':>12}{'CPU us/req':>12}  note")
    for name, (rps, seen, note, cpu_us) in rows.items():
        shown = "skipped" if rps is None else f"{rps:,.0f}"
        if rps is None and name.startswith("wrk"):
            note = "wrk not installed (apt-get install -y wrk)"
        print(f"{name:<38}{shown:>10}{seen:>12,}{cpu_us:>12,.0f}  {note}")

    def ratio(a: str, b: str) -> str:
        x, y = rows.get(a, (None,))[0], rows.get(b, (None,))[0]
        return f"{x / y:.2f}" if x and y else "n/a"

    print("\nratios")
    print(
        f"  apigwops / bare locust, 1 process:    {ratio('apigwops loadtest run --workers 1', 'locust --headless, 1 process')}"
    )
    print(
        f"  apigwops / bare locust, 2 processes:  {ratio('apigwops loadtest run --workers 2', 'locust --headless --processes 2')}"
    )
    print(
        f"  apigwops --workers 2 / --workers 1:   {ratio('apigwops loadtest run --workers 2', 'apigwops loadtest run --workers 1')}"
    )
    print(
        f"  apigwops --workers 2 / wrk ceiling:   {ratio('apigwops loadtest run --workers 2', 'wrk -t2 (ceiling)')}"
    )


if __name__ == "__main__":
    main()
