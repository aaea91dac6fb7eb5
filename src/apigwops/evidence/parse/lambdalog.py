"""Lambda function logs (`/aws/lambda/<fn>`): invocations, cold starts, timeouts and errors, per request id.

Real accounts hold every generation of what Lambda writes (signals reference §15.1-15.3), and each is read:

- text, old: START / END / REPORT (Duration, Billed Duration, Memory Size, Max Memory Used, Init Duration)
  and a separate `<time> <request id> Task timed out after N seconds` line;
- text, current: the timeout only in REPORT (`... Status: timeout`), crashes as `Status: error Error Type:
  Runtime.ExitError`, `INIT_REPORT Init Duration: <ms> Phase: init|invoke Status: timeout|error [Error Type: ...]`
  for an init that failed, and for SnapStart `RESTORE_START` / `RESTORE_REPORT Restore Duration: <ms>` with
  `Restore Duration` on REPORT instead of `Init Duration`;
- JSON (`LoggingConfig.LogFormat = JSON`): `{"time", "type": "platform.start|platform.report|platform.initReport|
  platform.restoreReport|...", "record": {...}}` and JSON application lines with `level` / `errorType` /
  `errorMessage`.

Every line becomes one row with its `kind` (start, end, report, timeout, error, init, restore, other), the
invocation's `invocation_status` (success, error, failure, timeout) and `error_type` where the line says them, and the
REPORT metrics. `log_format` says whether the line was text or JSON, so a check can say which was read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from apigwops.model import LAMBDA_LOG_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

MAX_MESSAGE_CHARS = 1000
# Error types of a runtime that could not start the function (its module, handler or init code).
INIT_ERROR_TYPES = frozenset(
    {
        "Runtime.ImportModuleError",
        "Runtime.HandlerNotFound",
        "Runtime.UserCodeSyntaxError",
        "Runtime.MalformedHandlerName",
        "Runtime.InvalidEntrypoint",
    }
)
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# Platform lines name the id after `RequestId:`; other lines (timeouts, runtime error lines) carry a bare UUID.
_REQUEST_ID = re.compile(rf"RequestId:\s*([0-9A-Za-z][\w-]*)|\b({_UUID})")
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("start", re.compile(r"^START RequestId:")),
    ("end", re.compile(r"^END RequestId:")),
    ("report", re.compile(r"^REPORT RequestId:")),
    ("init", re.compile(r"^INIT_(?:START|REPORT|RUNTIME_DONE)")),
    ("restore", re.compile(r"^RESTORE_(?:START|REPORT|RUNTIME_DONE)")),
    ("timeout", re.compile(r"Task timed out after [\d.]+ seconds")),
    (
        "error",
        re.compile(
            r"\[ERROR\]|\tERROR\t|\"errorMessage\"\s*:|Runtime\.\w+Error|Runtime exited with error|"
            r"^(?:[\w.]+)?(?:Error|Exception): "
        ),
    ),
)
_TEXT_FIELDS = {
    "duration_ms": re.compile(r"(?:^|\t|\s)Duration: ([\d.]+) ms"),
    "billed_duration_ms": re.compile(r"Billed Duration: ([\d.]+) ms"),
    "init_duration_ms": re.compile(r"Init Duration: ([\d.]+) ms"),
    "restore_duration_ms": re.compile(r"(?<!Billed )Restore Duration: ([\d.]+) ms"),
    "memory_size_mb": re.compile(r"Memory Size: (\d+) MB"),
    "max_memory_used_mb": re.compile(r"Max Memory Used: (\d+) MB"),
}
_TIMED_OUT = re.compile(r"Task timed out after [\d.]+ seconds")
_STATUS = re.compile(r"\bStatus: (\w+)")
_ERROR_TYPE = re.compile(r"Error Type: ([\w.]+)")
_RUNTIME_ERROR = re.compile(r"\b(Runtime\.\w+)")
# platform record type -> kind (telemetry schema reference; runtimeDone repeats the report, so it is "other")
_PLATFORM_KINDS = {
    "platform.start": "start",
    "platform.report": "report",
    "platform.initStart": "init",
    "platform.initRuntimeDone": "init",
    "platform.initReport": "init",
    "platform.restoreStart": "restore",
    "platform.restoreRuntimeDone": "restore",
    "platform.restoreReport": "restore",
}
_JSON_METRICS = {
    "duration_ms": "durationMs",
    "billed_duration_ms": "billedDurationMs",
    "init_duration_ms": "initDurationMs",
    "restore_duration_ms": "restoreDurationMs",
    "memory_size_mb": "memorySizeMB",
    "max_memory_used_mb": "maxMemoryUsedMB",
}
_NUMBER_COLUMNS = tuple(_TEXT_FIELDS)


def classify(message: str) -> str:
    """The kind of one text line (JSON lines: see `parse_line`)."""
    for kind, pattern in _KINDS:
        if pattern.search(message):
            return kind
    return "other"


def parse_line(message: str) -> dict[str, Any]:
    """One log line -> request_id, kind, status, error_type, the metrics it carries, and its log_format."""
    text = message.strip()
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if isinstance(record, dict):
            return _parse_json(record)
    return _parse_text(text)


def _request_id(text: str) -> str | None:
    found = _REQUEST_ID.search(text)
    return (found.group(1) or found.group(2)) if found else None


def _parse_text(text: str) -> dict[str, Any]:
    kind = classify(text)
    row: dict[str, Any] = {"request_id": _request_id(text), "kind": kind, "log_format": "text"}
    if kind in ("report", "init", "restore"):
        for column, pattern in _TEXT_FIELDS.items():
            value = pattern.search(text)
            if value:
                row[column] = float(value.group(1))
        if kind == "init" and "duration_ms" in row:  # INIT_REPORT's only duration is its Init Duration
            del row["duration_ms"]
        if kind == "restore" and not text.startswith("RESTORE_REPORT"):
            row.pop("restore_duration_ms", None)
        status = _STATUS.search(text)
        row["invocation_status"] = (
            status.group(1).lower() if status else ("success" if kind == "report" else None)
        )
        error_type = _ERROR_TYPE.search(text)
        row["error_type"] = error_type.group(1) if error_type else None
    elif kind == "timeout":
        row["invocation_status"] = "timeout"
    elif kind == "error":
        runtime = _RUNTIME_ERROR.search(text)
        row["error_type"] = runtime.group(1) if runtime else None
    return row


def _parse_json(record: dict[str, Any]) -> dict[str, Any]:
    kind_name = str(record.get("type") or "")
    body = record.get("record")
    if kind_name.startswith("platform.") and isinstance(body, dict):
        return _parse_platform(kind_name, body)
    # an application line (the runtime's JSON logger, or a library such as Powertools)
    level = str(record.get("level") or record.get("log_level") or "").upper()
    error_type = record.get("errorType")
    is_error = level in ("ERROR", "FATAL", "CRITICAL") or bool(error_type) or "errorMessage" in record
    request_id = record.get("requestId") or record.get("AWSRequestId") or record.get("aws_request_id")
    row: dict[str, Any] = {
        "request_id": str(request_id) if request_id else None,
        "kind": "error" if is_error else "other",
        "error_type": str(error_type) if error_type else None,
        "log_format": "json",
    }
    message = str(record.get("errorMessage") or "")
    if _TIMED_OUT.search(
        message
    ):  # older Node runtimes return the timeout as {"errorMessage": "... Task timed out"}
        row.update(kind="timeout", invocation_status="timeout")
        row["request_id"] = row["request_id"] or _request_id(message)
    return row


def _parse_platform(kind_name: str, body: dict[str, Any]) -> dict[str, Any]:
    """A platform record of the JSON log format (telemetry schema reference: platform.report, ...)."""
    kind = _PLATFORM_KINDS.get(kind_name, "other")
    row: dict[str, Any] = {"request_id": body.get("requestId"), "kind": kind, "log_format": "json"}
    raw = body.get("metrics")
    metrics: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if kind in ("report", "init", "restore"):
        for column, key in _JSON_METRICS.items():
            value = metrics.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                row[column] = float(value)
        if kind_name == "platform.initReport" and "duration_ms" in row:
            row["init_duration_ms"] = row.pop("duration_ms")
        elif kind_name == "platform.restoreReport" and "duration_ms" in row:
            row["restore_duration_ms"] = row.pop("duration_ms")
    if kind in ("report", "init") and body.get("status"):
        row["invocation_status"] = str(body["status"]).lower()
    if body.get("errorType"):
        row["error_type"] = str(body["errorType"])
    return row


def parse_lambda_events(function: str, times: Sequence[Any], messages: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    from apigwops.evidence.parse.accesslog import to_utc_times
    from apigwops.evidence.scrub import scrub_series

    rows = [parse_line(str(m)) for m in messages]
    frame = pd.DataFrame(
        {
            "time": to_utc_times(pd.Series(list(times), dtype=object)),
            "function": pd.Series([function] * len(rows), dtype="string"),
        }
    )
    for column in ("request_id", "kind", "invocation_status", "error_type", "log_format"):
        frame[column] = pd.Series([r.get(column) for r in rows], dtype="object").astype("string")
    for column in _NUMBER_COLUMNS:
        numbers = pd.to_numeric(pd.Series([r.get(column) for r in rows], dtype="object"), errors="coerce")
        frame[column] = (
            numbers.round().astype("Int64") if column.endswith("_mb") else numbers.astype("Float64")
        )
    lines = pd.Series(list(messages), dtype="string").str.strip()
    frame["message"] = scrub_series(lines.str.slice(0, MAX_MESSAGE_CHARS))
    return frame.sort_values("time", kind="stable").reset_index(drop=True)[list(LAMBDA_LOG_COLUMNS)]
