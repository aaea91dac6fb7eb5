"""Turns what the stage decided (`Recorded`) into what AWS would write: log events and metric observations.

Access log (the stage's format), REST execution log `(<requestId>) <message>` lines (§9.2), Lambda log lines,
WAF log records (§7.2), and metrics with AWS's names and dimensions per API type (§6.1, §6.2, §6.4, §6.5).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field

from apigwops.sandbox import constants as c
from apigwops.sandbox.exchange import Recorded
from apigwops.sandbox.telemetry import Dimensions, Sink, render_access_log
from apigwops.sandbox.waf import log_record


@dataclass(frozen=True)
class Destinations:
    """Log groups, stream names and metric dimensions for one sandbox."""

    rest_api_id: str
    http_api_id: str
    groups: dict[str, str]
    web_acl_arn: str
    time_scale: float
    rest_format: str = c.REST_ACCESS_LOG_FORMAT
    http_format: str = c.HTTP_ACCESS_LOG_FORMAT
    stream_suffix: str = field(default_factory=lambda: os.urandom(16).hex())

    def lambda_stream(self, environment: int) -> str:
        day = time.strftime("%Y/%m/%d", time.gmtime())
        return f"{day}/[$LATEST]{self.stream_suffix[:24]}{environment:08x}"


class Recorder:
    """Called once per request (from stage threads); writes to the sink."""

    def __init__(self, dest: Destinations, sink: Sink) -> None:
        self.dest = dest
        self.sink = sink

    def __call__(self, rec: Recorded) -> None:
        d = self.dest
        sink = self.sink
        start_ms = int(rec.start_s * 1000)
        scale = d.time_scale
        end_ms = start_ms + int(rec.response_latency_ms * scale)
        rest = rec.api_type == "REST"
        access_group = d.groups["rest-access" if rest else "http-access"]
        fmt = d.rest_format if rest else d.http_format
        sink.log(access_group, d.stream_suffix, end_ms, render_access_log(fmt, rec.context))
        rid = rec.context["requestId"]
        for i, line in enumerate(rec.exec_lines):
            sink.log(d.groups["execution"], d.stream_suffix, start_ms + i, f"({rid}) {line}")
        inv = rec.invocation
        if inv is not None:
            stream = d.lambda_stream(inv.environment)
            base = start_ms + int((inv.init_ms or 0.0) * scale)
            for offset, line in inv.lines:
                sink.log(d.groups["lambda"], stream, base + int(offset * scale), line)
        if rec.waf is not None and rec.waf_request is not None:
            record = log_record(
                rec.waf,
                rec.waf_request,
                timestamp_ms=start_ms,
                web_acl_arn=d.web_acl_arn,
                source_id=f"{c.ACCOUNT_ID}:{d.rest_api_id}:{c.STAGE}",
                request_id=rid,
            )
            sink.log(d.groups["waf"], f"{c.REGION}_{c.WEB_ACL_NAME}_0", start_ms, json.dumps(record))
        self._metrics(rec)

    def _metrics(self, rec: Recorded) -> None:
        d, sink, ts = self.dest, self.sink, rec.start_s
        status = rec.status
        if rec.api_type == "REST":
            dims: list[Dimensions] = [
                (("ApiName", c.REST_API_NAME),),
                (("ApiName", c.REST_API_NAME), ("Stage", c.STAGE)),
            ]
            names = ("4XXError", "5XXError")
        else:
            dims = [(("ApiId", d.http_api_id),), (("ApiId", d.http_api_id), ("Stage", c.STAGE))]
            names = ("4xx", "5xx")
        for dim in dims:
            put = sink.metric
            put("AWS/ApiGateway", "Count", dim, 1.0, "Count", ts)
            put("AWS/ApiGateway", names[0], dim, float(400 <= status < 500), "Count", ts)
            put("AWS/ApiGateway", names[1], dim, float(status >= 500), "Count", ts)
            put("AWS/ApiGateway", "Latency", dim, rec.response_latency_ms, "Milliseconds", ts)
            if rec.integration_latency_ms is not None:
                put(
                    "AWS/ApiGateway",
                    "IntegrationLatency",
                    dim,
                    rec.integration_latency_ms,
                    "Milliseconds",
                    ts,
                )
            if rec.api_type == "HTTP":
                put(
                    "AWS/ApiGateway",
                    "DataProcessed",
                    dim,
                    float(rec.context.get("dataProcessed", 0)),
                    "Bytes",
                    ts,
                )
        fn: Dimensions = (("FunctionName", c.FUNCTION_NAME),)
        if rec.lambda_throttled:
            sink.metric("AWS/Lambda", "Throttles", fn, 1.0, "Count", ts)
        inv = rec.invocation
        if inv is not None:
            sink.metric("AWS/Lambda", "Invocations", fn, 1.0, "Count", ts)
            sink.metric("AWS/Lambda", "Errors", fn, float(inv.function_error), "Count", ts)
            sink.metric("AWS/Lambda", "Throttles", fn, 0.0, "Count", ts)
            sink.metric("AWS/Lambda", "Duration", fn, inv.duration_ms, "Milliseconds", ts)
            sink.metric("AWS/Lambda", "ConcurrentExecutions", fn, float(inv.concurrency), "Count", ts)
        if rec.waf is not None:
            metric = "BlockedRequests" if rec.waf.blocked else "AllowedRequests"
            for rule in ("ALL", rec.waf.rule):
                waf_dims: Dimensions = (("Region", c.REGION), ("Rule", rule), ("WebACL", c.WEB_ACL_NAME))
                sink.metric("AWS/WAFV2", metric, waf_dims, 1.0, "Count", ts)
