"""One request through a local stage: what came in (`StageRequest`), what goes back (`StageReply`), and what AWS
would know about it (`Recorded`).

These records are shared by the pipeline, its steps, the gateway replies (`responses.py`), the HTTP server and the
recorder (`records.py`); they live here, below all of them, so that none of those imports another to reach them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from apigwops.sandbox import constants as c
from apigwops.sandbox.backend import Invocation
from apigwops.sandbox.waf import WafRequest, WafVerdict


@dataclass(frozen=True)
class StageRequest:
    method: str
    path: str  # as received, including the stage: /prod/users/7
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    peer_ip: str


@dataclass
class StageReply:
    status: int
    body: bytes
    headers: list[tuple[str, str]]
    delay_s: float
    release: Callable[[], None] | None = None


@dataclass
class Recorded:
    """What AWS would know about one request; `records.py` renders it."""

    api_type: c.ApiType
    start_s: float
    context: dict[str, str]
    exec_lines: list[str] = field(default_factory=list)
    invocation: Invocation | None = None
    lambda_throttled: bool = False
    integration_latency_ms: float | None = None
    authorizer_latency_ms: float = 0.0
    response_latency_ms: float = 0.0
    waf: WafVerdict | None = None
    waf_request: WafRequest | None = None
    status: int = 200

    @property
    def rest(self) -> bool:
        """REST API (True) or HTTP API (False): what the steps branch on."""
        return self.api_type == "REST"
