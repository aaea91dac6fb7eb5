"""How the stage reports what AWS would record: log events and metric observations, to a sink.

The shipper is the real sink (batches into moto); tests may use `MemorySink`. Rendering of the three
API Gateway record kinds lives here too: access-log lines from the stage's format, and the masking
API Gateway applies to API keys in execution logs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

Dimensions = tuple[tuple[str, str], ...]

_CONTEXT_VAR = re.compile(r"\$context\.([A-Za-z0-9_.]+[A-Za-z0-9_])")


class Sink(Protocol):
    def log(self, group: str, stream: str, timestamp_ms: int, message: str) -> None: ...

    def metric(
        self, namespace: str, name: str, dimensions: Dimensions, value: float, unit: str, timestamp_s: float
    ) -> None: ...


def render_access_log(log_format: str, context: Mapping[str, str]) -> str:
    """Substitute every `$context.x.y` in the stage's format; a variable with no value renders as `-` (§5)."""
    return _CONTEXT_VAR.sub(lambda m: context.get(m.group(1), "-") or "-", log_format)


def mask_api_key(key: str) -> str:
    """API Gateway's masking in execution logs: asterisks, then the last 6 characters (§4.3 C32, KC429)."""
    if len(key) <= 6:
        return "*" * len(key)
    return "*" * (len(key) - 6) + key[-6:]
