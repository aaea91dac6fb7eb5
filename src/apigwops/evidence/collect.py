"""Collect a stage's evidence: a few sequential round trips, then every source at once.

Resolve the API, read its configuration (both need the previous answer), then fan out access logs,
execution logs, Lambda logs per function, WAF logs, WAF samples and metrics, and CloudWatch metrics and
percentiles on a thread pool (boto3 clients are thread-safe). Each source that fails becomes a `Check`
(skipped for AccessDenied or an unsupported call, error otherwise) instead of costing the whole report;
only Ctrl-C, credential problems and bugs end the collection. Ctrl-C reaches the main thread only, so it
sets a flag the Insights engine polls to stop its queries, and abandons the calls still in flight (the
pool's threads are daemons, see `workers.py`) so that the interrupt answers at once.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TYPE_CHECKING, Literal

from apigwops.aws.allowlist import iam_action
from apigwops.aws.errors import (
    NOT_IMPLEMENTED_CODES,
    error_code,
    is_access_denied,
    one_line,
    operation_of,
    skip_reason,
    translate,
)
from apigwops.errors import CredentialsError, ReadOnlyViolation
from apigwops.evidence.logs import choose_engine_name, make_engine
from apigwops.evidence.sources import sources_for
from apigwops.evidence.sources.base import Part, Source, SourceContext
from apigwops.model import EVIDENCE_TABLES, ApiConfig, ApiInfo, Check, Evidence
from apigwops.timewindow import Window
from apigwops.workers import DaemonPool

if TYPE_CHECKING:
    import pandas as pd

    from apigwops.evidence.logs.engine import LogEngine
    from apigwops.runtime import Runtime

MAX_WORKERS = 12
PERCENTILES_CHECK = "metrics-percentiles"
NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "NotFoundException", "WAFNonexistentItemException"})
_TABLES = tuple(t.name for t in EVIDENCE_TABLES if not t.optional)


def collect_evidence(
    runtime: Runtime,
    *,
    api: str,
    stage: str,
    window: Window,
    logs_engine: Literal["auto", "insights", "scan"] = "auto",
    route: str | None = None,
    token: str | None = None,
) -> Evidence:
    """Everything diagnose needs about one stage in one window; raises only for usage, credentials and Ctrl-C."""
    from apigwops.aws.resolve import resolve_api
    from apigwops.evidence.config import collect_config

    choose_engine_name(runtime, logs_engine)  # a bad --logs-engine fails before any AWS call
    runtime.progress.step(f"resolving {api} / {stage}")
    resolved = resolve_api(runtime.aws, api, stage)
    runtime.progress.step("reading the API's configuration")
    config, config_checks = collect_config(runtime.aws, resolved, window)
    return gather(
        runtime,
        resolved.info,
        config,
        window,
        logs_engine=logs_engine,
        route=route,
        token=token,
        checks=[*resolved.checks, *config_checks],
    )


def gather(
    runtime: Runtime,
    api: ApiInfo,
    config: ApiConfig,
    window: Window,
    *,
    logs_engine: str = "auto",
    route: str | None = None,
    token: str | None = None,
    checks: list[Check] | None = None,
    engine: LogEngine | None = None,
) -> Evidence:
    """The fan-out, for an API already resolved and configured (the sandbox and tests call it directly)."""
    cancel = threading.Event()
    chosen = engine or make_engine(runtime, logs_engine, cancelled=cancel.is_set)
    ctx = SourceContext(runtime, api, config, window, chosen, route=route, token=token)
    sources = sources_for(ctx)
    runtime.progress.step(f"collecting {len(sources)} evidence sources ({chosen.name} engine for logs)")
    parts: dict[str, Part] = {}
    pool = DaemonPool(max_workers=min(MAX_WORKERS, len(sources)), thread_name_prefix="evidence")
    try:
        futures: dict[Future[Part], str] = {
            pool.submit(_guarded, check_id, service, source, ctx): check_id
            for check_id, (service, source) in sources.items()
        }
        pending = set(futures)
        while pending:
            # A short timeout keeps the main thread responsive to Ctrl-C while workers run.
            done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            for future in done:
                parts[futures[future]] = future.result()
    except BaseException:
        # Ctrl-C: stop the Insights queries, drop what has not started, abandon the calls in flight (daemon
        # threads), so that the interrupt answers at once instead of after the slowest call.
        cancel.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    ordered = [parts[check_id] for check_id in sources]
    return _merge(runtime, api, config, window, ordered, [*(checks or [])])


def _guarded(check_id: str, service: str, source: Source, ctx: SourceContext) -> Part:
    """Run one source; an AWS or data error becomes its check, so one failure never costs the others."""
    try:
        return source(ctx)
    except (KeyboardInterrupt, ReadOnlyViolation, CredentialsError):
        raise
    except Exception as exc:
        credentials = _credentials_problem(exc)
        if credentials is not None:  # expired or missing credentials fail every source: say it once
            raise credentials from exc
        try:
            return _failed_part(check_id, service, exc, ctx)
        except Exception as inner:  # judging the failure must never cost the other sources either
            reason = one_line(f"{type(exc).__name__}: {exc} ({type(inner).__name__} while reading it)")
            ctx.runtime.progress.warn(f"{check_id}: {reason}")
            return Part(checks=[Check(check_id, "error", reason, {"call": service})])


def _credentials_problem(exc: BaseException) -> CredentialsError | None:
    try:
        known = translate(exc)
    except Exception:
        return None
    return known if isinstance(known, CredentialsError) else None


def _failed_part(check_id: str, service: str, exc: BaseException, ctx: SourceContext) -> Part:
    """The check for a source that raised: skipped for what the user cannot fix here, else error."""
    reason = _reason(exc, service)
    status = _status(exc)
    if status == "error" and _emulator_gap(exc, service, ctx):
        status, reason = (
            "skipped",
            f"not supported by this endpoint: {iam_action(service, operation_of(exc))}",
        )
    if check_id == PERCENTILES_CHECK:  # asked separately precisely so that this may fail alone
        status, reason = "skipped", f"percentiles not available from this endpoint ({reason})"
    ctx.runtime.progress.warn(f"{check_id}: {reason}")
    call = _failed_call(exc, service)
    return Part(checks=[Check(check_id, status, reason, {"call": call} if call else {})])


def _failed_call(exc: BaseException, service: str) -> str | None:
    """The IAM action of the AWS call that failed (the service when no operation is known), or None when
    the source did not fail on a call (a log group that does not exist is an answer, not a failure)."""
    if error_code(exc) in NOT_FOUND_CODES:
        return None
    op = operation_of(exc)
    if op:
        return iam_action(service, op)
    return service if type(exc).__module__.startswith(("botocore", "urllib3")) else None


def _emulator_gap(exc: BaseException, service: str, ctx: SourceContext) -> bool:
    """moto and LocalStack answer 500 for operations they do not implement (GetSampledRequests, p99 metrics)."""
    response = getattr(exc, "response", None)  # absent, or None, on connection and parsing errors
    metadata = response.get("ResponseMetadata") if isinstance(response, dict) else None
    status = metadata.get("HTTPStatusCode") if isinstance(metadata, dict) else None
    if status not in (500, 501) or service == "local":
        return False
    try:
        return not ctx.runtime.aws.talks_to_aws(service)
    except Exception:  # no client for that service: nothing to say about its endpoint
        return False


def _status(exc: BaseException) -> Literal["skipped", "error"]:
    code = error_code(exc)
    if is_access_denied(exc) or code in NOT_IMPLEMENTED_CODES or code in NOT_FOUND_CODES:
        return "skipped"
    if isinstance(exc, NotImplementedError):
        return "skipped"
    return "error"


def _reason(exc: BaseException, service: str) -> str:
    if error_code(exc) in NOT_FOUND_CODES and service == "logs":
        return "the log group does not exist yet (nothing was logged, or logging was never set up)"
    return skip_reason(exc, service)


def _merge(
    runtime: Runtime, api: ApiInfo, config: ApiConfig, window: Window, parts: list[Part], checks: list[Check]
) -> Evidence:

    empty = _empty_frames()
    tables: dict[str, pd.DataFrame] = {}
    for name in _TABLES:
        frames = [f for part in parts for f in part.tables.get(name, []) if not f.empty]
        tables[name] = _concat(frames, empty[name], name)
    missing = next((p.missing_fields for p in parts if p.missing_fields is not None), frozenset())
    counts = next((p.request_counts for p in parts if p.request_counts is not None), None)
    evidence = Evidence(
        api=api,
        window=window,
        config=config,
        token=next((p.token for p in parts if p.token is not None), None),
        checks=checks + [c for part in parts for c in part.checks],
        missing_fields=missing,
        unparsed_lines=sum(p.unparsed for p in parts),
        logs_bytes_scanned=sum(p.bytes_scanned for p in parts),
        api_calls=runtime.aws.api_calls,
        request_counts=counts,
        **tables,
    )
    runtime.progress.step(
        f"evidence: {len(evidence.requests):,} requests, {len(evidence.metrics):,} metric points, "
        f"{evidence.api_calls} AWS calls"
    )
    return evidence


def _empty_frames() -> dict[str, pd.DataFrame]:
    """The stand-in of each required table no source filled: each parser's own empty frame, with its dtypes.

    Keyed like the required tables of `EVIDENCE_TABLES`; `_merge` fails loudly on a table missing here.
    """
    from apigwops.evidence.metrics import metrics_frame
    from apigwops.evidence.parse.accesslog import empty_requests_frame
    from apigwops.evidence.parse.execlog import parse_execution_events
    from apigwops.evidence.parse.lambdalog import parse_lambda_events
    from apigwops.evidence.parse.waflog import waf_frame

    return {
        "requests": empty_requests_frame(),
        "execution_logs": parse_execution_events([], []),
        "lambda_logs": parse_lambda_events("", [], []),
        "waf": waf_frame([]),
        "metrics": metrics_frame([]),
    }


def _concat(frames: list[pd.DataFrame], empty: pd.DataFrame, name: str) -> pd.DataFrame:
    import pandas as pd

    if not frames:
        return empty
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    joined = pd.concat(frames, ignore_index=True)
    keys = ["namespace", "metric", "stat", "dimensions", "timestamp"] if name == "metrics" else ["time"]
    return joined.sort_values(keys, kind="stable").reset_index(drop=True)
