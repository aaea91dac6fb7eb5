"""Turns a WebSocket event into what AWS would write: the access-log line (the stage's format), execution-log
lines `(<requestId>) <message>` in `API-Gateway-Execution-Logs_{api-id}/{stage}` (§9.1, §9.2), the functions'
Lambda log lines, and the WebSocket metrics with dimensions ApiId; ApiId,Stage; ApiId,Stage,Route (§6.3)."""

from __future__ import annotations

from dataclasses import dataclass

from apigwops.sandbox import constants as c
from apigwops.sandbox.backend import Invocation
from apigwops.sandbox.telemetry import Dimensions, Sink, render_access_log
from apigwops.sandbox.websocket import facts as f
from apigwops.sandbox.websocket.events import WsEvent

NAMESPACE = "AWS/ApiGateway"


@dataclass(frozen=True)
class WsDestinations:
    api_id: str
    groups: dict[str, str]
    time_scale: float
    stream: str
    log_format: str = f.ACCESS_LOG_FORMAT

    def lambda_stream(self, environment: int) -> str:
        import time

        day = time.strftime("%Y/%m/%d", time.gmtime())
        return f"{day}/[$LATEST]{self.stream[:24]}{environment:08x}"


class WsRecorder:
    """Called once per WebSocket event (from the stage's threads); writes to the sink (the shipper)."""

    def __init__(self, dest: WsDestinations, sink: Sink) -> None:
        self.dest = dest
        self.sink = sink

    def __call__(self, ev: WsEvent) -> None:
        d, sink = self.dest, self.sink
        start_ms = int(ev.start_s * 1000)
        if ev.logged:
            ev.context["status"] = str(ev.status)
            latency = (ev.integration_latency_ms or 0.0) * d.time_scale
            sink.log(
                d.groups["access"],
                d.stream,
                start_ms + int(latency),
                render_access_log(d.log_format, ev.context),
            )
            rid = ev.context["requestId"]
            for i, line in enumerate(ev.exec_lines):
                sink.log(d.groups["execution"], d.stream, start_ms + i, f"({rid}) {line}")
        if ev.authorizer_invocation is not None:
            self._lambda(d.groups["authorizer"], ev.authorizer_invocation, start_ms, [])
        if ev.invocation is not None:
            self._lambda(d.groups["lambda"], ev.invocation, start_ms, ev.extra_lambda_lines)
        self._metrics(ev)

    def _lambda(self, group: str, inv: Invocation, start_ms: int, extra: list[str]) -> None:
        scale = self.dest.time_scale
        stream = self.dest.lambda_stream(inv.environment)
        base = start_ms + int((inv.init_ms or 0.0) * scale)
        lines = list(inv.lines)
        if extra:  # the function's own lines go before its END/REPORT lines
            at = inv.duration_ms * 0.95
            lines[-2:-2] = [(at, line) for line in extra]
        for offset, line in lines:
            self.sink.log(group, stream, base + int(offset * scale), line)

    def _metrics(self, ev: WsEvent) -> None:
        api = self.dest.api_id
        dims: list[Dimensions] = [(("ApiId", api),), (("ApiId", api), ("Stage", c.STAGE))]
        if ev.route_key != "-":  # detailed metrics are on for the sandbox's stage
            dims.append((("ApiId", api), ("Route", ev.route_key), ("Stage", c.STAGE)))
        ts = ev.start_s
        put = self.sink.metric
        for dim in dims:
            if ev.event_type == "CONNECT":
                put(NAMESPACE, "ConnectCount", dim, float(ev.connect_count), "Count", ts)
            if ev.messages:
                put(NAMESPACE, "MessageCount", dim, float(ev.messages), "Count", ts)
            if ev.logged:
                put(NAMESPACE, "ClientError", dim, float(ev.client_error), "Count", ts)
                put(NAMESPACE, "IntegrationError", dim, float(ev.integration_error), "Count", ts)
                put(NAMESPACE, "ExecutionError", dim, float(ev.execution_error), "Count", ts)
            if ev.integration_latency_ms is not None:
                put(NAMESPACE, "IntegrationLatency", dim, ev.integration_latency_ms, "Milliseconds", ts)
        fn: Dimensions = (("FunctionName", f.FUNCTION_NAME),)
        if ev.lambda_throttled:
            put("AWS/Lambda", "Throttles", fn, 1.0, "Count", ts)
        for name, inv in (
            (f.FUNCTION_NAME, ev.invocation),
            (f.AUTHORIZER_FUNCTION_NAME, ev.authorizer_invocation),
        ):
            if inv is None:
                continue
            fdim: Dimensions = (("FunctionName", name),)
            put("AWS/Lambda", "Invocations", fdim, 1.0, "Count", ts)
            put("AWS/Lambda", "Errors", fdim, float(inv.function_error), "Count", ts)
            put("AWS/Lambda", "Duration", fdim, inv.duration_ms, "Milliseconds", ts)
            put("AWS/Lambda", "ConcurrentExecutions", fdim, float(inv.concurrency), "Count", ts)
