"""Runs Locust in a subprocess and brings back its final stats; Locust is never imported here.

Locust's gevent monkey-patching would change sockets and threads under boto3 and anything else in this
process, so it always runs in a subprocess, started by `loadtests/apigwops_locust.py` (Locust's own main, with
no default config files and a parent-death signal). Settings and secrets go through the environment (see
loadtests/apigwops_plugin.py; no `LOCUST_*` variable reaches it), progress comes back as marked lines on its
stdout, and its logs go to `locust.log`.

Locust stays in apigwops's process group, so whatever signals the group (a terminal's Ctrl-C, a CI runner)
reaches it too, and it dies with apigwops even on SIGKILL (the death signal). Ctrl-C, SIGTERM, SIGHUP and the
hard deadline make apigwops send SIGINT, which makes Locust stop its users, write its HTML report and fire
`quit`, where the plugin writes the final stats; SIGKILL only if that hangs.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apigwops.errors import UsageError
from apigwops.loadtest.config import RunPlan
from apigwops.loadtest.cpu import CpuReport, CpuWatcher
from apigwops.loadtest.scenarios import launcher_path, loadtests_dir, plugin_path

PROGRESS_MARK = "@@apigwops-progress "
STARTUP_GRACE_S = 60.0  # imports, worker processes connecting, stop-timeout
KILL_GRACE_S = 15.0

ProgressCallback = Callable[[dict[str, Any]], None]
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)  # handled like Ctrl-C (SIGINT) while Locust runs


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP reached apigwops: stop the run and keep its partial report, as Ctrl-C does."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class LocustOutcome:
    raw: dict[str, Any] | None
    exit_code: int | None
    interrupted: bool
    timed_out: bool
    cpu: CpuReport
    html: Path | None
    log: Path
    command: list[str]
    signal_name: str | None = None  # SIGINT, SIGTERM or SIGHUP when interrupted


def locust_command(plan: RunPlan, result_dir: Path) -> list[str]:
    """The argv for Locust; contains no secrets (those travel in the environment)."""
    files = str(plan.locustfile) if plan.plugin_in_locustfile else f"{plan.locustfile},{plugin_path()}"
    argv = [sys.executable, str(launcher_path()), "-f", files, "--headless", "--host", plan.url]
    argv += [
        "-u",
        str(plan.users),
        "-r",
        f"{plan.spawn_rate:g}",
        "-t",
        f"{max(1, math.ceil(plan.duration_s))}s",
    ]
    # Locust's time spans take whole seconds only ("1.2s" is refused): round up.
    argv += [
        "--stop-timeout",
        f"{math.ceil(plan.stop_timeout_s)}s",
        "--exit-code-on-error",
        "0",
        "--only-summary",
    ]
    argv += ["--html", str(result_dir / "locust.html")]
    if plan.tags:
        argv += ["--tags", *plan.tags]
    if plan.exclude_tags:
        argv += ["--exclude-tags", *plan.exclude_tags]
    if plan.csv_prefix:
        argv += ["--csv", plan.csv_prefix]
    if plan.master_bind:
        host, _, port = plan.master_bind.rpartition(":")
        argv += ["--master", "--master-bind-host", host or "*", "--master-bind-port", port or "5557"]
        argv += ["--expect-workers", str(max(plan.expect_workers, 1))]
    elif plan.workers > 1:
        # Locust's master binds *:5557 by default, so two runs on one machine (parallel CI jobs, tests) would
        # swap workers; a private loopback port keeps each run's workers its own.
        port = str(free_port())
        argv += ["--processes", str(plan.workers), "--master-bind-host", "127.0.0.1"]
        argv += ["--master-bind-port", port, "--master-host", "127.0.0.1", "--master-port", port]
    argv += list(plan.user_classes)
    return argv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_command(locustfile: Path, plugin_in_locustfile: bool, master: str) -> list[str]:
    """A worker for someone else's master (`--worker --master-host`): same files, no own reports."""
    files = str(locustfile) if plugin_in_locustfile else f"{locustfile},{plugin_path()}"
    host, _, port = master.rpartition(":") if ":" in master else (master, "", "5557")
    return [
        sys.executable,
        str(launcher_path()),
        "-f",
        files,
        "--worker",
        "--master-host",
        host,
        "--master-port",
        port,
    ]


