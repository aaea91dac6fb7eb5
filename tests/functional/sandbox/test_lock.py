"""The home lock: one holder at a time, handed to a child process with its descriptor, and released by the
kernel when the holder dies, however it dies (so a stale lock file never blocks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from apigwops.sandbox.lock import HomeLock, SandboxAlreadyRunning, owner_pid


def test_a_second_take_is_refused_with_the_owner_pid(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.lock"
    lock = HomeLock.take(path)
    lock.record_owner(4242)
    with pytest.raises(SandboxAlreadyRunning) as refused:
        HomeLock.take(path)
    assert refused.value.pid == 4242
    assert refused.value.message.startswith("a sandbox is already running (pid 4242); ")
    assert refused.value.exit_code == 2
    lock.close()
    HomeLock.take(path).close()  # released with the last descriptor
    assert owner_pid(path) == 4242  # the file keeps the last owner; only the lock says who holds it now


def test_a_child_keeps_the_lock_and_its_death_releases_it(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.lock"
    lock = HomeLock.take(path)
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], pass_fds=(lock.fd,), stdin=subprocess.DEVNULL
    )
    try:
        lock.record_owner(child.pid)
        lock.close()  # as `up` does once the sandbox process runs
        with pytest.raises(SandboxAlreadyRunning) as refused:
            HomeLock.take(path)
        assert refused.value.pid == child.pid
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        HomeLock.take(path).close()  # the dead holder's lock file does not block
    finally:
        child.kill()
        child.wait(timeout=10)


def test_an_unwritable_home_is_an_os_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(NotADirectoryError):
        HomeLock.take(blocker / "sandbox.lock")
