"""What the evidence could not show, said plainly, with the access-log format that would have shown it.

The recommended format is the one in the signals reference §8.4 (every value quoted, so it is always valid
JSON), per API type from its profile (`apitypes`): each type's format holds only variables that type can log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from apigwops.apitypes import REST_FORMAT, profile
from apigwops.diagnose.websocket import websocket_blind_spots
from apigwops.model import Evidence

# Fields without which no per-request attribution is possible: worth a note even on a healthy stage.
KEY_FIELDS = (
    "status",
    "error_type",
    "error_message",
    "integration_error",
    "response_latency",
    "integration_latency",
)


def recommended_format(api_type: str) -> str:
    """The access-log format to set, as a single line (the value of `accessLogSettings.format`)."""
    return profile(api_type).recommended_format_line()


def context_variable(field: str) -> str:
    """`$context.integration.error` for the canonical column `integration_error`."""
    from apigwops.model import ACCESS_LOG_FIELDS

    variables = ACCESS_LOG_FIELDS.get(field)
    return f"$context.{variables[0]}" if variables else field


def format_entry(field: str) -> str:
    """The `"key":"$context.x"` entry to add to a JSON format for one canonical column."""
    variable = context_variable(field).removeprefix("$context.")
    key = next((k for k, v in REST_FORMAT if v == variable), field)
    return json.dumps({key: f"$context.{variable}"})[1:-1].replace(": ", ":")


# Log sources whose failure to be read says nothing about the stage's logging.
LOG_SOURCES = ("access-logs", "execution-logs")


def unread_reason(evidence: Evidence, check_id: str) -> str | None:
    """Why a source could not be read (a denied, throttled, failed or hung call), or None.

    A log group that does not exist is not "unreadable": that is the stage's logging, a blind spot. The
    collector marks a check whose AWS call failed with `detail["call"]` (the IAM action of that call).
    """
    check = evidence.check(check_id)
    if check is None or check.status == "ok" or not check.detail.get("call"):
        return None
    return check.reason or f"{check.status}: {check.detail['call']}"


def unreadable_sources(evidence: Evidence) -> list[str]:
    """One line per log source apigwops could not read: the stage is not blamed for what we could not see."""
    lines = []
    for check_id in LOG_SOURCES:
        reason = unread_reason(evidence, check_id)
        if reason is not None:
            lines.append(
                f"{check_id.replace('-', ' ')} could not be read ({reason}): failures were judged from the "
                "metrics and sources that could be read; the stage's logging settings were not judged"
            )
    return lines


def blind_spots(evidence: Evidence, needed: Mapping[str, Sequence[str]], access_logs: bool) -> list[str]:
    """One line per conclusion the evidence prevented; `needed` maps a missing field/source to finding ids.

    Sources that could not be read (see `unreadable_sources`) are not blind spots of the stage: no line here.
    """
    lines: list[str] = []
    stage = evidence.config.stage
    unread = unread_reason(evidence, "access-logs") is not None
    if not access_logs and not unread and "status" in evidence.missing_fields and not evidence.requests.empty:
        lines.append(
            f"access log format lacks $context.status: {len(evidence.requests):,} lines could not be classified, "
            f"so failures were counted from metrics only; use {recommended_format(evidence.api.type)}"
        )
    elif not access_logs and not unread:
        check = evidence.check("access-logs")
        why = f" ({check.status}: {check.reason})" if check and check.reason else ""
        where = "is off" if not stage.access_log_destination else "had no lines in the window"
        lines.append(
            f"access logging {where}{why}: failures could not be attributed to causes per request, only from "
            f"metrics; set the stage's access-log format to {recommended_format(evidence.api.type)}"
        )
    unavailable = profile(evidence.api.type).unavailable_fields
    for field, finding_ids in sorted(needed.items()):
        ids = ", ".join(sorted(set(finding_ids)))
        if field in unavailable:  # the API type cannot log it: no format would show it
            continue
        if field == "execution-logs":
            if (
                not profile(evidence.api.type).execution_logs
                or unread_reason(evidence, "execution-logs") is not None
            ):
                continue
            level = stage.logging_level or "OFF"
            setting = (
                "DefaultRouteSettings LoggingLevel"
                if evidence.api.type == "WEBSOCKET"
                else "methodSettings '*/*' loggingLevel"
            )
            lines.append(
                f"execution logs not available (logging level {level}): could not confirm {ids} from "
                f"execution-log lines; set {setting} to ERROR or INFO"
            )
        elif access_logs:
            lines.append(
                f"access log format lacks {context_variable(field)}: could not check {ids}; add {format_entry(field)}"
            )
    if access_logs:
        lines += websocket_blind_spots(evidence, recommended_format(evidence.api.type))
    if access_logs and not needed:
        lacking = [f for f in KEY_FIELDS if f in evidence.missing_fields and f not in unavailable]
        if lacking:
            names = ", ".join(context_variable(f) for f in lacking)
            lines.append(
                f"access log format lacks {names}: a failure could not be attributed to a cause per request; "
                f"use {recommended_format(evidence.api.type)}"
            )
    return lines
