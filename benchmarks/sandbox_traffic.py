"""Traffic and timing helpers shared by the diagnose benchmarks (helper module, not a benchmark).

Traffic goes to the sandbox's REST stage from keep-alive `http.client` connections in threads: Locust would
measure itself as much as the stage, and a benchmark of diagnose needs only the log volume a real stage
would write. The window handed to diagnose is whole seconds around the traffic (a CLI `--end` may not lie
in the future), starting at the minute boundary so the first per-minute metric datapoint is inside it.
"""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
APIGWOPS = Path(sys.executable).with_name("apigwops")
THREADS = 8
# Requests spread over the REST stage's routes; every one carries the internal tier's key (2,500 rps, no
# quota), so the usage plan lets the whole volume through and failures come only from the injected fault.
ROUTES = ("/users/{i}", "/users/{i}", "/users/{i}", "/users", "/health")


@dataclass
class Traffic:
    """What was sent: count per status, wall seconds, and the window that covers it."""

    requests: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    first: datetime | None = None
    last: datetime | None = None

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def send_requests(stage_url: str, api_key: str, total: int, threads: int = THREADS) -> Traffic:
    """Send `total` GET requests over `threads` keep-alive connections; returns counts and timing."""
    parts = urlsplit(stage_url)
    host, port, base = parts.hostname or "127.0.0.1", parts.port or 80, parts.path.rstrip("/")
    traffic = Traffic(first=datetime.now(UTC))
    lock = threading.Lock()

    def worker(index: int) -> None:
        counts: Counter[int] = Counter()
        connection = http.client.HTTPConnection(host, port, timeout=60)
        for i in range(index, total, threads):
            path = base + ROUTES[i % len(ROUTES)].format(i=i % 997)
            connection.request("GET", path, headers={"x-api-key": api_key})
            response = connection.getresponse()
            response.read()
            counts[response.status] += 1
        connection.close()
        with lock:
            traffic.statuses.update(counts)

    begin = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    traffic.seconds = time.perf_counter() - begin
    traffic.last = datetime.now(UTC)
    traffic.requests = sum(traffic.statuses.values())
    return traffic


def window_for(traffic: Traffic) -> tuple[datetime, datetime]:
    """Whole-second window from the minute the traffic began to the second after it ended (waits for it)."""
    assert traffic.first is not None
    assert traffic.last is not None
    start = traffic.first.replace(second=0, microsecond=0)
    end = traffic.last.replace(microsecond=0) + timedelta(seconds=1)
    pause = (end - datetime.now(UTC)).total_seconds()
    if pause > 0:
        time.sleep(pause + 0.01)
    return start, end


def note(message: str) -> None:
    """Progress on stderr (the table goes to stdout), so a minute of traffic does not look like a hang."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def status_classes(statuses: Counter[int]) -> str:
    classes: Counter[str] = Counter()
    for status, count in statuses.items():
        classes[f"{status // 100}xx"] += count
    return ", ".join(f"{name} {count:,}" for name, count in sorted(classes.items()))


def run_cli(args: list[str], env: dict[str, str], timeout: float = 900) -> tuple[float, int, str, str]:
    """Run the installed console script once: (wall seconds, exit code, stdout, stderr)."""
    full_env = {**os.environ, **env, "NO_COLOR": "1"}
    begin = time.perf_counter()
    proc = subprocess.run(
        [str(APIGWOPS), *args], capture_output=True, text=True, env=full_env, timeout=timeout, check=False
    )
    return time.perf_counter() - begin, proc.returncode, proc.stdout, proc.stderr


class StepClock:
    """A Progress observer that timestamps the collector's steps, to split its wall time into phases."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, str]] = []

    def step(self, message: str) -> None:
        self.marks.append((time.perf_counter(), message))

    def warn(self, message: str) -> None:
        return None

    def since(self, prefix: str) -> float | None:
        """perf_counter time of the first step whose message starts with `prefix`."""
        return next((t for t, message in self.marks if message.startswith(prefix)), None)


class CallTimer:
    """Client-side time per AWS operation, from botocore's before-call/after-call events on one session.

    Each call's context dict carries its start, so concurrent calls on one client do not mix up.
    """

    def __init__(self, session: Any) -> None:
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()
        session.events.register("before-call", self._before)
        session.events.register("after-call", self._after)

    def _before(self, context: dict[str, Any], **_: Any) -> None:
        context["bench_start"] = time.perf_counter()

    def _after(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        begin = context.get("bench_start")
        if begin is not None:
            with self._lock:
                self.seconds[f"{model.service_model.service_name}:{model.name}"].append(
                    time.perf_counter() - begin
                )

    def rows(self) -> list[dict[str, Any]]:
        """Operations by summed seconds, largest first."""
        rows = [
            {"operation": op, "calls": len(v), "sum_s": sum(v), "max_s": max(v)}
            for op, v in self.seconds.items()
        ]
        return sorted(rows, key=lambda r: -r["sum_s"])


def table(rows: list[tuple[str, ...]], header: tuple[str, ...], align: str = "") -> str:
    """A plain aligned text table; `align` has one letter per column, `l` or `r` (default: first left)."""
    align = align or "l" + "r" * (len(header) - 1)
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [
            str(v).ljust(w) if a == "l" else str(v).rjust(w)
            for v, w, a in zip(row, widths, align, strict=True)
        ]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def summarize_checks(checks: dict[str, str]) -> str:
    """`{'config-usage:abc': 'skipped', ...}` as `config-usage x4 skipped, waf-sampled-requests skipped`."""
    grouped: Counter[tuple[str, str]] = Counter((k.split(":")[0], v) for k, v in checks.items())
    parts = [f"{name}{f' x{n}' if n > 1 else ''} {status}" for (name, status), n in sorted(grouped.items())]
    return ", ".join(parts) or "none"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def quiet_loggers() -> None:
    """werkzeug (moto) and botocore log every request at INFO; a benchmark prints only its numbers."""
    import logging

    for name in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)


def write_json(path: str | None, payload: dict[str, Any]) -> None:
    """Also save the numbers as JSON (`--json FILE`), for the smoke test and for the issue notes."""
    if path:
        import json

        Path(path).write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
