"""Writing the files a user asked for (`--report`): whole or not at all.

The content goes to a hidden temporary file in the same directory, is flushed to disk, and is renamed over
the target only when complete; on any failure (a full disk, a quota, permissions) the temporary file is
removed and the user gets one line (`UsageError`, exit 2). A full disk therefore never leaves a 0-byte or
truncated report that looks like a result.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from apigwops.errors import UsageError


def write_file(path: Path, content: str | bytes) -> None:
    """Write `content` (text as UTF-8) to `path` atomically; raises `UsageError` naming the path and why."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = Path(path)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent or ".")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
