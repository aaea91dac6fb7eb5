"""One WebSocket event (CONNECT, MESSAGE, DISCONNECT) as API Gateway would record it: `$context` values,
execution-log lines, the Lambda invocations it made and which WebSocket metrics it counts (§6.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from apigwops.sandbox.backend import Invocation

EventType = Literal["CONNECT", "MESSAGE", "DISCONNECT"]


@dataclass
class WsEvent:
    event_type: EventType
    start_s: float
    context: dict[str, str]
    route_key: str = "-"
    exec_lines: list[str] = field(default_factory=list)
    invocation: Invocation | None = None
    authorizer_invocation: Invocation | None = None
    extra_lambda_lines: list[str] = field(
        default_factory=list
    )  # the function's own lines (e.g. GoneException)
    integration_latency_ms: float | None = None
    lambda_throttled: bool = False
    status: int = 200
    connect_count: bool = False  # reached the $connect integration (ConnectCount)
    messages: int = 0  # messages from or to the client (MessageCount)
    client_error: bool = False  # 4XX from API Gateway before the integration (ClientError)
    integration_error: bool = False  # 4XX/5XX from the integration (IntegrationError)
    execution_error: bool = False  # error calling the integration (ExecutionError)
    logged: bool = True  # False: nothing in the access/execution log (e.g. a callback)
