"""The small Locust plugin every apigwops run loads: exact final stats, live progress, and a shared base user.

Runs inside the Locust process (never inside apigwops). apigwops passes its settings through environment
variables, so that API keys and tokens never appear in a process list:

- ``APIGWOPS_LT_RESULT``: where to write the final stats (JSON) when Locust quits. The numbers come from
  Locust's own ``environment.stats`` after ``runner.quit()`` (the ``quit`` event), so counts are exact; the
  periodic ``_stats.csv`` is written once a second and under-counts short runs.
- ``APIGWOPS_LT_PROGRESS=1``: print one ``@@apigwops-progress {json}`` line per second on stdout.
- ``APIGWOPS_LT_HEADERS``: JSON object of headers (API key, bearer token, ``--header`` values) for every request.
- ``APIGWOPS_LT_TLS_VERIFY``: ``0`` to skip TLS verification (FastHttpUser's own default is *not* to verify).
- ``APIGWOPS_LT_PARAMS``: JSON object of scenario parameters (routes, rates, payload lists, ...).

- ``APIGWOPS_LT_PARENT_PID``: apigwops's pid. Every Locust process (the master and each worker it forks) arms
  a parent-death signal (Linux ``prctl(PR_SET_DEATHSIG, SIGKILL)``) and a watchdog that exits when its parent
  changes, so no Locust process outlives apigwops, whatever killed it.

Shipped scenarios import ``ApiUser`` from here; any other locustfile gets the same stats when apigwops passes
``-f locustfile.py,apigwops_plugin.py``. Loading the module twice registers the listeners once.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import time
from collections import Counter
from typing import Any

import gevent
import locust.runners
from locust import FastHttpUser, events
from locust.runners import MasterRunner, WorkerRunner

# Workers report to the master every 3 s by default; once a second keeps the time series and progress smooth.
locust.runners.WORKER_REPORT_INTERVAL = 1.0

PROGRESS_MARK = "@@apigwops-progress "
SERIES_INTERVAL_S = 1.0
LAG_PROBE_S = 0.05
WATCHDOG_S = 0.5
PR_SET_DEATHSIG = 1
MISSING_TOKEN = "Missing Authentication Token"  # API Gateway REST: unknown path, method or stage
IMPORTED_IN = os.getpid()  # the master: Locust imports locustfiles before it forks its --processes workers


def params() -> dict[str, Any]:
    """Scenario parameters chosen by apigwops (routes, rates, payloads); empty when run by hand."""
    raw = os.environ.get("APIGWOPS_LT_PARAMS", "")
    return dict(json.loads(raw)) if raw else {}


def default_headers() -> dict[str, str]:
    raw = os.environ.get("APIGWOPS_LT_HEADERS", "")
    return {str(k): str(v) for k, v in json.loads(raw).items()} if raw else {}


class ApiUser(FastHttpUser):
    """FastHttpUser with TLS verified and the run's auth headers on every request."""

    abstract = True
    insecure = os.environ.get("APIGWOPS_LT_TLS_VERIFY", "1") == "0"
    default_headers = default_headers()


class _Collector:
    """Per-process state: status counts and scenario extras; the master/local one also keeps the series."""

    def __init__(self) -> None:
        self.status: Counter[str] = Counter()
        self.pending_status: Counter[str] = Counter()  # worker side, not yet sent to the master
        self.extras: dict[str, Any] = {}
        self.pending_extras: dict[str, Any] = {}
        self.series: list[dict[str, Any]] = []
        self.ramp: dict[str, Any] | None = None
        self.started: float | None = None
        self.environment: Any = None
        self.lags_ms: list[float] = []  # this process's event-loop lag samples since the last report
        self.worker_lag_ms: dict[str, float] = {}  # master: latest median lag per worker
        self.missing_token = 0  # 403 Missing Authentication Token answers (wrong path or stage)
        self.pending_missing_token = 0
        self.quitting = False


COLLECTOR = _Collector()


def record_extra(key: str, value: Any) -> None:
    """Scenarios store their own results (payload verdicts, throttle timings) for apigwops to analyse."""
    COLLECTOR.extras[key] = value
    COLLECTOR.pending_extras[key] = value


def _entry_dump(entry: Any) -> dict[str, Any]:
    return {
        "method": entry.method,
        "name": entry.name,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "response_times": {str(k): v for k, v in entry.response_times.items()},
        "max_ms": entry.max_response_time,
        "min_ms": entry.min_response_time if entry.num_requests else None,
        "total_ms": entry.total_response_time,
        "content_length": entry.total_content_length,
        "first_ts": entry.start_time,
        "last_ts": entry.last_request_timestamp,
    }


