"""A Lambda-like backend: latency distribution, cold starts, failure modes, and the log lines Lambda writes.

Durations are "virtual" milliseconds, the ones AWS would log; the stage sleeps them times the time scale.
Execution environments are modelled so that cold starts happen where they would: the first invocation,
an invocation that finds every warm environment busy, or one after an environment sat idle too long.
One backend per function: it knows the function's configured Timeout, so an invocation whose work runs past
it ends as Lambda ends it (a timeout at the limit, §4.5 C50, §15.1) rather than by a forced outcome. The lines
the function logs, in its log format, are `lambda_logs.py`'s.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
import uuid
from dataclasses import dataclass

from apigwops.sandbox import constants as c
from apigwops.sandbox.invocation import Invocation, Outcome
from apigwops.sandbox.lambda_logs import render

__all__ = ["Invocation", "LambdaBackend", "Outcome", "lambda_proxy_response"]

IDLE_EXPIRY_S = 600.0  # virtual seconds an environment stays warm
ERROR_MESSAGE = "upstream users-db unavailable"
TOO_LARGE_MESSAGE = "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
# A runtime that cannot import the handler's module (§15.1 INIT_REPORT, issue 10: Runtime.ImportModuleError)
INIT_ERROR_TYPE = "Runtime.ImportModuleError"
INIT_ERROR_MESSAGE = "Unable to import module 'app': No module named 'requests'"


@dataclass
class _Env:
    index: int
    busy: bool = False
    last_used: float = 0.0


class LambdaBackend:
    """Thread-safe pool of execution environments for one function."""

    def __init__(
        self,
        *,
        rng: random.Random,
        time_scale: float,
        function: c.Function = c.FUNCTIONS[0],
        log_format: c.LambdaLogFormat = c.DEFAULT_LAMBDA_LOG_FORMAT,
    ) -> None:
        self.function = function
        self.log_format = log_format
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
        """Run (virtually) one invocation; the caller must `release(inv.environment)` when it is answered.

        `min_duration_ms` is how long the function's work takes (a slow downstream); past the function's
        configured Timeout, Lambda stops it there and the invocation is a timeout."""
        env, cold = self._acquire(force_cold or outcome == "init-error")
        concurrency = self.in_flight
        rng = self._rng
        rid = str(uuid.uuid4())
        init_ms = rng.uniform(250.0, 900.0) if cold else None
        duration = max(min_duration_ms, rng.lognormvariate(math.log(35.0), 0.45) + 1.0)
        limit_ms = self.function.timeout_s * 1000.0
        if outcome == "ok" and duration >= limit_ms:
            outcome = "timeout"
        inv = Invocation(
            rid,
            outcome,
            duration,
            init_ms,
            env.index,
            function=self.function.name,
            timeout_s=self.function.timeout_s,
            concurrency=concurrency,
        )
        if outcome == "timeout":
            # Lambda stops the function at its Timeout; Duration is about the limit (§15.1)
            inv.duration_ms = limit_ms + rng.uniform(0.5, 30.0)
            # what the invoke returns for it: the HTTP API's integrationErrorMessage quotes it (§4.5 C50 [OBS])
            inv.error_message = (
                f"RequestId: {rid} Error: Task timed out after {self.function.timeout_s:.2f} seconds"
            )
        elif outcome == "init-error":
            inv.duration_ms = rng.uniform(
                300.0, 900.0
            )  # the invoke-phase retry of the init, which fails again
            inv.error_type, inv.error_message = INIT_ERROR_TYPE, INIT_ERROR_MESSAGE
        elif outcome == "error":
            inv.error_message = ERROR_MESSAGE
        elif outcome == "too-large":
            inv.error_message = TOO_LARGE_MESSAGE
        elif outcome == "malformed":
            inv.body = json.dumps({"body": {"users": []}})  # body not a string, no statusCode: §4.5 C48
        else:
            inv.status_code, inv.body = _answer(route_key, path_id, backend_status)
        inv.lines = render(inv, self.log_format, self.function.name)
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
