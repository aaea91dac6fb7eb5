"""REST and WebSocket execution logs: `(<requestId>) <message>` events -> (time, request_id, message).

The request id is the join key to the access log's `$context.requestId`; lines without one (the console's
`<date> : <message>` form, or stray lines) keep an NA request id instead of being dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from apigwops.model import EXECUTION_LOG_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

_LINE = re.compile(r"^\((?P<request_id>[^()\s]+)\)\s?(?P<message>.*)$", re.DOTALL)


def parse_execution_events(times: Sequence[Any], messages: Sequence[str]) -> pd.DataFrame:
    """One row per event; `time` is the CloudWatch event time (execution lines carry no time of their own)."""
    import pandas as pd

    from apigwops.evidence.parse.accesslog import to_utc_times
    from apigwops.evidence.scrub import scrub_series

    lines = pd.Series(list(messages), dtype="string").str.rstrip("\n")
    parts = lines.str.extract(_LINE) if len(lines) else pd.DataFrame(columns=["request_id", "message"])
    frame = pd.DataFrame(
        {
            "time": to_utc_times(pd.Series(list(times), dtype=object)),
            "request_id": parts["request_id"].astype("string"),
            "message": scrub_series(parts["message"].fillna(lines).astype("string")),
        }
    )
    return frame.sort_values("time", kind="stable").reset_index(drop=True)[list(EXECUTION_LOG_COLUMNS)]
