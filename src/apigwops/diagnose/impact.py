"""The numbers `severity.scale` judges, read from one finding's requests (or, metrics only, the triage).

Per-request evidence gives the finding's own busiest clock-aligned 5 minutes and whether its requests follow
the onset; from metrics alone the finding's share of the failures in the busiest 5 minutes stands in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigwops.diagnose.severity import ALARM_PERIOD_S, Family, Impact
from apigwops.diagnose.triage import Triage

if TYPE_CHECKING:
    import pandas as pd

FAMILIES: dict[str, Family] = {"5xx": "5xx", "401": "4xx", "403": "4xx", "429": "4xx", "latency": "latency"}
WEBSOCKET_SYMPTOMS = frozenset({"connect", "message", "disconnect", "callback"})


def family_of(symptom: str, statuses: pd.Series | None) -> Family | None:
    """The alarm family a cause of `symptom` is judged in (None: not judged by impact).

    A WebSocket stage has no 4XXError/5XXError metrics (ClientError, IntegrationError and ExecutionError, §6.3),
    so a WebSocket cause is judged at the alarm level of its events' status class: `4xx` when most of its
    failing events (`statuses`, those of 400 and above) are 4xx (a refused connect, a message without a route),
    else `5xx`. A cause without a failing status (unexpected disconnects, callbacks to gone connections, metrics
    only) gets the stricter 5xx level, so it is never judged more leniently than a server error [INF: the
    seed's alarms are REST's; no WebSocket alarm level is defined].
    """
    if symptom in FAMILIES:
        return FAMILIES[symptom]
    if symptom not in WEBSOCKET_SYMPTOMS:
        return None
    failing = statuses.dropna() if statuses is not None else None
    failing = failing[failing >= 400] if failing is not None else None
    if failing is None or failing.empty:
        return "5xx"
    return "4xx" if int((failing < 500).sum()) * 2 > len(failing) else "5xx"


def stage_latency(frame: pd.DataFrame) -> tuple[float | None, float | None]:
    """The stage's p99 response and integration latency (ms) in the window, from the access logs."""
    out: list[float | None] = []
    for column in ("response_latency", "integration_latency"):
        values = frame[column].dropna() if not frame.empty and column in frame else None
        out.append(None if values is None or values.empty else float(values.quantile(0.99)))
    return out[0], out[1]


def finding_impact(
    family: Family,
    count: int,
    triage: Triage,
    times: pd.Series | None,
    latency: tuple[float | None, float | None],
    *,
    unit: str = "requests",
) -> Impact:
    """`times`: the finding's requests' times (None when it explains no request row, e.g. metrics only)."""
    import pandas as pd

    if times is not None and len(times):
        stamps = pd.to_datetime(times, utc=True)
        peak = int(stamps.dt.floor(f"{ALARM_PERIOD_S}s").value_counts().max())
        onset = triage.onset
        rose = onset is not None and int((stamps >= pd.Timestamp(onset)).sum()) * 2 >= len(stamps)
    else:
        peak = min(count, _peak_failures(triage))
        rose = triage.onset is not None
    return Impact(
        family=family,
        count=count,
        requests=triage.requests,
        peak_per_5min=peak,
        rose=rose,
        p99_ms=latency[0],
        integration_p99_ms=latency[1],
        unit=unit,
    )


def _peak_failures(triage: Triage) -> int:
    """Failures in the busiest clock-aligned 5 minutes of the (clock-aligned) triage buckets."""
    per_period: dict[int, float] = {}
    spread = min(1.0, ALARM_PERIOD_S / triage.bucket_seconds)  # a bucket longer than 5 min: its average
    for bucket in triage.buckets:
        key = int(bucket.start.timestamp()) // ALARM_PERIOD_S
        per_period[key] = per_period.get(key, 0) + bucket.failures * spread
    return round(max(per_period.values(), default=0))
