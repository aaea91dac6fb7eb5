"""Logs Insights query texts, generated from the stage's access-log format.

Every access-log query starts with `parse @message /<regex>/`, the format's own regex (the same one the scan
engine's fallback uses), so JSON lines that are not valid JSON still yield a status, and text layouts work
alike. Insights returns at most 10,000 rows per query, so the window is read as:

1. `stats count(*) by bin(1m), status` — counts of every request (complete whatever the volume);
2. the failing requests (status 4xx/5xx, or no status at all) as rows, up to 10,000;
3. the successful requests as rows, up to 10,000 (a sample when there are more).

Rows carry `@message` and are parsed on our side by the one parser, so both engines give identical rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from apigwops.evidence.parse.logformat import INSIGHTS_PREFIX, AccessLogFormat

ROW_LIMIT = 10_000  # Logs Insights' maximum rows per query
COUNT_FIELD = "requests"
BIN_FIELD = "bin(1m)"


@dataclass(frozen=True)
class AccessQueries:
    counts: str
    rows: tuple[str, ...]  # failing first, then successful (or one query for all when status is unknown)
    status_field: str | None  # the Insights field that holds the status in `counts` results


def insights_regex(regex: str) -> str:
    """A regex literal for a query: Insights delimits regexes with `/`."""
    return "/" + regex.replace(r"\/", "/").replace("/", r"\/") + "/"


def _rows(parse: str, condition: str | None, limit: int) -> str:
    parts = [parse]
    if condition:
        parts.append(f"| filter {condition}")
    parts += ["| fields @timestamp, @message", "| sort @timestamp asc", f"| limit {limit}"]
    return "\n".join(parts)


def access_queries(fmt: AccessLogFormat, *, limit: int = ROW_LIMIT) -> AccessQueries:
    parse = f"parse @message {insights_regex(fmt.insights_regex)}"
    status = fmt.field_for("status")
    if status is None:
        return AccessQueries(
            counts=f"stats count(*) as {COUNT_FIELD} by {BIN_FIELD}",
            rows=(events_query(None, limit),),
            status_field=None,
        )
    field = f"{INSIGHTS_PREFIX}{status.name}"
    return AccessQueries(
        counts=f"{parse}\n| stats count(*) as {COUNT_FIELD} by {BIN_FIELD}, {field}",
        rows=(
            _rows(parse, f"not ispresent({field}) or not ({field} like /^[123]\\d\\d$/)", limit),
            _rows(parse, f"{field} like /^[123]\\d\\d$/", limit),
        ),
        status_field=field,
    )


def events_query(regex: str | None, limit: int = ROW_LIMIT) -> str:
    """Raw events of a group (execution, Lambda, WAF logs), optionally only messages matching `regex`."""
    parts = ["fields @timestamp, @message"]
    if regex:
        parts.append(f"| filter @message like {insights_regex(regex)}")
    parts += ["| sort @timestamp asc", f"| limit {limit}"]
    return "\n".join(parts)
