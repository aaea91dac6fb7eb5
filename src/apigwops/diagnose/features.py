"""Per-request features that join the access log with configuration and Lambda logs (vectorised).

Playbooks test single columns; a question such as "was this 504 a Lambda behind a 29 s timeout?" needs the
route's integration, its timeout and the Lambda log of that invocation. Computing those once here, as columns,
keeps the playbook vocabulary small and the engine fast on 100,000 rows (no per-row Python).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from apigwops.apitypes import profile
from apigwops.diagnose.websocket import add_websocket_features
from apigwops.model import ACCESS_LOG_FIELDS, DERIVED_COLUMNS, Evidence

if TYPE_CHECKING:
    import pandas as pd

TIMEOUT_MARGIN_MS = 100  # signals reference §6.6: "responseLatency >= timeout - 100 ms"
LAMBDA_INTEGRATIONS = ("AWS_PROXY", "AWS")
MIN_SLOW_MS = 500.0


def prepare_requests(evidence: Evidence, latency_threshold_ms: float | None) -> tuple[pd.DataFrame, float]:
    """The requests table with every canonical column present and the feature columns added, and the
    latency threshold used for `slow` (adaptive when None: see `adaptive_threshold`)."""
    import pandas as pd

    frame = evidence.requests.copy(deep=False)  # new and converted columns only: the evidence stays as it was
    for column in (*ACCESS_LOG_FIELDS, *DERIVED_COLUMNS):
        if column not in frame.columns:
            frame[column] = pd.NA
    frame["time"] = pd.to_datetime(frame["time"], utc=True, errors="coerce")
    for column in ("status", "integration_status", "integration_service_status", "authorizer_status"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Float64")
    for column in ("response_latency", "integration_latency", "authorizer_latency", "waf_latency"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Float64")
    _add_route_features(frame, evidence)
    _add_rate_features(frame, evidence)
    _add_lambda_features(frame, evidence)
    _add_waf_features(frame, evidence)
    frame["gateway_overhead"] = frame["response_latency"] - frame["integration_latency"].fillna(0)
    frame["failed"] = (frame["status"] >= 400).fillna(False).astype(bool)
    add_websocket_features(frame, evidence)
    threshold = latency_threshold_ms if latency_threshold_ms is not None else adaptive_threshold(frame)
    frame["slow"] = (frame["response_latency"] >= threshold).fillna(False).astype(bool)
    return frame, threshold


def adaptive_threshold(frame: pd.DataFrame) -> float:
    """Slow means 3x the typical fast latency (10th percentile of successful requests), and at least MIN_SLOW_MS.

    A low percentile, not the median: when most of the window is slow, the median is the incident itself.
    """
    ok = frame.loc[~frame["failed"], "response_latency"].dropna()
    fast = float(ok.quantile(0.1)) if len(ok) else 0.0
    return round(max(MIN_SLOW_MS, 3 * fast), 1)


def _add_route_features(frame: pd.DataFrame, evidence: Evidence) -> None:
    import numpy as np
    import pandas as pd

    config = evidence.config
    authorizer_types = {a.id: a.type for a in config.authorizers}
    routes = {r.key: r for r in config.routes}
    codes, uniques = pd.factorize(frame["route"].astype("string"))
    distinct = [str(u) for u in uniques]

    def by_route(values: dict[str, object]) -> pd.Series:
        """Per-request config by route: looked up once per distinct route, then taken by code (NaN: none)."""
        table = np.array([values.get(u, np.nan) for u in distinct] + [np.nan], dtype=object)
        return pd.Series(table[codes], index=frame.index, dtype="object")

    def text_by_route(values: dict[str, str | None]) -> pd.Series:
        """The same for a text setting, as a category (1 byte a row instead of an 8-byte object pointer)."""
        per_route = [values.get(u) for u in distinct]
        labels = sorted({v for v in per_route if v is not None})
        position = {v: i for i, v in enumerate(labels)}
        table = np.array(
            [position.get(v, -1) if v is not None else -1 for v in per_route] + [-1], dtype=np.int64
        )
        return pd.Series(
            pd.Categorical.from_codes(table[codes], categories=pd.Index(labels)), index=frame.index
        )

    frame["authorization"] = text_by_route({k: r.authorization for k, r in routes.items()})
    frame["authorizer_type"] = text_by_route(
        {k: authorizer_types.get(r.authorizer_id or "") for k, r in routes.items() if r.authorizer_id}
    )
    frame["integration_type"] = text_by_route({k: r.integration_type for k, r in routes.items()})
    frame["connection_type"] = text_by_route({k: r.connection_type for k, r in routes.items()})
    frame["lambda_integration"] = (
        by_route(
            {
                k: (r.integration_type in LAMBDA_INTEGRATIONS and bool(r.function_name or r.integration_uri))
                for k, r in routes.items()
            }
        )
        .fillna(False)
        .astype(bool)
    )
    frame["api_key_required"] = (
        by_route({k: r.api_key_required for k, r in routes.items()}).fillna(False).astype(bool)
    )
    default_timeout = profile(evidence.api.type).default_timeout_ms
    timeouts = pd.to_numeric(by_route({k: r.timeout_ms for k, r in routes.items()}), errors="coerce")
    frame["timeout_ms"] = timeouts.fillna(default_timeout).astype("Float64")
    limit = frame["timeout_ms"] - TIMEOUT_MARGIN_MS
    near = (frame["response_latency"] >= limit) | (frame["integration_latency"] >= limit)
    frame["near_timeout"] = near.fillna(False).astype(bool)


def _add_rate_features(frame: pd.DataFrame, evidence: Evidence) -> None:
    import numpy as np
    import pandas as pd

    second = frame["time"].dt.floor("s")
    _, second_codes, second_counts = np.unique(
        second.fillna(pd.Timestamp(0, tz="UTC")).to_numpy(dtype="datetime64[ms]"),
        return_inverse=True,
        return_counts=True,
    )
    per_second = pd.Series(second_counts[second_codes], index=frame.index, dtype="float64")
    per_second[second.isna().to_numpy()] = np.nan
    stage_rate = evidence.config.stage.throttle_rate
    if stage_rate:
        frame["over_stage_rate"] = (per_second > stage_rate).fillna(False).astype(bool)
    else:
        frame["over_stage_rate"] = False
    plan_rate: dict[str, float] = {}
    for plan in evidence.config.usage_plans:
        if plan.rate_limit:
            for key_id in plan.key_ids:
                plan_rate[key_id] = plan.rate_limit
    keys = frame["api_key_id"].astype("string")
    frame["usage_plan_rate"] = pd.to_numeric(keys.map(plan_rate), errors="coerce").astype("Float64")
    if not plan_rate or frame.empty:
        frame["over_key_rate"] = False
        return
    per_key_second = frame.groupby([keys.fillna(""), second], dropna=False)["time"].transform("size")
    over = (pd.to_numeric(per_key_second, errors="coerce") > frame["usage_plan_rate"]) & keys.notna()
    frame["over_key_rate"] = over.fillna(False).astype(bool)


def _add_waf_features(frame: pd.DataFrame, evidence: Evidence) -> None:
    """The terminating WAF action of each request, from its WAF log record. WAF's `httpRequest.requestId` is
    API Gateway's extended request id (§15.6), so the join is on `$context.extendedRequestId`; without it in
    the access log (or without WAF logs) the column is NA."""
    waf = evidence.waf
    import pandas as pd

    frame["waf_action"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    if waf.empty or "request_id" not in waf.columns:
        return
    logged = waf[(waf["source"].astype("string") == "log").fillna(False) & waf["request_id"].notna()]
    if logged.empty:
        return
    actions = logged.drop_duplicates("request_id", keep="last").set_index(
        logged["request_id"].astype("string")
    )
    lookup = actions["action"].astype("string")
    lookup.index = lookup.index.astype("string")
    frame["waf_action"] = frame["extended_request_id"].astype("string").map(lookup).astype("string")


def _add_lambda_features(frame: pd.DataFrame, evidence: Evidence) -> None:
    """Join each request to its Lambda invocation (signals reference §15.4-15.5).

    The key is the Lambda request id: `$context.integration.requestId` when the access log has it, else the
    `Lambda request id: <uuid>` of the request's execution-log line (CLF and console formats never have the
    former). A request API Gateway got no answer for (an integration timeout) has neither, so timeouts and
    init failures are also joined by function, time and duration: the route's function logged the timeout
    (or the failed init) when the request ended.
    """
    import pandas as pd

    invocation = lambda_request_ids(frame, evidence)
    frame["lambda_request_id"] = invocation
    logs = evidence.lambda_logs
    for column in ("lambda_timed_out", "lambda_completed", "cold_start", "lambda_init_failed"):
        frame[column] = False
    if logs.empty or "request_id" not in logs.columns:
        return
    facts = invocation_facts(logs)
    ids = invocation.astype("string")
    frame["lambda_timed_out"] = ids.isin(facts.timed_out).fillna(False).astype(bool)
    # finished on its own (REPORT without a timeout): behind a 504/503 that is API Gateway giving up on a
    # function that kept running (§4.7 C55), not the function's own timeout
    frame["lambda_completed"] = ids.isin(facts.reported - facts.timed_out).fillna(False).astype(bool)
    frame["cold_start"] = ids.isin(facts.cold).fillna(False).astype(bool)
    frame["lambda_init_failed"] = ids.isin(facts.init_failed).fillna(False).astype(bool)
    unjoined = ids.isna() | ~ids.isin(facts.seen).fillna(False).astype(bool)
    if not bool(unjoined.any()):
        return
    function = _route_functions(frame, evidence)
    end = frame["time"] + pd.to_timedelta(frame["response_latency"].fillna(0).astype("float64"), unit="ms")
    latency = frame["response_latency"].astype("float64")
    by_time = _near(frame.index[unjoined], function, end, latency, facts.timeout_ends)
    frame.loc[by_time, "lambda_timed_out"] = True
    start = frame["time"]
    init_join = _during(frame.index[unjoined], function, start, end, facts.init_failure_times)
    frame.loc[init_join, "lambda_init_failed"] = True


JOIN_TOLERANCE_MS = 1000  # a REPORT is written when the invocation ends, within ~a second of the response


@dataclass(frozen=True)
class InvocationFacts:
    """What the Lambda logs say per request id, and the times of the lines that carry no id."""

    seen: set[str]
    reported: set[str]
    timed_out: set[str]
    cold: set[str]
    init_failed: set[str]
    timeout_ends: pd.DataFrame  # function, time, duration: invocations that hit the function's own timeout
    init_failure_times: pd.DataFrame  # function, time, duration: failed inits (INIT_REPORT has no request id)


def invocation_facts(logs: pd.DataFrame) -> InvocationFacts:
    """Timeouts are the old `Task timed out` line or a REPORT / platform.report with status timeout (§15.1);
    cold starts a REPORT with an Init or a Restore Duration (§15.2); init failures an INIT_REPORT /
    platform.initReport with status error or timeout, or a runtime error type that means the function's
    code could not be loaded."""
    import pandas as pd

    from apigwops.evidence.parse.lambdalog import INIT_ERROR_TYPES

    kind = logs["kind"].astype("string")
    status = _text_column(logs, "invocation_status")
    error_type = _text_column(logs, "error_type")
    rid = logs["request_id"].astype("string")
    report = (kind == "report").fillna(False)
    timed_out = ((kind == "timeout") | (report & (status == "timeout"))).fillna(False)
    init_report_failed = ((kind == "init") & status.isin(["error", "timeout", "failure"])).fillna(False)
    init_error = error_type.isin(list(INIT_ERROR_TYPES)).fillna(False)
    init_failed = init_report_failed | init_error
    restore = _number_column(logs, "restore_duration_ms")
    cold = report & (_number_column(logs, "init_duration_ms").notna() | restore.notna())

    def ids(mask: pd.Series) -> set[str]:
        return set(rid[mask].dropna().astype(str))

    duration = _number_column(logs, "duration_ms")

    def times(mask: pd.Series) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "function": logs.loc[mask, "function"].astype("string"),
                "time": logs.loc[mask, "time"],
                "duration": duration[mask],
            }
        )

    return InvocationFacts(
        seen=ids(report | timed_out),
        reported=ids(report),
        timed_out=ids(timed_out),
        cold=ids(cold),
        init_failed=ids(init_failed),
        timeout_ends=times(timed_out),
        init_failure_times=times(init_failed),
    )


def lambda_request_ids(frame: pd.DataFrame, evidence: Evidence) -> pd.Series:
    """Each request's Lambda request id: the access log's integration request id, else the one its
    execution-log line names (`... Lambda request id: <uuid>`, §15.4); NA when neither exists."""
    import pandas as pd

    ids = frame["integration_request_id"].astype("string")
    ids = ids.where(~ids.isin(["-", ""]))
    logs = evidence.execution_logs
    if logs.empty or not bool(ids.isna().any()):
        return ids
    named = logs["message"].astype("string").str.extract(_LAMBDA_ID, expand=False)
    pairs = pd.DataFrame({"request_id": logs["request_id"].astype("string"), "lambda": named}).dropna()
    if pairs.empty:
        return ids
    mapping = pairs.drop_duplicates("request_id", keep="last").set_index("request_id")["lambda"]
    from_exec = frame["request_id"].astype("string").map(mapping).astype("string")
    return ids.fillna(from_exec)


_LAMBDA_ID = r"Lambda request id: ([0-9a-fA-F-]{36})"


def _text_column(logs: pd.DataFrame, column: str) -> pd.Series:
    import pandas as pd

    if column not in logs.columns:  # a bundle written before the column existed
        return pd.Series(pd.NA, index=logs.index, dtype="string")
    text = logs[column].astype("string")
    return text.str.lower() if column == "invocation_status" else text


def _number_column(logs: pd.DataFrame, column: str) -> pd.Series:
    import pandas as pd

    if column not in logs.columns:
        return pd.Series(float("nan"), index=logs.index, dtype="float64")
    return pd.to_numeric(logs[column], errors="coerce")


def _route_functions(frame: pd.DataFrame, evidence: Evidence) -> pd.Series:
    routes = {r.key: r.function_name for r in evidence.config.routes if r.function_name}
    return frame["route"].astype("string").map(routes).astype("string")


def _near(
    rows: pd.Index, function: pd.Series, end: pd.Series, latency: pd.Series, events: pd.DataFrame
) -> pd.Index:
    """The requests among `rows` whose route's function logged one of `events` within the join tolerance of
    the request's end (a function timeout reaches the client when the invocation ends), and whose logged
    duration fits in the request's latency (an invocation cannot run longer than the request it answered)."""
    import pandas as pd

    if events.empty or len(rows) == 0:
        return rows[:0]
    left = pd.DataFrame(
        {"function": function.loc[rows], "end": end.loc[rows], "latency": latency.loc[rows]}, index=rows
    ).dropna(subset=["function", "end"])
    if left.empty:
        return rows[:0]
    left = left.reset_index(names="row").sort_values("end")
    right = events.dropna(subset=["function", "time"]).rename(columns={"time": "event"}).sort_values("event")
    left["end"] = left["end"].astype("datetime64[ms, UTC]")
    right["event"] = right["event"].astype("datetime64[ms, UTC]")
    joined = pd.merge_asof(
        left,
        right,
        left_on="end",
        right_on="event",
        by="function",
        direction="nearest",
        tolerance=pd.Timedelta(milliseconds=JOIN_TOLERANCE_MS),
    )
    fits = joined["duration"].isna() | joined["latency"].isna()
    fits = fits | (joined["duration"] <= joined["latency"] + JOIN_TOLERANCE_MS)
    found: pd.Index = pd.Index(joined.loc[joined["event"].notna() & fits, "row"])
    return found


def _during(
    rows: pd.Index, function: pd.Series, start: pd.Series, end: pd.Series, events: pd.DataFrame
) -> pd.Index:
    """The requests among `rows` whose route's function logged one of `events` while the request was open
    (with the join tolerance either side)."""
    import numpy as np
    import pandas as pd

    if events.empty or len(rows) == 0:
        return rows[:0]
    slack = pd.Timedelta(milliseconds=JOIN_TOLERANCE_MS)
    hits = []
    for name, group in events.dropna(subset=["function", "time"]).groupby("function"):
        times = group["time"].astype("datetime64[ms, UTC]").sort_values().to_numpy()
        mine = rows[(function.loc[rows] == name).fillna(False).to_numpy(dtype=bool)]
        if len(mine) == 0:
            continue
        lo = (start.loc[mine] - slack).astype("datetime64[ms, UTC]").to_numpy()
        hi = (end.loc[mine] + slack).astype("datetime64[ms, UTC]").to_numpy()
        first = np.searchsorted(times, lo, side="left")
        last = np.searchsorted(times, hi, side="right")
        hits.append(mine[last > first])
    return pd.Index([]).append(hits) if hits else rows[:0]
