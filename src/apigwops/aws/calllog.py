"""`--debug`: one line on stderr per AWS call (service, operation, HTTP status, attempts, latency).

botocore emits `before-call` once per API call (before the retries), then `after-call` with the final HTTP
response or `after-call-error` with the exception that ended it; its retry handler counts the attempts in the
request context (`context["retries"]["attempt"]`). Only those fields are printed: never parameters, headers,
bodies or messages (they can carry tokens, keys, log lines), so there is nothing to redact but the exception's
text, which is reduced to its class name or AWS error code.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

_STARTED = "apigwops_started"
_CALL = "apigwops_call"


class CallLog:
    """Registers on a client's events and writes one line per finished call to `write`."""

    def __init__(self, write: Callable[[str], None], clock: Callable[[], float] = time.perf_counter) -> None:
        self._write = write
        self._clock = clock

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-call", self._started)
        events.register("after-call", self._answered)
        events.register("after-call-error", self._failed)

    def _started(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        # after-call-error carries no operation model, so the names travel in the request context
        context[_CALL] = f"{model.service_model.service_name} {model.name}"
        context[_STARTED] = self._clock()

    def _answered(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        self._line(str(getattr(http_response, "status_code", "?")), context)

    def _failed(self, exception: BaseException, context: dict[str, Any], **_: Any) -> None:
        self._line(f"failed ({type(exception).__name__})", context)

    def _line(self, outcome: str, context: dict[str, Any]) -> None:
        started = context.get(_STARTED)
        elapsed = f"{(self._clock() - started) * 1000:.0f} ms" if isinstance(started, float) else "? ms"
        retries = context.get("retries")
        attempts = retries.get("attempt", 1) if isinstance(retries, dict) else 1
        plural = "attempt" if attempts == 1 else "attempts"
        self._write(f"aws: {context.get(_CALL, '?')} -> {outcome}, {attempts} {plural}, {elapsed}")
