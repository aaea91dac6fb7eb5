"""soak: steady, moderate load for a long run (pair with -t 1h); shows leaks and slow drift on the chart."""

from __future__ import annotations

from apigwops_plugin import ApiUser
from locust import between, task
from smoke import ROUTES, concrete


class SoakUser(ApiUser):
    wait_time = between(1.0, 3.0)

    @task
    def each_route(self) -> None:
        for method, path in ROUTES:
            self.client.request(method, concrete(path), name=path)
