"""A load test a pipeline can trust (issue 12): failed requests fail the run, Locust's own vocabulary works,
and the load stops when apigwops stops, whatever stopped it.

Real Locust (the installed console script) against servers on 127.0.0.1 that count what they served; runs of
2-3 s. Each test here failed on the main branch before this change.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import psutil
import pytest
from tests.conftest import run_cli
from tests.functional.loadtest.servers import ServerState, serve

from apigwops.loadtest.config import usable_cores

EXE = Path(sys.executable).with_name("apigwops")

TAGGED_LOCUSTFILE = """
from locust import FastHttpUser, constant_throughput, tag, task


class Tagged(FastHttpUser):
    wait_time = constant_throughput(2)

    @tag("a")
    @task
    def a(self):
        self.client.get("/a")

    @tag("b")
    @task
    def b(self):
        self.client.get("/b")

    @task
    def untagged(self):
        self.client.get("/c")
"""


def _run(url: str, *args: str, env: dict[str, str] | None = None):
    return run_cli(
        "-o", "json", "loadtest", "run", "--url", url, "--no-cloudwatch", *args, env=env, timeout=120
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _testcases(junit: Path) -> list[ET.Element]:
    return ET.parse(junit).getroot().findall("testcase")


def test_every_request_refused_fails_and_says_so_in_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/prod"
    result = _run(url, "smoke", "-u", "2", "-t", "2s", "--workers", "1", "--report-dir", str(tmp_path))
    assert result.exit_code == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["passed"] is False
    assert summary["requests"] == summary["failures"] > 0
    assert summary["error_rate"] == 100.0
    said = [line for line in result.stderr.splitlines() if "reached nothing" in line]
    assert len(said) == 1, result.stderr
    assert "no response" in said[0]
    cases = _testcases(tmp_path / "junit.xml")
    assert len(cases) == 1
    assert cases[0].find("failure") is not None


def test_every_request_missing_authentication_token_fails_and_says_so(tmp_path: Path) -> None:
    """75 of 75 responses 403 passed on main: API Gateway's answer for a wrong path or stage."""
    with serve(ServerState(routes=frozenset({"/users"}))) as (url, state):
        result = _run(url, "smoke", "-u", "2", "-t", "2s", "--workers", "1")
        served = state.total
    assert result.exit_code == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status_counts"] == {"403": served}
    said = [line for line in result.stderr.splitlines() if "Missing Authentication Token" in line]
    assert len(said) == 1, result.stderr
    assert "reached nothing" in said[0]
    assert "--route" in said[0]


def test_a_failed_request_fails_a_run_without_slos_and_slos_decide_otherwise(tmp_path: Path) -> None:
    with serve(ServerState(statuses={"/broken": 500})) as (url, state):
        result = _run(
            url, "smoke", "-u", "1", "-t", "2s", "--workers", "1", "--route", "/ok", "--route", "/broken",
            "--report-dir", str(tmp_path),
        )  # fmt: skip
        broken = state.counts["GET /broken"]
    assert result.exit_code == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["failures"] == broken > 0
    assert summary["error_rate"] == pytest.approx(100 * broken / summary["requests"], abs=1e-3)
    (case,) = _testcases(tmp_path / "junit.xml")
    assert f"{broken} of {summary['requests']} requests failed" in case.find("failure").get("message")

    relaxed = run_cli("-o", "json", "loadtest", "check", str(tmp_path), "--slo", "error_rate<60%")
    assert relaxed.exit_code == 0, relaxed.stderr
    judged = json.loads(relaxed.stdout)
    assert judged["checks"] == []
    assert judged["error_rate"] == summary["error_rate"]
    again = run_cli("loadtest", "check", str(tmp_path), "--write")
    assert again.exit_code == 1
    assert len(_testcases(tmp_path / "junit.xml")) == 1


def test_locust_option_names(tmp_path: Path) -> None:
    """-f, -H URL, --csv, --html, -T and -E mean what they mean to Locust."""
    locustfile = tmp_path / "tagged.py"
    locustfile.write_text(TAGGED_LOCUSTFILE)
    html = tmp_path / "out" / "report.html"
    with serve() as (url, state):
        result = run_cli(
            "-o", "json", "loadtest", "run", "-f", str(locustfile), "-H", url, "--no-cloudwatch", "-u", "1",
            "-t", "2s", "--workers", "1", "-T", "a", "-T", "b", "-E", "b", "--csv", str(tmp_path / "stats"),
            "--html", str(html),
        )  # fmt: skip
        served = dict(state.counts)
    assert result.exit_code == 0, result.stderr
    assert set(served) == {"GET /a"}
    summary = json.loads(result.stdout)
    assert summary["run"]["url"] == url
    assert summary["requests"] == served["GET /a"]
    assert (tmp_path / "stats_stats.csv").is_file()
    assert "locust" in html.read_text().lower()


