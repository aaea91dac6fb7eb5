"""The background sandbox process that `apigwops sandbox up` starts, and how `up`/`down` manage it.

The process runs in its own session (process group), so that `down` can end it and anything it started
with one signal; moto and the stages are threads inside it, so nothing outlives it. It writes the state
file once the stages answer and removes it when it stops.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from apigwops.errors import UsageError
from apigwops.sandbox.state import (
    SandboxState,
    StageInfo,
    apigwops_home,
    clear_state,
    load_state,
    save_state,
    state_path,
)

STOP_TIMEOUT_S = 15.0


def pid_alive(pid: int) -> bool:
    """True when the process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def running_state() -> SandboxState | None:
    """The state of a live background sandbox; a stale state file (dead process) is removed."""
    state = load_state()
    if state is not None and not pid_alive(state.pid):
        clear_state()
        return None
    return state


def spawn(faults: dict[str, float], *, time_scale: float, seed: int | None, timeout_s: float) -> SandboxState:
    """Start the background process and wait until it has written its state (its stages answer)."""
    if running_state() is not None:
        raise UsageError(
            "a sandbox is already running", hint="see 'apigwops sandbox status', or run 'down' first"
        )
    home = apigwops_home()
    log_file = home / "sandbox.log"
    try:
        home.mkdir(parents=True, exist_ok=True)
        log_file.touch()
    except OSError as exc:
        raise UsageError(
            f"cannot write the sandbox state in {home}: {exc.strerror}", hint="set APIGWOPS_HOME"
        ) from None
    args = [sys.executable, "-m", "apigwops.sandbox.daemon", json.dumps(faults), str(time_scale), str(seed)]
    with open(log_file, "wb") as log:
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = load_state()
        if state is not None and state.pid == proc.pid:
            return state
        if proc.poll() is not None:
            tail = log_file.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise UsageError(f"the sandbox process exited early: {tail[0]}", hint=f"full log in {log_file}")
        time.sleep(0.1)
    _terminate(proc.pid)
    raise UsageError(f"the sandbox did not start within {timeout_s:.0f} s", hint=f"see {log_file}")


def stop_running() -> SandboxState | None:
    """Stop the background sandbox (SIGTERM to its process group, SIGKILL after a grace period)."""
    state = load_state()
    if state is None:
        return None
    if pid_alive(state.pid):
        _terminate(state.pid)
    clear_state()
    return state


def _terminate(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def main(argv: list[str]) -> int:
    """Entry point of the background process: run a sandbox until SIGTERM/SIGINT."""
    from apigwops.sandbox.core import Sandbox

    faults = json.loads(argv[0]) if argv else {}
    time_scale = float(argv[1]) if len(argv) > 1 else 0.01
    seed = None if len(argv) < 3 or argv[2] == "None" else int(argv[2])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sb = Sandbox.start(faults=faults, time_scale=time_scale, seed=seed)
    try:
        from apigwops.sandbox.motoserver import wait_until_answers

        for endpoint in (sb.rest, sb.http):  # `up` returns only once the stages answer
            wait_until_answers(endpoint.url + "/health", timeout_s=10)
        state = SandboxState(
            pid=os.getpid(),
            moto_endpoint=sb.moto_endpoint,
            region=sb.region,
            control_url=sb.control_url,
            rest=StageInfo(**_stage(sb.rest)),
            http=StageInfo(**_stage(sb.http)),
            keys=dict(sb.keys),
            tokens=dict(sb.tokens),
            faults=sb.faults,
            time_scale=time_scale,
            log_file=str(apigwops_home() / "sandbox.log"),
            started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        save_state(state)
        print(f"sandbox ready: {sb.rest.url} {sb.http.url} (state {state_path()})", flush=True)
        stop.wait()
    finally:
        sb.stop()
        current = load_state()
        if current is not None and current.pid == os.getpid():
            clear_state()
    return 0


def _stage(endpoint: object) -> dict[str, str]:
    return {k: getattr(endpoint, k) for k in ("api_id", "api_name", "stage", "url", "api_type")}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
