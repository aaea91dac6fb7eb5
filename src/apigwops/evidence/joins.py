"""Per-request views across sources: execution-log lines and Lambda invocations joined to access-log rows.

Execution logs join on the API Gateway request id (`(<requestId>) ...`); Lambda logs join on the Lambda
request id the access log records as `$context.integration.requestId`. The joins add columns and never drop
or duplicate a request, so a playbook can ask "of the 504s, how many timed out in Lambda?" in one frame.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

EXECUTION_ERROR = re.compile(
    r"Execution failed|customer function error|Lambda invocation failed|exceeded (?:throttle|quota) limit|"
    r"Unauthorized request|Invalid API Key|Could not parse policy|Network error|AuthorizerConfigurationException",
    re.IGNORECASE,
)
_FINAL_STATUS = re.compile(r"Method completed with status: (\d{3})")


def execution_summary(execution_logs: pd.DataFrame) -> pd.DataFrame:
    """One row per request id: `execution_status` (Method completed with status), first `execution_error`."""
    import pandas as pd

    logs = execution_logs.dropna(subset=["request_id"])
    status = logs["message"].str.extract(_FINAL_STATUS, expand=False)
    errors = logs["message"].where(logs["message"].str.contains(EXECUTION_ERROR, na=False))
    frame = pd.DataFrame({"request_id": logs["request_id"], "status": status, "error": errors})
    grouped = frame.groupby("request_id", sort=False)
    summary = pd.DataFrame(
        {
            "execution_status": pd.to_numeric(grouped["status"].last(), errors="coerce").astype("Int64"),
            "execution_error": grouped["error"].first().astype("string"),
            "execution_lines": grouped.size().astype("int64"),
        }
    )
    return summary.rename_axis("request_id").reset_index()


def lambda_summary(lambda_logs: pd.DataFrame) -> pd.DataFrame:
    """One row per Lambda request id: timed out, first error line, duration, cold start (Init Duration)."""
    import pandas as pd

    logs = lambda_logs.dropna(subset=["request_id"])
    kinds = logs["kind"]
    frame = pd.DataFrame(
        {
            "request_id": logs["request_id"],
            "timeout": kinds == "timeout",
            "error": logs["message"].where(kinds == "error"),
            "duration_ms": logs["duration_ms"],
            "init_duration_ms": logs["init_duration_ms"],
            "max_memory_used_mb": logs["max_memory_used_mb"],
            "memory_size_mb": logs["memory_size_mb"],
        }
    )
    grouped = frame.groupby("request_id", sort=False)
    summary = pd.DataFrame(
        {
            "lambda_function": logs.groupby("request_id", sort=False)["function"].first().astype("string"),
            "lambda_timeout": grouped["timeout"].any().astype("boolean"),
            "lambda_error": grouped["error"].first().astype("string"),
            "lambda_duration_ms": grouped["duration_ms"].max().astype("Float64"),
            "lambda_init_duration_ms": grouped["init_duration_ms"].max().astype("Float64"),
            "lambda_max_memory_used_mb": grouped["max_memory_used_mb"].max().astype("Int64"),
            "lambda_memory_size_mb": grouped["memory_size_mb"].max().astype("Int64"),
        }
    )
    return summary.rename_axis("request_id").reset_index()


def with_execution(requests: pd.DataFrame, execution_logs: pd.DataFrame) -> pd.DataFrame:
    """`requests` plus execution_status, execution_error, execution_lines (NA where no line was logged)."""
    summary = execution_summary(execution_logs)
    joined = requests.merge(summary, on="request_id", how="left", validate="many_to_one")
    joined["execution_lines"] = joined["execution_lines"].astype("Int64")
    return joined


def with_lambda(requests: pd.DataFrame, lambda_logs: pd.DataFrame) -> pd.DataFrame:
    """`requests` plus the lambda_* columns, joined on `integration_request_id`."""
    summary = lambda_summary(lambda_logs).rename(columns={"request_id": "integration_request_id"})
    return requests.merge(summary, on="integration_request_id", how="left", validate="many_to_one")
