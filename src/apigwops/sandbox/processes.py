"""The background sandbox's operating-system processes: are they alive, are they ours, and ending them.

A background sandbox is one process group: the sandbox process (`daemon.py`, the group leader) and moto's
process (`motochild.py`). Pids in a state file can outlive their processes and be reused by unrelated ones, so
a pid counts as the sandbox's only when its command line names our module (on Linux, from /proc; elsewhere a
live pid is taken at its word).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

SANDBOX_MODULE = "apigwops.sandbox.daemon"
MOTO_MODULE = "apigwops.sandbox.motochild"
STOP_TIMEOUT_S = 15.0
PROC = Path("/proc")


def pid_alive(pid: int) -> bool:
    """True when the process exists and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def runs_module(pid: int, module: str) -> bool:
    """True when `pid` is alive and runs `python -m <module>` (always True for a live pid without /proc)."""
    if not pid_alive(pid):
        return False
    try:
        cmdline = (PROC / str(pid) / "cmdline").read_bytes()
    except FileNotFoundError:
        return not PROC.is_dir()
    except OSError:
        return True
    return module.encode() in cmdline.split(b"\0")


def ours_in_group(pgid: int) -> list[int]:
    """Live processes of process group `pgid` that run one of the sandbox's modules (Linux; [] elsewhere)."""
    if not PROC.is_dir():
        return []
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            if os.getpgid(pid) != pgid:
                continue
        except OSError:
            continue
        if runs_module(pid, SANDBOX_MODULE) or runs_module(pid, MOTO_MODULE):
            found.append(pid)
    return sorted(found)


def kill(pids: list[int]) -> None:
    """SIGKILL each pid (already gone is fine). SIGKILL also ends a stopped process."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while any(pid_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


def terminate_group(pgid: int, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM to the process group, SIGKILL if its leader has not exited after `timeout_s`."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not pid_alive(pgid):
            return
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
