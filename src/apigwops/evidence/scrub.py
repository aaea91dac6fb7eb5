"""Credentials out of log text the moment it is read, so no report, progress line or bundle can show them.

Execution logs with data tracing print request headers, Lambda error lines can echo an event, and an
access-log line that fails to parse is shown as an example: all pass through the bundle's `Redactor`
(Authorization and API-key values, bearer and basic credentials, JWTs, AWS access key ids). Only lines that
match its cheap trigger regex pay for the full redaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigwops.evidence.redact import Redactor

if TYPE_CHECKING:
    import pandas as pd


def scrub_text(text: str) -> str:
    return Redactor().text(text)


def scrub_series(messages: pd.Series) -> pd.Series:
    if messages.empty:
        return messages
    redactor = Redactor()
    suspicious = messages.str.contains(redactor.trigger, regex=True, na=False).astype(bool)
    if not suspicious.any():
        return messages
    cleaned = messages.copy()
    cleaned[suspicious] = messages[suspicious].map(redactor.text)
    return cleaned
