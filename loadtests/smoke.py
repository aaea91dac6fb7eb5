"""smoke: every route once a second per user, to catch a broken route right after a deploy.

Routes come from apigwops (`--route 'GET /users'`, default `GET /`); `{param}` placeholders are filled with `1`
and the stats keep the templated name, so `/users/{id}` is one row.
"""

from __future__ import annotations

import re

from apigwops_plugin import ApiUser, params
from locust import constant_throughput, task

ROUTES: list[list[str]] = params().get("routes") or [["GET", "/"]]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}/]+\}", "1", path)


class SmokeUser(ApiUser):
    wait_time = constant_throughput(1)

    @task
    def each_route(self) -> None:
        for method, path in ROUTES:
            self.client.request(method, concrete(path), name=path)
