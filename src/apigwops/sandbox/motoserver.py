"""moto's server on 127.0.0.1 on a free port, in its own process.

Its own process because moto keeps its state in process-wide backends: two moto servers in one process
(the sandbox's and a test suite's, or two sandboxes) would share one account, and a reset of either would
wipe the other. The child (`motochild.py`) exits when its parent dies, so it is never left behind.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

START_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """A running moto server process; `stop()` ends it."""

    def __init__(self) -> None:
        last_error = ""
        for _attempt in range(3):  # the free port may be taken between choosing and binding it
            port = _free_port()
            # moto logs every request on stderr: a file, not a pipe nobody drains (it would fill and block).
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "apigwops.sandbox.motochild", str(port)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
            )
            self.endpoint = f"http://127.0.0.1:{port}"
            try:
                wait_until_answers(self.endpoint + "/moto-api/", timeout_s=START_TIMEOUT_S, proc=self._proc)
                return
            except TimeoutError as exc:
                last_error = str(exc)
            except RuntimeError:
                self._stderr.seek(0)
                lines = self._stderr.read().decode(errors="replace").strip().splitlines()
                last_error = lines[-1] if lines else f"exited with {self._proc.returncode}"
            self.stop()
        raise RuntimeError(f"moto's server did not start: {last_error}")

    @property
    def pid(self) -> int:
        return int(self._proc.pid)

    def stop(self) -> None:
        # SIGKILL: the sandbox's account is disposable, and werkzeug takes seconds to honour SIGTERM.
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)
        self._stderr.close()


def wait_until_answers(url: str, *, timeout_s: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll `url` until any HTTP answer comes back (an HTTP error status counts as an answer)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"exited with {proc.returncode}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s") from None
            time.sleep(0.05)