def test_locust_conf_and_environment_are_merged_with_one_precedence(tmp_path: Path) -> None:
    """Command line > environment > locust.conf; --no-locust-config ignores the last two. On main the file's
    tags leaked into Locust while its users and LOCUST_USERS were silently overridden."""
    locustfile = tmp_path / "tagged.py"
    locustfile.write_text(TAGGED_LOCUSTFILE)
    (tmp_path / "locust.conf").write_text("users = 3\ntags = b\nrun-time = 2s\nweb-port = 9999\n")
    env = {**os.environ, "LOCUST_USERS": "2", "LOCUST_SPAWN_RATE": "2"}
    base = [str(EXE), "-o", "json", "loadtest", "run", str(locustfile), "--no-cloudwatch", "--workers", "1"]
    with serve() as (url, state):
        merged = subprocess.run(
            [*base, "--url", url], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        first = dict(state.counts)
        state.counts.clear()
        ignored = subprocess.run(
            [*base, "--url", url, "--no-locust-config", "-t", "2s", "-u", "3"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        second = dict(state.counts)
    assert merged.returncode == 0, merged.stderr
    run = json.loads(merged.stdout)["run"]
    assert run["users"] == 2  # LOCUST_USERS over the file's 3
    assert run["duration_s"] == 2.0  # the file's run-time over the default 30 s
    assert run["tags"] == ["b"]
    assert set(first) == {"GET /b"}
    assert run["settings_from"]["users"] == "LOCUST_USERS"
    assert run["settings_from"]["run_time"].startswith("locust.conf")
    sources = [line for line in merged.stderr.splitlines() if line.startswith("settings not from")]
    assert len(sources) == 1, merged.stderr
    assert "users from LOCUST_USERS" in sources[0]
    assert "web-port" in merged.stderr  # said to be ignored, not silently dropped

    assert ignored.returncode == 0, ignored.stderr
    run = json.loads(ignored.stdout)["run"]
    assert run["users"] == 3
    assert run["tags"] == []
    assert set(second) - {"GET /b"}  # the file's tags no longer apply: the other tasks ran too


@pytest.mark.skipif(usable_cores() < 2, reason="needs two cores to ask for two workers")
def test_never_more_workers_than_users() -> None:
    with serve() as (url, state):
        result = _run(url, "smoke", "-u", "1", "-t", "2s", "--workers", "2")
        served = state.total
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["run"]["workers"] == 1
    assert summary["requests"] == served > 0
    assert "--workers 2 is more than --users 1" in result.stderr


def _locust_processes(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info.get("cmdline") or [])
        if "apigwops_locust.py" in cmdline and marker in cmdline:
            found.append(proc)
    return found


def _start(url: str, report_dir: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(EXE), "-o", "json", "loadtest", "run", "smoke", "--url", url, "--no-cloudwatch", "-u", "2",
         "-t", "60s", "--report-dir", str(report_dir), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def _wait_for_traffic(state: ServerState, at_least: int = 3) -> None:
    deadline = time.monotonic() + 40
    while state.total < at_least and time.monotonic() < deadline:
        time.sleep(0.2)
    assert state.total >= at_least, "the run never started sending"


def _wait_gone(marker: str, timeout: float = 20) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (left := _locust_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigkill_of_apigwops_stops_the_load(tmp_path: Path, workers: str) -> None:
    if int(workers) > usable_cores():
        pytest.skip("needs two cores for two workers")
    with serve() as (url, state):
        proc = _start(url, tmp_path, "--workers", workers)
        _wait_for_traffic(state)
        assert len(_locust_processes(str(tmp_path))) == 1 + (int(workers) if workers != "1" else 0)
        proc.kill()
        proc.communicate(timeout=30)
        assert _wait_gone(str(tmp_path)) == []
        stopped_at = state.total
        time.sleep(2)
        assert state.total == stopped_at  # no load after apigwops died


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
@pytest.mark.parametrize("to_group", [False, True])
def test_sigterm_and_sighup_write_the_partial_report(
    tmp_path: Path, signum: signal.Signals, code: int, to_group: bool
) -> None:
    """`timeout` signals apigwops alone; a CI runner cancelling a job signals the whole process group."""
    if to_group and signum == signal.SIGHUP:
        pytest.skip("a hang-up reaches the terminal's foreground group; covered by SIGTERM to the group")
    with serve() as (url, state):
        proc = _start(url, tmp_path, "--workers", "1")
        _wait_for_traffic(state)
        if to_group:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
        assert _wait_gone(str(tmp_path)) == []
        served = state.total
    assert proc.returncode == code, stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert summary["interrupted_by"] == signum.name
    assert summary["requests"] == served > 0
    assert json.loads(stdout)["interrupted"] is True
