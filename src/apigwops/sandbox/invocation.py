"""One Lambda invocation as Lambda saw it: shared by the backend that runs it and the renderer of its log lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from apigwops.sandbox import constants as c

Outcome = Literal["ok", "error", "timeout", "malformed", "too-large", "init-error"]


@dataclass
class Invocation:
    """One invocation as Lambda saw it; `lines` are (virtual ms after start, message)."""

    request_id: str
    outcome: Outcome
    duration_ms: float
    init_ms: float | None
    environment: int
    function: str = c.FUNCTION_NAME
    timeout_s: int = c.FUNCTION_TIMEOUT_S
    concurrency: int = 1  # executions in flight when this one started (ConcurrentExecutions)
    status_code: int = 200
    body: str = ""
    error_message: str = ""
    error_type: str = ""
    lines: list[tuple[float, str]] = field(default_factory=list)

    @property
    def function_error(self) -> bool:
        return self.outcome in ("error", "timeout", "too-large", "init-error")
