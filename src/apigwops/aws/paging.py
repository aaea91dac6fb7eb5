"""Reading every page of a list call, and running independent reads side by side.

API Gateway's list calls page (REST with `position`, v2 with `NextToken`); botocore's paginators hide the
difference. Independent reads run in a small thread pool because boto3 clients are thread-safe and the calls
are I/O-bound: the user waits for the slowest call, not for the sum.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any, TypeVar

from apigwops.workers import DaemonPool

T = TypeVar("T")

MAX_WORKERS = 16


def all_items(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list call across pages (`key` is 'items' for REST APIs, 'Items' for v2)."""
    items: list[dict[str, Any]] = []
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**params):
            items.extend(page.get(key, []))
    else:
        items.extend(getattr(client, operation)(**params).get(key, []))
    return items


def run_all(tasks: Mapping[str, Callable[[], T]], max_workers: int = MAX_WORKERS) -> dict[str, Future[T]]:
    """Run independent callables at once and return their finished futures by name.

    Futures rather than values, so that each caller decides which failures end the command and which only
    become a skipped check.
    """
    if not tasks:
        return {}
    with DaemonPool(max_workers=min(max_workers, len(tasks)), thread_name_prefix="apigwops") as pool:
        futures = {name: pool.submit(task) for name, task in tasks.items()}
    return futures
