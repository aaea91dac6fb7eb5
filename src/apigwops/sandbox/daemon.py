"""The background sandbox process that `apigwops sandbox up` starts, and how `up`/`down` manage it.

The process runs in its own session (process group), so that `down` can end it and anything it started
with one signal; moto is its child process and the stages are threads inside it. It writes the state
file once the stages answer and removes it when it stops. `up` takes the home's lock first (`lock.py`) and
the process keeps it for its life, so two `up` never both start a sandbox. When the process died without
cleaning up (killed, or moto gone under it), `down` ends what is left of its group and removes the state.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from apigwops.errors import UsageError
from apigwops.sandbox.health import probe_url
from apigwops.sandbox.lock import HomeLock
from apigwops.sandbox.processes import (
    MOTO_MODULE,
    SANDBOX_MODULE,
    kill,
    ours_in_group,
    runs_module,
    terminate_group,
)
from apigwops.sandbox.state import (
    SandboxState,
    StageInfo,
    apigwops_home,
    clear_state,
    load_state,
    save_state,
    state_path,
)


def running_state() -> SandboxState | None:
    """The state of a background sandbox whose process is alive; None when there is none or it died.

    A dead sandbox's state file is left in place for `down`, which ends what is left of it."""
    state = load_state()
    if state is not None and not runs_module(state.pid, SANDBOX_MODULE):
        return None
    return state


def claim_home() -> HomeLock:
    """Take this home's lock, for `spawn`. SandboxAlreadyRunning (exit 2) when another sandbox holds it,
    running or starting; UsageError when the home cannot be written."""
    home = apigwops_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        return HomeLock.take()
    except OSError as exc:
        raise _unwritable(exc) from None


def spawn(
    lock: HomeLock, faults: dict[str, float], *, time_scale: float, seed: int | None, timeout_s: float
) -> SandboxState:
    """Start the background process, hand it the home's `lock` (from `claim_home`), and wait until it has
    written its state (its stages answer)."""
    log_file = apigwops_home() / "sandbox.log"
    try:
        stale = _recorded()
        if stale is not None:  # the lock is free, so its sandbox is dead: clear what it left
            _clean_up_dead(stale)
        args = [sys.executable, "-m", SANDBOX_MODULE, json.dumps(faults), str(time_scale), str(seed)]
        with open(log_file, "wb") as log:
            proc = subprocess.Popen(
                [*args, str(lock.fd)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(lock.fd,),  # the sandbox process inherits the lock and holds it for its life
            )
        lock.record_owner(proc.pid)
    except OSError as exc:
        raise _unwritable(exc) from None
    finally:
        lock.close()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = load_state()
        if state is not None and state.pid == proc.pid:
            return state
        if proc.poll() is not None:
            tail = log_file.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise UsageError(f"the sandbox process exited early: {tail[0]}", hint=f"full log in {log_file}")
        time.sleep(0.1)
    terminate_group(proc.pid)
    raise UsageError(f"the sandbox did not start within {timeout_s:.0f} s", hint=f"see {log_file}")


def _unwritable(exc: OSError) -> UsageError:
    return UsageError(
        f"cannot write the sandbox state in {apigwops_home()}: {exc.strerror}", hint="set APIGWOPS_HOME"
    )


@dataclass(frozen=True)
class Shutdown:
    """What `down` found and did."""

    pid: int
    was_alive: bool  # the sandbox process was running (it got SIGTERM)
    moto_pid: int
    moto_was_alive: bool
    leftovers: tuple[int, ...] = ()  # processes of a dead sandbox's group that were killed

    def summary(self) -> str:
        if self.was_alive:
            line = f"sandbox stopped (pid {self.pid})"
            if self.moto_pid and not self.moto_was_alive:
                line += f"; its moto process (pid {self.moto_pid}) had already exited"
            return line
        line = f"the sandbox process (pid {self.pid}) had already exited; "
        if self.leftovers:
            pids = ", ".join(str(pid) for pid in self.leftovers)
            line += f"killed what was left of its process group (pid {pids}); "
        else:
            line += "nothing of it was left running; "
        return line + "removed its state file"


def stop_running() -> Shutdown | None:
    """Stop the background sandbox: SIGTERM to its process group (SIGKILL after a grace period) when it runs,
    SIGKILL to what is left of its group when it died; then remove the state file. None when there is none."""
    state = _recorded()
    if state is None:
        return None
    moto_was_alive = runs_module(state.moto_pid, MOTO_MODULE)
    if runs_module(state.pid, SANDBOX_MODULE):
        terminate_group(state.pid)
        clear_state(pid=state.pid)
        return Shutdown(state.pid, True, state.moto_pid, moto_was_alive)
    leftovers = _clean_up_dead(state)
    return Shutdown(state.pid, False, state.moto_pid, moto_was_alive, tuple(leftovers))


def _recorded() -> SandboxState | None:
    """The recorded sandbox; an unreadable state file is removed (nothing can be done with it) and counts as none."""
    try:
        return load_state()
    except UsageError:
        clear_state()
        return None


def _clean_up_dead(state: SandboxState) -> list[int]:
    """Kill the processes a dead sandbox left in its group (moto, if it has not exited by itself yet), and
    remove its state file. Returns the pids killed."""
    leftovers = ours_in_group(state.pid)
    if runs_module(state.moto_pid, MOTO_MODULE) and state.moto_pid not in leftovers:
        leftovers.append(state.moto_pid)
    kill(leftovers)
    clear_state(pid=state.pid)
    return leftovers


def main(argv: list[str]) -> int:
    """Entry point of the background process: run a sandbox until SIGTERM/SIGINT."""
    from apigwops.sandbox.core import Sandbox

    faults = json.loads(argv[0]) if argv else {}
    time_scale = float(argv[1]) if len(argv) > 1 else 0.01
    seed = None if len(argv) < 3 or argv[2] == "None" else int(argv[2])
    # argv[3]: the home lock's descriptor, inherited from `up`; held (never closed) until this process exits.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sb = Sandbox.start(faults=faults, time_scale=time_scale, seed=seed)
    try:
        from apigwops.sandbox.motoserver import wait_until_answers

        for endpoint in (sb.rest, sb.http, sb.websocket):  # `up` returns only once the stages answer
            wait_until_answers(probe_url(endpoint.url), timeout_s=10)
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
            moto_pid=sb.moto_pid or 0,
            websocket=StageInfo(**_stage(sb.websocket)),
            websocket_management_url=sb.websocket_management_url,
        )
        save_state(state)
        print(
            f"sandbox ready: {sb.rest.url} {sb.http.url} {sb.websocket.url} (state {state_path()})",
            flush=True,
        )
        stop.wait()
    finally:
        sb.stop()
        clear_state(pid=os.getpid())
    return 0


def _stage(endpoint: object) -> dict[str, str]:
    return {k: getattr(endpoint, k) for k in ("api_id", "api_name", "stage", "url", "api_type")}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
