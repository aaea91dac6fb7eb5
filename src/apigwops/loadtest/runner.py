"""Runs Locust in a subprocess and brings back its final stats; Locust is never imported here.

Locust's gevent monkey-patching would change sockets and threads under boto3 and anything else in this
process, so it always runs as `python -m locust` in its own session. Settings and secrets go through the
environment (see loadtests/apigwops_plugin.py), progress comes back as marked lines on its stdout, and its
logs go to `locust.log`. Ctrl-C and the hard deadline send SIGINT, which makes Locust stop its users, write
its HTML report and fire `quit`, where the plugin writes the final stats; SIGKILL only if that hangs.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apigwops.errors import UsageError
from apigwops.loadtest.config import RunPlan
from apigwops.loadtest.cpu import CpuReport, CpuWatcher
from apigwops.loadtest.scenarios import loadtests_dir, plugin_path

PROGRESS_MARK = "@@apigwops-progress "
STARTUP_GRACE_S = 60.0  # imports, worker processes connecting, stop-timeout
KILL_GRACE_S = 15.0

ProgressCallback = Callable[[dict[str, Any]], None]


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


def locust_command(plan: RunPlan, result_dir: Path) -> list[str]:
    """The argv for Locust; contains no secrets (those travel in the environment)."""
    files = str(plan.locustfile) if plan.plugin_in_locustfile else f"{plan.locustfile},{plugin_path()}"
    argv = [sys.executable, "-m", "locust", "-f", files, "--headless", "--host", plan.url]
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
        "-m",
        "locust",
        "-f",
        files,
        "--worker",
        "--master-host",
        host,
        "--master-port",
        port,
    ]


def locust_env(plan: RunPlan, result_file: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
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
    """SIGINT (Locust writes its reports), then SIGKILL for the whole session if it does not exit."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


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
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            text=True,
            env=locust_env(plan, result_file),
            start_new_session=True,  # the terminal's Ctrl-C reaches us; we stop Locust deliberately
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
        except KeyboardInterrupt:
            interrupted = True
            _stop(proc, KILL_GRACE_S + plan.stop_timeout_s)
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
        cpu=watcher.report(lags),
        html=html if html.is_file() else None,
        log=log_path,
        command=argv,
    )


def run_worker(argv: list[str], env: dict[str, str]) -> int:
    """A plain worker process for a remote master; returns Locust's exit code (Ctrl-C stops it)."""
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        _stop(proc, KILL_GRACE_S)
        raise


def _last_error(log_path: Path) -> str:
    lines = [line.strip() for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines()]
    meaningful = [line for line in lines if line and not line.startswith(("Traceback", "File ", "^"))]
    return meaningful[-1][:300] if meaningful else "no output (see locust.log)"
