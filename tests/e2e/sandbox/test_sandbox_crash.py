"""A background sandbox that lost a process: `status` says so (per process, `running` false, exit 1), `down`
cleans up what is left and says what it found, and a later `up` is not blocked by the dead one's lock or state.
Two `up` at the same time: one sandbox, and the other says one line and exits 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.e2e.sandbox.procs import alive, moto_child, wait_gone

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-cli")]


def _up(env: dict[str, str]) -> dict[str, Any]:
    result = run_cli("-o", "json", "sandbox", "up", env=env)
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def _status(env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    result = run_cli("-o", "json", "sandbox", "status", env=env)
    return result.exit_code, json.loads(result.stdout)


def _kill_all(*pids: int) -> None:
    for pid in pids:
        if pid and alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_moto_dies_status_says_not_running_and_down_stops_the_rest(tmp_path: Path) -> None:
    env = {"APIGWOPS_HOME": str(tmp_path)}
    pid = _up(env)["pid"]
    moto = moto_child(pid)
    try:
        os.kill(moto, signal.SIGKILL)
        assert wait_gone(moto)
        code, doc = _status(env)
        assert code == 1
        assert doc["running"] is False
        assert doc["processes"]["moto"]["alive"] is False
        assert doc["processes"]["moto"]["answering"] is False
        assert doc["processes"]["sandbox"] == {"pid": pid, "alive": True, "answering": True}
        assert [s["answering"] for s in doc["stages"]] == [True, True, True]  # the stages still serve
        assert doc["problems"] == [f"moto's process (pid {moto}) has exited"]
        table = run_cli("-o", "table", "sandbox", "status", env=env)
        assert table.exit_code == 1
        assert "NOT RUNNING" in table.stdout

        down = run_cli("sandbox", "down", env=env)
        assert down.exit_code == 0
        assert down.stderr.strip().splitlines() == [
            f"sandbox stopped (pid {pid}); its moto process (pid {moto}) had already exited"
        ]
        assert not alive(pid)
        assert not (tmp_path / "sandbox.json").exists()
    finally:
        _kill_all(pid, moto)


def test_sandbox_process_killed_down_kills_what_is_left(tmp_path: Path) -> None:
    env = {"APIGWOPS_HOME": str(tmp_path)}
    pid = _up(env)["pid"]
    moto = moto_child(pid)
    try:
        os.kill(moto, signal.SIGSTOP)  # so that it cannot notice its parent is gone and leave by itself
        os.kill(pid, signal.SIGKILL)
        assert wait_gone(pid)
        code, doc = _status(env)
        assert code == 1
        assert doc["running"] is False
        assert doc["processes"]["sandbox"] == {"pid": pid, "alive": False, "answering": False}
        assert doc["processes"]["moto"] == {"pid": moto, "alive": True, "answering": False}
        assert [s["answering"] for s in doc["stages"]] == [False, False, False]
        exports = run_cli("sandbox", "status", "--env", env=env)
        assert (exports.exit_code, exports.stdout) == (2, "")
        assert exports.stderr.startswith(f"apigwops: error: the sandbox process (pid {pid}) has exited")

        down = run_cli("sandbox", "down", env=env)
        assert down.exit_code == 0
        assert down.stderr.strip().splitlines() == [
            f"the sandbox process (pid {pid}) had already exited; killed what was left of its process group "
            f"(pid {moto}); removed its state file"
        ]
        assert wait_gone(moto)
        assert not (tmp_path / "sandbox.json").exists()
        gone = run_cli("sandbox", "status", env=env)
        assert gone.exit_code == 2
        again = run_cli("sandbox", "down", env=env)
        assert (again.exit_code, again.stderr.strip()) == (0, "no sandbox was running")
    finally:
        _kill_all(pid, moto)


def test_a_dead_sandbox_does_not_block_the_next_up(tmp_path: Path) -> None:
    env = {"APIGWOPS_HOME": str(tmp_path)}
    first = _up(env)["pid"]
    first_moto = moto_child(first)
    second = 0
    try:
        os.kill(first_moto, signal.SIGSTOP)
        os.kill(first, signal.SIGKILL)  # its lock file and state file stay behind
        assert wait_gone(first)
        assert (tmp_path / "sandbox.lock").exists()
        doc = _up(env)
        second = doc["pid"]
        assert second != first
        assert doc["running"] is True
        assert wait_gone(first_moto)  # `up` cleared what the dead one left
        assert run_cli("sandbox", "down", env=env).exit_code == 0
        assert not alive(second)
    finally:
        _kill_all(first, first_moto, second)


def test_two_ups_at_once_start_one_sandbox(tmp_path: Path) -> None:
    env = {**os.environ, "APIGWOPS_HOME": str(tmp_path)}
    exe = str(Path(sys.executable).with_name("apigwops"))
    procs = [
        subprocess.Popen(
            [exe, "-o", "json", "sandbox", "up"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    results = [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]
    started = [json.loads(out)["pid"] for code, out, _ in results if code == 0]
    try:
        assert sorted(code for code, _, _ in results) == [0, 2], results
        (winner,) = started
        _, out, err = next(r for r in results if r[0] == 2)
        assert out == ""
        assert err.strip().splitlines() == [
            f"apigwops: error: a sandbox is already running (pid {winner}); see 'apigwops sandbox status', "
            "or stop it with 'apigwops sandbox down'"
        ]
        code, doc = _status({"APIGWOPS_HOME": str(tmp_path)})
        assert (code, doc["pid"], doc["running"]) == (0, winner, True)
        down = run_cli("sandbox", "down", env={"APIGWOPS_HOME": str(tmp_path)})
        assert down.exit_code == 0
        assert not alive(winner)
    finally:
        for pid in started:
            if alive(pid):
                os.killpg(pid, signal.SIGKILL)
