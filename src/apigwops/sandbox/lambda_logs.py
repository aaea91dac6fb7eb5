"""What a Lambda function writes to `/aws/lambda/<fn>` for one invocation, in each log generation AWS has.

Real accounts hold all three (signals reference §15.1-15.3), so the format is a setting of each function:

- `old-text`: START / END / REPORT, a function timeout as its own `<time> <request id> Task timed out after
  N.00 seconds` line and a REPORT without `Status` (§4.5 C50, §11.5; old runtimes keep this generation: INF
  that the old generation's REPORT carries no `Status` field, from §15.1's "Shapes seen" being the new ones).
- `text` (a function created today): no `Task timed out` line; the timeout only as REPORT `... Status:
  timeout` (§15.1 [OBS azul #8140, opentelemetry-lambda #2098]); crashes as `Status: error Error Type:
  Runtime.ExitError` (§4.5 C49); a failed init as `INIT_REPORT Init Duration: <ms> Phase: init|invoke Status:
  error Error Type: <type>` (§15.1).
- `json` (`LoggingConfig.LogFormat = JSON`): platform records `{"time", "type": "platform.start|
  platform.report|platform.initStart|platform.initReport", "record": {...}}` with the report's `metrics`
  (durationMs, billedDurationMs, memorySizeMB, maxMemoryUsedMB, initDurationMs) and `status`
  (success|error|timeout) plus `errorType`; application lines are JSON with `level`, `requestId` and, for an
  unhandled error, `errorType` / `errorMessage` / `stackTrace` (§15.3 [DOC telemetry schema reference]).

Each line is `(virtual ms after the invocation started, message)`; `records.py` turns the offsets into event
times. Timestamps inside a line are those offsets from now, as the runtime would print them.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from apigwops.sandbox.constants import FUNCTION_MEMORY_MB, LambdaLogFormat
from apigwops.sandbox.invocation import Invocation

RUNTIME = "python3.12"
OLD_RUNTIME = "python3.8"  # the old text generation comes with old runtimes (§15 preamble: "old functions keep old runtimes")
RUNTIME_VERSION = (
    "python:3.12.v38"  # INF: the shape of INIT_START's runtime version, not a checked build number
)
Line = tuple[float, str]


def runtime_for(log_format: LambdaLogFormat) -> str:
    return OLD_RUNTIME if log_format == "old-text" else RUNTIME


def _iso(ms_offset: float) -> str:
    stamp = datetime.now(UTC).timestamp() + ms_offset / 1000.0
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def memory_used(inv: Invocation) -> int:
    return 60 + (inv.environment % 7) * 3 + (40 if inv.outcome == "too-large" else 0)


def render(inv: Invocation, log_format: LambdaLogFormat, function_name: str) -> list[Line]:
    """The invocation's lines as a function set to `log_format` writes them."""
    if log_format == "json":
        return _json_lines(inv, function_name)
    return _text_lines(inv, current=log_format == "text")


# -- text, old and current -------------------------------------------------------------------------------------
def _text_lines(inv: Invocation, *, current: bool) -> list[Line]:
    rid = inv.request_id
    end = inv.duration_ms
    lines: list[Line] = []
    if inv.init_ms is not None and current:
        # INIT_START opens a cold start in today's runtimes (before the invocation's START); INF for the old ones
        lines.append(
            (
                -inv.init_ms,
                f"INIT_START Runtime Version: {RUNTIME_VERSION}\tRuntime Version ARN: "
                f"arn:aws:lambda:us-east-1::runtime:{'0' * 64}",
            )
        )
    if inv.outcome == "init-error":
        return lines + _text_init_failure(inv, current=current)
    lines.append((0.0, f"START RequestId: {rid} Version: $LATEST"))
    if inv.outcome == "timeout":
        if not current:  # §15.1: the current generation has no such line
            lines.append((end, f"{_iso(end)} {rid} Task timed out after {inv.timeout_s:.2f} seconds"))
    elif inv.outcome == "error":
        lines.append((end, _python_error_text(inv)))
    else:
        lines.append(
            (end * 0.9, f"[INFO]\t{_iso(end * 0.9)}\t{rid}\thandled request, status {inv.status_code}")
        )
    report = _report_text(inv)
    if current and inv.outcome == "timeout":
        report += "\tStatus: timeout"
    elif current and inv.outcome == "too-large":
        report += "\tStatus: error\tError Type: Runtime.ExitError"  # §4.5 C49 [OBS AZUL #7466]
    return [*lines, (end, f"END RequestId: {rid}"), (end, report)]


def _report_text(inv: Invocation) -> str:
    report = (
        f"REPORT RequestId: {inv.request_id}\tDuration: {inv.duration_ms:.2f} ms\t"
        f"Billed Duration: {math.ceil(inv.duration_ms)} ms\tMemory Size: {FUNCTION_MEMORY_MB} MB\t"
        f"Max Memory Used: {memory_used(inv)} MB"
    )
    if inv.init_ms is not None and inv.outcome != "init-error":
        report += f"\tInit Duration: {inv.init_ms:.2f} ms"
    return report


