"""More real runs: the user's own locustfile (plugin added by apigwops), --exclude-ramp, WebSocket, ramp shape,
and a CPU-bound generator being flagged as unreliable."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.functional.loadtest.servers import ServerState, serve, serve_websocket

OWN_LOCUSTFILE = """
from locust import HttpUser, constant, task


class Plain(HttpUser):
    wait_time = constant(0.05)

    @task
    def own(self):
        self.client.get("/own")
"""

BURNING_LOCUSTFILE = """
from locust import HttpUser, constant, task


class Burner(HttpUser):
    wait_time = constant(0)

    @task
    def burn(self):
        total = 0
        for i in range(2_000_000):
            total += i
        self.client.get("/")
"""


def _run(*args: str):
    return run_cli("-o", "json", "loadtest", "run", "--no-cloudwatch", "--workers", "1", *args, timeout=90)


def test_own_locustfile_with_exclude_ramp(tmp_path: Path) -> None:
    locustfile = tmp_path / "mine.py"
    locustfile.write_text(OWN_LOCUSTFILE)
    with serve(ServerState(delay_s=0.005)) as (url, state):
        # 3 users, 1 started per second: the first ~2 s are ramp
        result = _run(str(locustfile), "--url", url, "-u", "3", "-r", "1", "-t", "5s", "--exclude-ramp",
                      "--slo", "rps>1")  # fmt: skip
        served = state.total
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["requests"] == served > 0
    assert summary["judged_on"] == "steady"
    steady = summary["steady"]
    assert 0 < steady["requests"] < summary["requests"]
    assert summary["slos"][0]["actual"] == steady["rps"]
    # with all three users running, the steady rate is above the whole run's average
    assert steady["rps"] > summary["rps"]
    assert summary["run"]["ramp_ended"] > summary["run"]["started"]


def test_websocket_connect_send_receive() -> None:
    with serve_websocket() as (url, state):
        result = _run("websocket", "--url", url, "-u", "2", "-t", "2s", "--slo", "error_rate<1%")
        connections, messages = state.connections, len(state.messages)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    by_name = {e["name"]: e for e in summary["endpoints"]}
    assert by_name["connect"]["requests"] == connections > 0
    assert by_name["send-receive"]["requests"] == messages == connections
    assert summary["failures"] == 0


def test_ramp_shape_steps_users_up(tmp_path: Path) -> None:
    with serve() as (url, state):
        result = _run(
            "ramp", "--url", url, "-u", "4", "-t", "4s", "--route", "/r", "--report-dir", str(tmp_path)
        )
        served = state.total
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["requests"] == served > 0
    users = [p["users"] for p in summary["timeseries"]]
    assert users == sorted(users)
    assert users[0] < 4 <= max(users)
    assert (tmp_path / "timeseries.png").stat().st_size > 1000


def test_cpu_bound_generator_is_flagged_unreliable(tmp_path: Path) -> None:
    locustfile = tmp_path / "burn.py"
    locustfile.write_text(BURNING_LOCUSTFILE)
    with serve() as (url, _):
        result = _run(
            str(locustfile), "--url", url, "-u", "2", "-t", "3s", "--report-dir", str(tmp_path / "r")
        )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["latency_reliable"] is False
    generator = summary["generator"]
    # on an idle machine the process sits near 100% CPU; on a busy shared one its event loop wakes up late
    assert generator["busiest_process_median_pct"] > 85 or generator["loop_lag_ms"] > 10
    assert "--workers" in summary["generator"]["advice"]
    assert "latency unreliable" in result.stderr
    assert "Latency unreliable" in (tmp_path / "r" / "summary.md").read_text()
    assert "latency unreliable" in (tmp_path / "r" / "junit.xml").read_text()


def test_master_and_remote_worker(tmp_path: Path) -> None:
    """Locust's own distributed mode: a --master-bind run waits for a --worker started separately."""
    import subprocess
    import sys

    from apigwops.loadtest.runner import free_port

    port = free_port()
    exe = str(Path(sys.executable).with_name("apigwops"))
    with serve() as (url, state):
        master = subprocess.Popen(
            [exe, "-o", "json", "loadtest", "run", "smoke", "--url", url, "--no-cloudwatch", "-u", "2", "-t", "3s",
             "--route", "/d", "--master-bind", f"127.0.0.1:{port}", "--expect-workers", "1",
             "--report-dir", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        worker = subprocess.Popen(
            [exe, "loadtest", "run", "smoke", "--route", "/d", "--worker", "--master-host", f"127.0.0.1:{port}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        stdout, stderr = master.communicate(timeout=90)
        worker.communicate(timeout=30)
        served = state.total
    assert master.returncode == 0, stderr
    assert worker.returncode == 0
    summary = json.loads(stdout)
    assert summary["requests"] == served > 0
    assert summary["run"]["master_bind"] == f"127.0.0.1:{port}"
    assert (tmp_path / "locust.html").is_file()
