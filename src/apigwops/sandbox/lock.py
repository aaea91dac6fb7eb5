"""One background sandbox per APIGWOPS_HOME: an exclusive `flock` on `$APIGWOPS_HOME/sandbox.lock`.

`sandbox up` takes the lock before anything else and hands it to the background process it starts (an inherited
descriptor shares the lock), which holds it for its whole life; `up` then lets go of its own descriptor. So a
second `up` fails while the first is starting as well as while it runs, and the kernel releases the lock when
the sandbox process dies in any way (SIGKILL included): a lock file left behind never blocks. The file holds
the sandbox process's pid, for the second `up`'s error message. The lock is advisory and local (flock does not
work across NFS hosts), which is enough for one user's home.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from apigwops.errors import UsageError
from apigwops.sandbox.state import apigwops_home

OWNER_WAIT_S = 2.0  # how long a refused `up` waits for the winner to write its pid


def lock_path() -> Path:
    return apigwops_home() / "sandbox.lock"


class SandboxAlreadyRunning(UsageError):
    """Another sandbox holds this home's lock (running, or still starting)."""

    def __init__(self, pid: int | None) -> None:
        who = f"pid {pid}" if pid else "pid not yet known"
        super().__init__(
            f"a sandbox is already running ({who}); see 'apigwops sandbox status', "
            "or stop it with 'apigwops sandbox down'"
        )
        self.pid = pid


class HomeLock:
    """The lock, taken: `fd` is the descriptor to hand to the sandbox process; `close()` drops this copy."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    @classmethod
    def take(cls, path: Path | None = None) -> HomeLock:
        """Take the lock without waiting; SandboxAlreadyRunning when another process holds it."""
        target = path or lock_path()
        fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o600)  # no O_TRUNC: the holder's pid is in there
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SandboxAlreadyRunning(_wait_for_owner(target)) from None
        except BaseException:
            os.close(fd)
            raise
        return cls(fd)

    def record_owner(self, pid: int) -> None:
        """Write the pid of the process that holds the lock from now on (the sandbox process)."""
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{pid}\n".encode(), 0)

    def close(self) -> None:
        """Drop this descriptor; the lock stays held while any other descriptor of it (the sandbox's) is open."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def owner_pid(path: Path | None = None) -> int | None:
    """The pid written in the lock file (it may be stale: only the lock itself says whether it is held)."""
    try:
        text = (path or lock_path()).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _wait_for_owner(path: Path) -> int | None:
    # The winner writes the pid right after starting the sandbox process; a refused `up` may look first.
    deadline = time.monotonic() + OWNER_WAIT_S
    while True:
        pid = owner_pid(path)
        if pid is not None or time.monotonic() > deadline:
            return pid
        time.sleep(0.05)