def _python_error_text(inv: Invocation) -> str:
    return (
        f"[ERROR] RuntimeError: {inv.error_message}\nTraceback (most recent call last):\n"
        '  File "/var/task/app.py", line 41, in handler\n'
        f'    raise RuntimeError("{inv.error_message}")'
    )


def _import_error_text(inv: Invocation) -> str:
    return f"[ERROR] {inv.error_type}: {inv.error_message}\nTraceback (most recent call last):"


def _text_init_failure(inv: Invocation, *, current: bool) -> list[Line]:
    """The init fails in the init phase, Lambda retries it in the invoke phase, and the invocation fails:
    INIT_REPORT `Phase: init` then `Phase: invoke`, each `Status: error Error Type: <type>` (§15.1); the old
    generation writes only the error line and REPORT (INF)."""
    rid = inv.request_id
    init = inv.init_ms or 0.0
    end = inv.duration_ms
    lines: list[Line] = [(-init * 0.5, _import_error_text(inv))]
    status = f"Status: error\tError Type: {inv.error_type}"
    if current:
        lines.append((0.0, f"INIT_REPORT Init Duration: {init:.2f} ms\tPhase: init\t{status}"))
    lines.append((0.0, f"START RequestId: {rid} Version: $LATEST"))
    if current:
        lines += [
            (end * 0.5, _import_error_text(inv)),
            (end, f"INIT_REPORT Init Duration: {end:.2f} ms\tPhase: invoke\t{status}"),
        ]
    report = _report_text(inv) + (f"\t{status}" if current else "")
    return [*lines, (end, f"END RequestId: {rid}"), (end, report)]


# -- JSON --------------------------------------------------------------------------------------------------------
def _platform(offset: float, kind: str, record: dict[str, Any]) -> Line:
    return offset, json.dumps({"time": _iso(offset), "type": kind, "record": record}, separators=(",", ":"))


def _app(offset: float, level: str, inv: Invocation, message: str, **extra: Any) -> Line:
    body = {
        "timestamp": _iso(offset),
        "level": level,
        "message": message,
        "logger": "root",
        "requestId": inv.request_id,
    }
    return offset, json.dumps({**body, **extra}, separators=(",", ":"))


def _json_lines(inv: Invocation, function_name: str) -> list[Line]:
    rid = inv.request_id
    end = inv.duration_ms
    lines: list[Line] = []
    if inv.init_ms is not None:
        init = inv.init_ms
        lines.append(
            _platform(
                -init,
                "platform.initStart",
                {
                    "initializationType": "on-demand",
                    "phase": "init",
                    "runtimeVersion": RUNTIME_VERSION,
                    "functionName": function_name,
                    "functionVersion": "$LATEST",
                },
            )
        )
        init_status = "error" if inv.outcome == "init-error" else "success"
        init_record: dict[str, Any] = {
            "initializationType": "on-demand",
            "phase": "init",
            "status": init_status,
            "metrics": {"durationMs": round(init, 3)},
        }
        if inv.outcome == "init-error":
            init_record["errorType"] = inv.error_type
            lines.append(_import_error_json(-init * 0.5, inv))
        lines.append(_platform(0.0, "platform.initReport", init_record))
    lines.append(_platform(0.0, "platform.start", {"requestId": rid, "version": "$LATEST"}))
    status = "success"
    error_type: str | None = None
    if inv.outcome == "timeout":
        status, error_type = "timeout", "Sandbox.Timedout"  # INF: the errorType Lambda gives a timeout
    elif inv.outcome == "error":
        status, error_type = "error", "RuntimeError"
        lines.append(
            _app(
                end,
                "ERROR",
                inv,
                inv.error_message,
                errorType="RuntimeError",
                errorMessage=inv.error_message,
                stackTrace=['  File "/var/task/app.py", line 41, in handler\n    raise RuntimeError(...)\n'],
            )
        )
    elif inv.outcome == "too-large":
        status, error_type = "error", "Runtime.ExitError"
    elif inv.outcome == "init-error":
        status, error_type = "error", inv.error_type
        lines.append(_import_error_json(end * 0.5, inv))
    else:
        lines.append(_app(end * 0.9, "INFO", inv, f"handled request, status {inv.status_code}"))
    metrics: dict[str, Any] = {
        "durationMs": round(inv.duration_ms, 3),
        "billedDurationMs": math.ceil(inv.duration_ms),
        "memorySizeMB": FUNCTION_MEMORY_MB,
        "maxMemoryUsedMB": memory_used(inv),
    }
    if inv.init_ms is not None and inv.outcome != "init-error":
        metrics["initDurationMs"] = round(inv.init_ms, 3)
    report: dict[str, Any] = {"requestId": rid, "metrics": metrics, "status": status}
    if error_type:
        report["errorType"] = error_type
    return [*lines, _platform(end, "platform.report", report)]


def _import_error_json(offset: float, inv: Invocation) -> Line:
    return offset, json.dumps(
        {
            "timestamp": _iso(offset),
            "level": "ERROR",
            "message": {"errorMessage": inv.error_message, "errorType": inv.error_type, "stackTrace": []},
            "errorType": inv.error_type,
            "errorMessage": inv.error_message,
            "requestId": "",
        },
        separators=(",", ":"),
    )
