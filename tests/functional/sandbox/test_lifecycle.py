"""No process outlives a sandbox: `stop()` ends moto, and moto exits by itself when its parent dies."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.xdist_group("sandbox-lifecycle")


def _gone(pid: int, wait_s: float = 5.0) -> bool:
    from apigwops.sandbox.processes import pid_alive

    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_moto_exits_when_its_parent_dies_abruptly() -> None:
    code = (
        "import os; from apigwops.sandbox.motoserver import MotoServer; "
        "m = MotoServer(); print(m.pid, flush=True); os._exit(1)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    pid = int(out.stdout.strip())
    assert _gone(pid)


def test_moto_server_stop_ends_the_process() -> None:
    import urllib.request

    from apigwops.sandbox.motoserver import MotoServer

    server = MotoServer()
    with urllib.request.urlopen(server.endpoint + "/moto-api/", timeout=5) as resp:
        assert resp.status == 200
    server.stop()
    assert _gone(server.pid, wait_s=1.0)


def test_start_rejects_bad_settings_and_non_loopback_moto() -> None:
    from apigwops.errors import UsageError
    from apigwops.sandbox import Sandbox

    for kwargs in ({"time_scale": 0}, {"time_scale": 2}, {"ship_interval_s": 0}, {"faults": {"nope": 1.0}}):
        with pytest.raises(UsageError):
            Sandbox.start(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="loopback"):
        Sandbox.start(moto_endpoint="https://apigateway.us-east-1.amazonaws.com")
