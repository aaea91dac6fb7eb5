"""Real Locust (the installed `apigwops` console script, Locust in its subprocess) against local HTTP servers.

Each server counts what it served, so the reported numbers are compared with the server's own, not with
constants. Runs are 2-3 s long and target 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.functional.loadtest.servers import ServerState, serve


def _run(url: str, *args: str, timeout: float = 90):
    return run_cli("-o", "json", "loadtest", "run", "--url", url, "--no-cloudwatch", *args, timeout=timeout)


def test_reported_count_equals_server_count_and_slo_passes(tmp_path: Path) -> None:
    with serve() as (url, state):
        result = _run(
            url, "smoke", "-u", "4", "-t", "3s", "--workers", "1", "--route", "GET /a", "--route", "POST /b",
            "--slo", "p95<2000ms", "--slo", "error_rate<1%", "--report-dir", str(tmp_path),
        )  # fmt: skip
        served = dict(state.counts)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["requests"] == sum(served.values()) > 0
    assert summary["status_counts"] == {"200": summary["requests"]}
    by_name = {e["name"]: e["requests"] for e in summary["endpoints"]}
    assert by_name == {"/a": served["GET /a"], "/b": served["POST /b"]}
    assert summary["passed"] is True
    assert [s["passed"] for s in summary["slos"]] == [True, True]
    assert summary["slos"][1]["actual"] == 0.0
    # progress streamed on stderr while the run went on
    assert "rps" in result.stderr
    assert "users" in result.stderr
    for name in ("summary.json", "junit.xml", "summary.md", "locust.html", "timeseries.png"):
        assert (tmp_path / name).is_file(), name
    assert json.loads((tmp_path / "summary.json").read_text())["requests"] == summary["requests"]


def test_failing_slo_exits_1_and_check_rejudges(tmp_path: Path) -> None:
    with serve(ServerState(delay_s=0.03, statuses={"/broken": 500})) as (url, state):
        result = _run(
            url, "smoke", "-u", "2", "-t", "2s", "--workers", "1", "--route", "/ok", "--route", "/broken",
            "--slo", "p95<5ms", "--slo", "error_rate<1%", "--report-dir", str(tmp_path),
        )  # fmt: skip
        served = dict(state.counts)
    assert result.exit_code == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["passed"] is False
    p95, errors = summary["slos"]
    assert p95["passed"] is False
    assert p95["actual"] >= 30
    assert errors["passed"] is False
    assert summary["status_counts"]["500"] == served["GET /broken"]
    assert errors["actual"] == pytest.approx(100 * served["GET /broken"] / summary["requests"], abs=1e-3)
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    assert junit.get("tests") == "2"
    assert junit.get("failures") == "2"
    assert "measured" in junit.find("testcase/failure").get("message")

    relaxed = run_cli("loadtest", "check", str(tmp_path), "--slo", "p95<5000ms")
    assert relaxed.exit_code == 0, relaxed.stderr
    assert json.loads(relaxed.stdout)["slos"][0]["actual"] == p95["actual"]
    strict = run_cli("loadtest", "check", str(tmp_path), "--slo", "error_rate<1%")
    assert strict.exit_code == 1
    bad = run_cli("loadtest", "check", str(tmp_path), "--slo", "p95<fast")
    assert bad.exit_code == 2
    assert len(bad.stderr.strip().splitlines()) == 1


def test_secrets_reach_the_server_but_no_report(tmp_path: Path) -> None:
    secret, token = "k3y-abcdefghijklmn0pqrs-WXYZ", "eyJhbGciOi.secret-token.sig9876"
    env = {"MY_KEY": secret}
    with serve() as (url, state):
        result = run_cli(
            "loadtest", "run", "smoke", "--url", url, "--no-cloudwatch", "-u", "1", "-t", "2s", "--workers", "1",
            "--api-key-env", "MY_KEY", "--token", token, "--header", "X-Team: payments",
            "--report-dir", str(tmp_path), env=env,
        )  # fmt: skip
        seen = state.headers_seen[0]
    assert result.exit_code == 0, result.stderr
    assert seen["x-api-key"] == secret
    assert seen["Authorization"] == f"Bearer {token}"
    assert seen["X-Team"] == "payments"
    everything = result.stdout + result.stderr
    for path in tmp_path.iterdir():
        if path.suffix in (".json", ".xml", ".md", ".html", ".log"):
            everything += path.read_text(errors="replace")
    assert secret not in everything
    assert token not in everything
    assert json.loads(result.stdout)["run"]["headers"] == ["Authorization", "X-Team", "x-api-key"]


def test_ctrl_c_stops_cleanly_and_still_writes_reports(tmp_path: Path) -> None:
    with serve() as (url, state):
        exe = Path(sys.executable).with_name("apigwops")
        proc = subprocess.Popen(
            [str(exe), "loadtest", "run", "smoke", "--url", url, "--no-cloudwatch", "-u", "2", "-t", "60s",
             "--workers", "1", "--report-dir", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while state.total < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        served = state.total
    assert proc.returncode == 130, stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert summary["requests"] == served > 0
    assert (tmp_path / "locust.html").is_file()
    assert json.loads(stdout)["interrupted"] is True


def test_two_runs_at_once_keep_their_own_workers() -> None:
    """Exact counts with two worker processes, twice at once: Locust's master binds *:5557 by default, and two
    runs side by side once swapped workers (found by the benchmark). Each run must count exactly what its own
    server served."""
    exe = Path(sys.executable).with_name("apigwops")
    with serve() as (url_a, state_a), serve() as (url_b, state_b):
        commands = [
            [str(exe), "-o", "json", "loadtest", "run", "smoke", "--url", url, "--no-cloudwatch", "-u", "2",
             "-t", "3s", "--workers", "2", "--route", "/p"]
            for url in (url_a, url_b)
        ]  # fmt: skip
        procs = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for command in commands
        ]
        outputs = [p.communicate(timeout=90) for p in procs]
        served = [state_a.total, state_b.total]
    for proc, (stdout, stderr), count in zip(procs, outputs, served, strict=True):
        assert proc.returncode == 0, stderr
        summary = json.loads(stdout)
        assert summary["run"]["workers"] == 2
        assert summary["requests"] == count > 0
        assert summary["status_counts"] == {"200": count}


def test_tls_is_verified_unless_insecure(tmp_path: Path) -> None:
    """FastHttpUser does not verify certificates by default; apigwops's users do, so a self-signed stage fails
    (no request reaches the handler) until --insecure says otherwise."""
    from tests.functional.loadtest.servers import serve_tls

    with serve_tls(tmp_path) as (url, state):
        verified = _run(url, "smoke", "-u", "1", "-t", "2s", "--workers", "1", "--slo", "error_rate<1%")
        reached_verified = state.total
        insecure = _run(url, "smoke", "-u", "1", "-t", "2s", "--workers", "1", "--insecure")
        reached_insecure = state.total - reached_verified
    assert verified.exit_code == 1, verified.stderr
    refused = json.loads(verified.stdout)
    assert refused["status_counts"] == {"0": refused["requests"]}
    assert any("CERTIFICATE_VERIFY_FAILED" in e["error"] for e in refused["errors"])
    assert reached_verified == 0
    assert insecure.exit_code == 0, insecure.stderr
    assert json.loads(insecure.stdout)["status_counts"] == {"200": reached_insecure}
    assert reached_insecure > 0
