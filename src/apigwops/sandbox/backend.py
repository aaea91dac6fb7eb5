"""A Lambda-like backend: latency distribution, cold starts, failure modes, and the log lines Lambda writes.

Durations are "virtual" milliseconds, the ones AWS would log; the stage sleeps them times the time scale.
Execution environments are modelled so that cold starts happen where they would: the first invocation,
an invocation that finds every warm environment busy, or one after an environment sat idle too long.
Log line formats: START/END/REPORT with `Init Duration` and `Task timed out after N seconds` (signals
reference §4.5 C50, §4.7 C56, §11.5).
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from apigwops.sandbox.constants import FUNCTION_MEMORY_MB, FUNCTION_TIMEOUT_S

Outcome = Literal["ok", "error", "timeout", "malformed", "too-large"]
IDLE_EXPIRY_S = 600.0  # virtual seconds an environment stays warm
ERROR_MESSAGE = "upstream users-db unavailable"
TOO_LARGE_MESSAGE = "Response payload size exceeded maximum allowed payload size (6291556 bytes)."


@dataclass
class Invocation:
    """One invocation as Lambda saw it; `lines` are (virtual ms after start, message)."""

    request_id: str
    outcome: Outcome
    duration_ms: float
    init_ms: float | None
    environment: int
    concurrency: int = 1  # executions in flight when this one started (ConcurrentExecutions)
    status_code: int = 200
    body: str = ""
    error_message: str = ""
    lines: list[tuple[float, str]] = field(default_factory=list)

    @property
    def function_error(self) -> bool:
        return self.outcome in ("error", "timeout", "too-large")


@dataclass
class _Env:
    index: int
    busy: bool = False
    last_used: float = 0.0


class LambdaBackend:
    """Thread-safe pool of execution environments for one function."""

    def __init__(self, *, rng: random.Random, time_scale: float) -> None:
        self._rng = rng
        self._scale = time_scale
        self._lock = threading.Lock()
        self._envs: list[_Env] = []
        self._next_index = 0
        self.in_flight = 0

    def _acquire(self, force_cold: bool) -> tuple[_Env, bool]:
        now = time.monotonic()
        idle_real = IDLE_EXPIRY_S * self._scale
        with self._lock:
            self.in_flight += 1
            if not force_cold:
                for env in self._envs:
                    if not env.busy and now - env.last_used < idle_real:
                        env.busy = True
                        return env, False
            self._next_index += 1
            for env in self._envs:  # an idle, expired environment is replaced by a new one
                if not env.busy:
                    env.busy, env.index = True, self._next_index
                    return env, True
            env = _Env(self._next_index, busy=True)
            self._envs.append(env)
            return env, True

    def release(self, env_index: int) -> None:
        with self._lock:
            self.in_flight -= 1
            for env in self._envs:
                if env.index == env_index:
                    env.busy, env.last_used = False, time.monotonic()

    def invoke(
        self,
        *,
        route_key: str,
        path_id: str | None,
        outcome: Outcome,
        force_cold: bool = False,
        backend_status: int | None = None,
        min_duration_ms: float = 0.0,
    ) -> Invocation:
        """Run (virtually) one invocation; the caller must `release(inv.environment)` when it is answered."""
        env, cold = self._acquire(force_cold)
        concurrency = self.in_flight
        rng = self._rng
        rid = str(uuid.uuid4())
        init_ms = rng.uniform(250.0, 900.0) if cold else None
        duration = max(min_duration_ms, rng.lognormvariate(math.log(35.0), 0.45) + 1.0)
        inv = Invocation(rid, outcome, duration, init_ms, env.index, concurrency)
        if outcome == "timeout":
            inv.duration_ms = FUNCTION_TIMEOUT_S * 1000.0
        elif outcome == "error":
            inv.error_message = ERROR_MESSAGE
        elif outcome == "too-large":
            inv.error_message = TOO_LARGE_MESSAGE
        elif outcome == "malformed":
            inv.body = json.dumps({"body": {"users": []}})  # body not a string, no statusCode: §4.5 C48
        else:
            inv.status_code, inv.body = _answer(route_key, path_id, backend_status)
        inv.lines = _log_lines(inv)
        return inv


def _answer(route_key: str, path_id: str | None, backend_status: int | None) -> tuple[int, str]:
    if backend_status is not None:
        reason = "internal error in user service" if backend_status >= 500 else "rate limited by user service"
        return backend_status, json.dumps({"error": reason})
    if route_key == "GET /health":
        return 200, json.dumps({"status": "ok"})
    if route_key == "GET /users":
        return 200, json.dumps({"users": [{"id": str(i), "name": f"user-{i}"} for i in range(1, 4)]})
    if route_key == "GET /users/{id}":
        return 200, json.dumps({"id": path_id, "name": f"user-{path_id}"})
    return 201, json.dumps({"orderId": uuid.uuid4().hex[:12], "status": "created"})


def lambda_proxy_response(inv: Invocation) -> str:
    """What the function returned to API Gateway (a proxy response, or the malformed body)."""
    if inv.outcome == "malformed":
        return inv.body
    return json.dumps(
        {"statusCode": inv.status_code, "headers": {"Content-Type": "application/json"}, "body": inv.body}
    )


def _iso(ms_offset: float) -> str:
    # The text timestamp inside a line; the event timestamp itself is set when shipped.
    stamp = datetime.now(UTC).timestamp() + ms_offset / 1000.0
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _log_lines(inv: Invocation) -> list[tuple[float, str]]:
    rid = inv.request_id
    lines: list[tuple[float, str]] = [(0.0, f"START RequestId: {rid} Version: $LATEST")]
    end = inv.duration_ms
    if inv.outcome == "timeout":
        lines.append((end, f"{_iso(end)} {rid} Task timed out after {FUNCTION_TIMEOUT_S:.2f} seconds"))
    elif inv.outcome == "error":
        lines.append(
            (
                end,
                f"[ERROR] RuntimeError: {inv.error_message}\nTraceback (most recent call last):\n"
                '  File "/var/task/app.py", line 41, in handler\n'
                f'    raise RuntimeError("{inv.error_message}")',
            )
        )
    else:
        lines.append(
            (end * 0.9, f"[INFO]\t{_iso(end * 0.9)}\t{rid}\thandled request, status {inv.status_code}")
        )
    memory = 60 + (inv.environment % 7) * 3 + (40 if inv.outcome == "too-large" else 0)
    report = (
        f"REPORT RequestId: {rid}\tDuration: {inv.duration_ms:.2f} ms\t"
        f"Billed Duration: {math.ceil(inv.duration_ms)} ms\tMemory Size: {FUNCTION_MEMORY_MB} MB\t"
        f"Max Memory Used: {memory} MB\t"
    )
    if inv.init_ms is not None:
        report += f"Init Duration: {inv.init_ms:.2f} ms\t"
    if inv.outcome == "timeout":
        report += "Status: timeout"
    lines += [(end, f"END RequestId: {rid}"), (end, report)]
    return lines
