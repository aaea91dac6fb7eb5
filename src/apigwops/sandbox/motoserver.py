"""moto's server on 127.0.0.1 on a free port, started in this process (threaded) for the sandbox."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any


class MotoServer:
    """A running moto server; `stop()` shuts it down (its threads end with it)."""

    def __init__(self) -> None:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call is noise here
        self._server: Any = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        wait_until_answers(self.endpoint + "/moto-api/", timeout_s=10)

    def stop(self) -> None:
        self._server.stop()


def wait_until_answers(url: str, *, timeout_s: float) -> None:
    """Poll `url` until any HTTP answer comes back (an HTTP error status counts as an answer)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s") from None
            time.sleep(0.05)
