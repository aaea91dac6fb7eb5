"""Per-request features that join the access log with configuration and Lambda logs (vectorised).

Playbooks test single columns; a question such as "was this 504 a Lambda behind a 29 s timeout?" needs the
route's integration, its timeout and the Lambda log of that invocation. Computing those once here, as columns,
keeps the playbook vocabulary small and the engine fast on 100,000 rows (no per-row Python).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigwops.apitypes import profile
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
    frame["gateway_overhead"] = frame["response_latency"] - frame["integration_latency"].fillna(0)
    frame["failed"] = (frame["status"] >= 400).fillna(False).astype(bool)
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


def _add_lambda_features(frame: pd.DataFrame, evidence: Evidence) -> None:
    logs = evidence.lambda_logs
    invocation = frame["integration_request_id"].astype("string")
    if logs.empty or "request_id" not in logs.columns:
        frame["lambda_timed_out"] = False
        frame["lambda_completed"] = False
        frame["cold_start"] = False
        return
    kinds = logs["kind"].astype("string")
    timed_out = set(logs.loc[kinds == "timeout", "request_id"].dropna().astype(str))
    init = logs.get("init_duration_ms")
    cold = set(logs.loc[init.notna(), "request_id"].dropna().astype(str)) if init is not None else set()
    reported = set(logs.loc[kinds == "report", "request_id"].dropna().astype(str))
    frame["lambda_timed_out"] = invocation.isin(timed_out).fillna(False).astype(bool)
    # finished on its own (REPORT, no 'Task timed out'): behind a 504/503 that is API Gateway giving up on a
    # function that kept running (§4.7 C55), not the function's own timeout
    frame["lambda_completed"] = invocation.isin(reported - timed_out).fillna(False).astype(bool)
    frame["cold_start"] = invocation.isin(cold).fillna(False).astype(bool)
