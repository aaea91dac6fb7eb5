"""ramp: users in equal steps up to --users over the run time (a Locust LoadTestShape), to find the knee.

Each step holds for run_time / steps; the chart (RPS and p95 over time) shows where latency starts to climb.
"""

from __future__ import annotations

import math

from apigwops_plugin import ApiUser, params
from locust import LoadTestShape, between, task
from smoke import ROUTES, concrete

PARAMS = params()
STEPS = int(PARAMS.get("steps", 4))


class RampUser(ApiUser):
    wait_time = between(0.5, 1.0)

    @task
    def each_route(self) -> None:
        for method, path in ROUTES:
            self.client.request(method, concrete(path), name=path)


class StepShape(LoadTestShape):
    """STEPS equal steps of users over the run time, then stop."""

    def tick(self) -> tuple[int, float] | None:
        duration = float(PARAMS.get("duration_s", 60))
        users = int(PARAMS.get("users", 10))
        elapsed = self.get_run_time()
        if elapsed >= duration:
            return None
        step = min(int(elapsed // (duration / STEPS)), STEPS - 1)
        target = max(1, math.ceil(users * (step + 1) / STEPS))
        return target, float(max(target, 1))