def locust_env(plan: RunPlan, result_file: Path) -> dict[str, str]:
    """Our environment without `LOCUST_*` (apigwops has read those on purpose), plus the run's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    env.update(
        {
            "APIGWOPS_LT_PARENT_PID": str(os.getpid()),
            "APIGWOPS_LT_RESULT": str(result_file),
            "APIGWOPS_LT_PROGRESS": "1",
            "APIGWOPS_LT_HEADERS": json.dumps(plan.headers),
            "APIGWOPS_LT_PARAMS": json.dumps(plan.params),
            "APIGWOPS_LT_TLS_VERIFY": "1" if plan.tls_verify else "0",
            "PYTHONPATH": os.pathsep.join(p for p in (str(loadtests_dir()), env.get("PYTHONPATH", "")) if p),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _pump(stream: Any, log: Any, on_progress: ProgressCallback) -> None:
    for line in stream:
        if line.startswith(PROGRESS_MARK):
            with contextlib.suppress(ValueError, TypeError):
                on_progress(json.loads(line[len(PROGRESS_MARK) :]))
            continue
        log.write(line)


def _stop(proc: subprocess.Popen[Any], grace_s: float) -> None:
    """SIGINT (Locust writes its reports), then SIGKILL if it does not exit (its workers have a death signal
    on it, so they follow)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """While Locust runs, SIGTERM and SIGHUP raise `Stopped` in the main thread, as SIGINT raises
    KeyboardInterrupt. Outside the main thread (a library caller's worker thread) signals stay as they are."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_stopped(signum: int, _frame: Any) -> None:
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, raise_stopped) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_locust(
    plan: RunPlan,
    result_dir: Path,
    on_progress: ProgressCallback,
    *,
    deadline_s: float | None = None,
) -> LocustOutcome:
    """Run Locust to completion (or until Ctrl-C or the deadline) and return its final stats."""
    result_dir.mkdir(parents=True, exist_ok=True)
    result_file = result_dir / "locust-final.json"
    result_file.unlink(missing_ok=True)
    log_path = result_dir / "locust.log"
    argv = locust_command(plan, result_dir)
    deadline = time.monotonic() + (deadline_s or plan.duration_s + plan.stop_timeout_s + STARTUP_GRACE_S)
    interrupted = timed_out = False
    signal_name: str | None = None
    with log_path.open("w", encoding="utf-8") as log, stop_signals_raise():
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            text=True,
            env=locust_env(plan, result_file),
        )
        pump = threading.Thread(target=_pump, args=(proc.stdout, log, on_progress), daemon=True)
        pump.start()
        watcher = CpuWatcher(proc.pid)
        try:
            while proc.poll() is None:
                watcher.sample()
                if time.monotonic() > deadline:
                    timed_out = True
                    _stop(proc, KILL_GRACE_S + plan.stop_timeout_s)
                    break
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=1.0)
        except KeyboardInterrupt as exc:
            interrupted = True
            signal_name = str(exc) if isinstance(exc, Stopped) else "SIGINT"
            _stop_ignoring_signals(proc, KILL_GRACE_S + plan.stop_timeout_s)
        pump.join(timeout=5)
    html = result_dir / "locust.html"
    raw = json.loads(result_file.read_text(encoding="utf-8")) if result_file.is_file() else None
    lags = [point.get("loop_lag_ms") for point in (raw or {}).get("series", [])]
    if raw is None and not (interrupted or timed_out):
        raise UsageError(
            f"Locust exited with code {proc.returncode} before producing results: {_last_error(log_path)}"
        )
    return LocustOutcome(
        raw=raw,
        exit_code=proc.returncode,
        interrupted=interrupted,
        timed_out=timed_out,
        signal_name=signal_name,
        cpu=watcher.report(lags),
        html=html if html.is_file() else None,
        log=log_path,
        command=argv,
    )


def _stop_ignoring_signals(proc: subprocess.Popen[Any], grace_s: float) -> None:
    """Stop Locust; a second Ctrl-C or SIGTERM while it writes its reports does not abandon it."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, *STOP_SIGNALS)}
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        for sig in handlers:
            signal.signal(sig, signal.SIG_IGN)
    try:
        _stop(proc, grace_s)
    finally:
        if in_main:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)


def run_worker(argv: list[str], env: dict[str, str]) -> int:
    """A plain worker process for a remote master; returns Locust's exit code (Ctrl-C, SIGTERM stop it)."""
    with stop_signals_raise():
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            _stop_ignoring_signals(proc, KILL_GRACE_S)
            raise


def _last_error(log_path: Path) -> str:
    lines = [line.strip() for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines()]
    meaningful = [line for line in lines if line and not line.startswith(("Traceback", "File ", "^"))]
    return meaningful[-1][:300] if meaningful else "no output (see locust.log)"