def _on_request(response: Any = None, exception: Any = None, **_: Any) -> None:
    code = getattr(response, "status_code", None)
    if not code and exception is None and response is None:
        return  # a non-HTTP request (WebSocket) that succeeded: no status to count
    key = str(int(code)) if code else "0"  # 0: no response at all (refused, reset, timed out)
    COLLECTOR.status[key] += 1
    COLLECTOR.pending_status[key] += 1
    if key == "403" and _is_missing_token(response):
        COLLECTOR.missing_token += 1
        COLLECTOR.pending_missing_token += 1


def _is_missing_token(response: Any) -> bool:
    """API Gateway's answer for a route that does not exist: header MissingAuthenticationTokenException, body
    {"message":"Missing Authentication Token"} (reference §3, C11)."""
    headers = getattr(response, "headers", None) or {}
    if str(headers.get("x-amzn-ErrorType", "")).startswith("MissingAuthenticationToken"):
        return True
    try:
        return MISSING_TOKEN in (response.text or "")[:512]
    except Exception:  # an undecodable body: not API Gateway's JSON message
        return False


def _take_lag_ms() -> float | None:
    """Median event-loop lag since the last call: how late a 50 ms sleep wakes up. A CPU-bound or starved
    Locust wakes late, and then every response time it measures includes that wait."""
    lags, COLLECTOR.lags_ms = sorted(COLLECTOR.lags_ms), []
    return round(lags[len(lags) // 2], 2) if lags else None


def _watch_loop_lag() -> None:
    while True:
        started = time.perf_counter()
        gevent.sleep(LAG_PROBE_S)
        COLLECTOR.lags_ms.append(max(time.perf_counter() - started - LAG_PROBE_S, 0.0) * 1000)


def _on_report_to_master(client_id: str, data: dict[str, Any]) -> None:
    data["apigwops_lag_ms"] = _take_lag_ms()
    data["apigwops_status"] = dict(COLLECTOR.pending_status)
    data["apigwops_extras"] = dict(COLLECTOR.pending_extras)
    data["apigwops_missing_token"] = COLLECTOR.pending_missing_token
    COLLECTOR.pending_status.clear()
    COLLECTOR.pending_extras.clear()
    COLLECTOR.pending_missing_token = 0


def _on_worker_report(client_id: str, data: dict[str, Any]) -> None:
    if data.get("apigwops_lag_ms") is not None:
        COLLECTOR.worker_lag_ms[client_id] = float(data["apigwops_lag_ms"])
    COLLECTOR.status.update(data.get("apigwops_status", {}))
    COLLECTOR.missing_token += int(data.get("apigwops_missing_token", 0))
    for key, value in data.get("apigwops_extras", {}).items():
        if isinstance(value, dict) and isinstance(COLLECTOR.extras.get(key), dict):
            COLLECTOR.extras[key].update(value)
        else:
            COLLECTOR.extras[key] = value


def _hist_diff(now: dict[Any, int], before: dict[Any, int]) -> dict[Any, int]:
    return {k: n - before.get(k, 0) for k, n in now.items() if n - before.get(k, 0) > 0}


def _percentile(hist: dict[Any, int], fraction: float) -> float | None:
    """Locust's own rule (stats.calculate_response_time_percentile), on a plain histogram."""
    total = sum(hist.values())
    if not total:
        return None
    wanted = int(total * fraction)
    seen = 0
    for value in sorted(hist, reverse=True):
        seen += hist[value]
        if total - seen <= wanted:
            return float(value)
    return None


def _sample_series(environment: Any) -> None:
    """Once a second: users, cumulative counts, and the RPS and p95 of that second (from histogram deltas)."""
    previous_hist: dict[Any, int] = {}
    previous_requests = 0
    previous_time = time.time()
    while True:
        gevent.sleep(SERIES_INTERVAL_S)
        total = environment.stats.total
        now = time.time()
        hist = dict(total.response_times)
        delta = _hist_diff(hist, previous_hist)
        runner = environment.runner
        lag = _take_lag_ms()
        if isinstance(runner, MasterRunner):
            lag = max(COLLECTOR.worker_lag_ms.values(), default=None)
        point = {
            "t": round(now, 3),
            "users": runner.user_count if runner else 0,
            "requests": total.num_requests,
            "failures": total.num_failures,
            "rps": round((total.num_requests - previous_requests) / max(now - previous_time, 1e-6), 2),
            "p95_ms": _percentile(delta, 0.95),
            "status_429": COLLECTOR.status.get("429", 0),
            "loop_lag_ms": lag,
        }
        COLLECTOR.series.append(point)
        previous_hist, previous_requests, previous_time = hist, total.num_requests, now
        if os.environ.get("APIGWOPS_LT_PROGRESS") == "1":
            sys.stdout.write(PROGRESS_MARK + json.dumps(point) + "\n")
            sys.stdout.flush()


def _on_test_start(environment: Any, **_: Any) -> None:
    if COLLECTOR.started is not None:
        return
    COLLECTOR.started = time.time()
    if not isinstance(environment.runner, MasterRunner):
        gevent.spawn(_watch_loop_lag)  # where the users run: locally, or on each worker
    if not isinstance(environment.runner, WorkerRunner):
        gevent.spawn(_sample_series, environment)


def _on_spawning_complete(user_count: int) -> None:
    """The first time all users are running: snapshot, so that --exclude-ramp can judge the rest."""
    environment = COLLECTOR.environment
    if COLLECTOR.ramp is not None or environment is None or isinstance(environment.runner, WorkerRunner):
        return
    COLLECTOR.ramp = {
        "t": time.time(),
        "users": user_count,
        "total": _entry_dump(environment.stats.total),
        "status_counts": dict(COLLECTOR.status),
    }


def guard_parent() -> None:
    """Die with the parent: apigwops for the master, the master for a worker it forked. The death signal is
    Linux's; the watchdog covers other systems and a parent that died before the signal was armed."""
    expected = (
        IMPORTED_IN if os.getpid() != IMPORTED_IN else int(os.environ.get("APIGWOPS_LT_PARENT_PID") or 0)
    )
    if not expected:
        return  # run by hand, not by apigwops
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DEATHSIG, int(signal.SIGKILL))
    if os.getppid() != expected:
        os._exit(1)

    def watch() -> None:
        while True:
            gevent.sleep(WATCHDOG_S)
            if os.getppid() != expected:
                os._exit(1)

    gevent.spawn(watch)


def _interrupt_once(signum: int, _frame: Any) -> None:
    """SIGINT or SIGHUP: stop as Ctrl-C does (Locust writes its HTML report and fires quit), once. The terminal
    and apigwops may both send SIGINT (same process group); a second one must not abort the shutdown."""
    if COLLECTOR.quitting:
        return
    COLLECTOR.quitting = True
    raise KeyboardInterrupt


def _on_quitting(**_: Any) -> None:
    COLLECTOR.quitting = True


def _on_init(environment: Any, **_: Any) -> None:
    COLLECTOR.environment = environment
    guard_parent()
    if os.environ.get("APIGWOPS_LT_PARENT_PID"):
        signal.signal(signal.SIGINT, _interrupt_once)
        signal.signal(signal.SIGHUP, _interrupt_once)


def _on_quit(exit_code: int, **_: Any) -> None:
    """After runner.quit(): the master has the workers' final reports, so these numbers are final."""
    environment = COLLECTOR.environment
    path = os.environ.get("APIGWOPS_LT_RESULT")
    if not path or environment is None or isinstance(environment.runner, WorkerRunner):
        return
    stats = environment.stats
    result = {
        "format": "apigwops-locust-final/1",
        "started": COLLECTOR.started,
        "ended": time.time(),
        "locust_exit_code": exit_code,
        "total": _entry_dump(stats.total),
        "entries": [_entry_dump(e) for e in stats.entries.values()],
        "errors": [
            {"method": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
            for e in stats.errors.values()
        ],
        "status_counts": dict(COLLECTOR.status),
        "missing_token": COLLECTOR.missing_token,
        "ramp": COLLECTOR.ramp,
        "series": COLLECTOR.series,
        "extras": COLLECTOR.extras,
    }
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    os.replace(tmp, path)


if not getattr(events, "_apigwops_plugin_loaded", False):
    events._apigwops_plugin_loaded = True  # type: ignore[attr-defined]
    events.init.add_listener(_on_init)
    events.request.add_listener(_on_request)
    events.report_to_master.add_listener(_on_report_to_master)
    events.worker_report.add_listener(_on_worker_report)
    events.test_start.add_listener(_on_test_start)
    events.spawning_complete.add_listener(_on_spawning_complete)
    events.quit.add_listener(_on_quit)
    events.quitting.add_listener(_on_quitting)
