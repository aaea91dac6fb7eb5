"""Lambda function logs (`/aws/lambda/<fn>`): invocations, cold starts, timeouts and errors, per request id.

The runtime writes fixed platform lines (START, END, REPORT with Duration / Billed Duration / Memory Size /
Max Memory Used / Init Duration, and `Task timed out after N seconds`); errors come as Python's `[ERROR]`,
Node's tab-separated `ERROR` lines, or a JSON object with `errorMessage`. Everything else is kept as `other`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from apigwops.model import LAMBDA_LOG_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

MAX_MESSAGE_CHARS = 1000
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_REQUEST_ID = re.compile(rf"(?:RequestId:\s*|\b)({_UUID})")
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("start", re.compile(r"^START RequestId:")),
    ("end", re.compile(r"^END RequestId:")),
    ("report", re.compile(r"^REPORT RequestId:")),
    ("init", re.compile(r"^INIT_(?:START|REPORT|RUNTIME_DONE)")),
    ("timeout", re.compile(r"Task timed out after [\d.]+ seconds")),
    (
        "error",
        re.compile(
            r"\[ERROR\]|\tERROR\t|\"errorMessage\"\s*:|Runtime\.\w+Error|Runtime exited with error|"
            r"^(?:[\w.]+)?(?:Error|Exception): "
        ),
    ),
)
_REPORT_FIELDS = {
    "duration_ms": re.compile(r"(?:^|\t|\s)Duration: ([\d.]+) ms"),
    "billed_duration_ms": re.compile(r"Billed Duration: ([\d.]+) ms"),
    "init_duration_ms": re.compile(r"Init Duration: ([\d.]+) ms"),
    "memory_size_mb": re.compile(r"Memory Size: (\d+) MB"),
    "max_memory_used_mb": re.compile(r"Max Memory Used: (\d+) MB"),
}


def classify(message: str) -> str:
    for kind, pattern in _KINDS:
        if pattern.search(message):
            return kind
    return "other"


def parse_lambda_events(function: str, times: Sequence[Any], messages: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    from apigwops.evidence.parse.accesslog import to_utc_times
    from apigwops.evidence.scrub import scrub_series

    lines = pd.Series(list(messages), dtype="string").str.strip()
    frame = pd.DataFrame(
        {
            "time": to_utc_times(pd.Series(list(times), dtype=object)),
            "function": pd.Series([function] * len(lines), dtype="string"),
            "request_id": lines.str.extract(_REQUEST_ID, expand=False).astype("string")
            if len(lines)
            else pd.Series(dtype="string"),
            "kind": pd.Series([classify(str(m)) for m in lines], dtype="string"),
        }
    )
    for column, pattern in _REPORT_FIELDS.items():
        values = lines.str.extract(pattern, expand=False) if len(lines) else pd.Series(dtype="string")
        numbers = pd.to_numeric(values, errors="coerce")
        numbers = numbers.where(frame["kind"] == "report")
        frame[column] = numbers.astype("Int64") if column.endswith("_mb") else numbers.astype("Float64")
    frame["message"] = scrub_series(lines.str.slice(0, MAX_MESSAGE_CHARS))
    return frame.sort_values("time", kind="stable").reset_index(drop=True)[list(LAMBDA_LOG_COLUMNS)]
