"""Independent reads run side by side, each outcome recorded as a `Check`.

Collectors describe a round of reads as `{check_id: (service, operation, call)}`; `Reader.run` fires them
at once (one round trip of waiting) and returns the answers of those that worked. A failed read is left out
of the answers (so "not read" never looks like "read, and empty") and becomes a skipped check whose reason
names the IAM action or the missing feature. A read-only violation is a bug and is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apigwops.aws.errors import skip_reason
from apigwops.aws.paging import run_all
from apigwops.errors import ReadOnlyViolation
from apigwops.model import Check

Task = tuple[str, str, Callable[[], Any]]  # (service, operation, call)


class Reader:
    """Runs rounds of independent reads and keeps the checks of all of them, in order."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def run(self, tasks: dict[str, Task]) -> dict[str, Any]:
        futures = run_all({check_id: task[2] for check_id, task in tasks.items()})
        results: dict[str, Any] = {}
        for check_id, (service, operation, _) in tasks.items():
            exc = futures[check_id].exception()
            if isinstance(exc, ReadOnlyViolation):
                raise exc
            if exc is not None:
                self.checks.append(Check(check_id, "skipped", skip_reason(exc, service, operation)))
            else:
                results[check_id] = futures[check_id].result()
                self.checks.append(Check(check_id, "ok"))
        return results
