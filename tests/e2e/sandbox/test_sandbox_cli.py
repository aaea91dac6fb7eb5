"""`apigwops sandbox up|status|fault|down` through the installed console script: a detached background
process, a state file under APIGWOPS_HOME, faults changed at run time, and nothing left behind by `down`."""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.e2e.sandbox.procs import alive as _alive
from tests.e2e.sandbox.procs import children as _children
from tests.functional.sandbox.helpers import call

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-cli")]


def _websocket_stage_answers(doc: dict[str, Any], state: dict[str, Any]) -> None:
    """The background sandbox's WebSocket stage: listed like the others, and a real client with the token in the
    query string meets the sandbox's lambda-error fault as AWS answers it: the $connect function fails, so the
    handshake is answered 502 (C70)."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    ws = next(s for s in doc["stages"] if s["api_type"] == "WEBSOCKET")
    assert set(ws) == {"api_type", "api_name", "api_id", "stage", "url", "answering"}
    assert ws["url"].startswith("ws://127.0.0.1:")
    assert ws["url"].endswith("/prod")
    with pytest.raises(InvalidStatus) as refused:
        connect(ws["url"] + "?token=" + state["tokens"]["valid"], open_timeout=10)
    assert refused.value.response.status_code == 502
    assert json.loads(refused.value.response.body) == {"message": "Internal server error"}


def test_up_status_fault_down(tmp_path: Path) -> None:
    env = {"APIGWOPS_HOME": str(tmp_path)}
    up = run_cli("-o", "json", "sandbox", "up", "--fault", "lambda-error=1", env=env)
    pid = 0
    children: list[int] = []
    try:
        assert up.exit_code == 0, up.stderr
        doc = json.loads(up.stdout)
        pid = doc["pid"]
        assert _alive(pid)
        assert os.getpgid(pid) == pid  # its own process group
        children = _children(pid)
        assert len(children) == 1  # moto's server, in its own process
        assert "apigwops.sandbox.motochild" in Path(f"/proc/{children[0]}/cmdline").read_text()
        assert set(doc["api_keys"]) == {"free", "basic", "premium", "internal"}
        assert all(v.startswith("****") and len(v) == 8 for v in doc["api_keys"].values())
        assert {"valid", "expired"} <= set(doc["tokens"])
        assert doc["env"]["AWS_ENDPOINT_URL"] == doc["moto_endpoint"]
        state = json.loads((tmp_path / "sandbox.json").read_text())
        assert (tmp_path / "sandbox.json").stat().st_mode & 0o077 == 0
        rest = next(s for s in doc["stages"] if s["api_type"] == "REST")
        key = state["keys"]["internal"]
        assert call(rest["url"] + "/users", headers={"x-api-key": key}).status == 502
        _websocket_stage_answers(doc, state)

        status = run_cli("-o", "json", "sandbox", "status", "--show-secrets", env=env)
        assert status.exit_code == 0
        live = json.loads(status.stdout)
        assert live["api_keys"]["internal"] == key
        assert (live["running"], live["problems"]) == (True, [])
        assert live["processes"] == {
            "sandbox": {"pid": pid, "alive": True, "answering": True},
            "moto": {"pid": children[0], "alive": True, "answering": True},
        }
        assert [(s["api_type"], s["answering"]) for s in live["stages"]] == [
            ("REST", True),
            ("HTTP", True),
            ("WEBSOCKET", True),
        ]

        table = run_cli("-o", "table", "sandbox", "status", env=env)
        assert table.exit_code == 0
        assert f"export AWS_ENDPOINT_URL={doc['moto_endpoint']}" in table.stdout
        assert "key: free" in table.stdout
        assert key not in table.stdout  # abbreviated without --show-secrets

        exports = run_cli("sandbox", "status", "--env", env=env)
        assert exports.exit_code == 0
        lines = exports.stdout.strip().splitlines()
        assert all(line.startswith("export AWS_") for line in lines)
        assert f"export AWS_ENDPOINT_URL={doc['moto_endpoint']}" in lines

        changed = run_cli("sandbox", "fault", "--clear", "backend-5xx=1", env=env)
        assert changed.exit_code == 0, changed.stderr
        assert json.loads(changed.stdout) == {"backend-5xx": 1.0}
        reply = call(rest["url"] + "/users", headers={"x-api-key": key})
        assert (reply.status, reply.json) == (500, {"error": "internal error in user service"})
        # Faults changed through the control endpoint directly are what `status` reports.
        put = urllib.request.Request(
            doc["control_url"] + "/faults", data=b'{"cold-starts": 0.25}', method="PUT"
        )
        urllib.request.urlopen(put, timeout=5).close()
        live = run_cli("-o", "json", "sandbox", "status", env=env)
        assert json.loads(live.stdout)["faults"] == {"cold-starts": 0.25}

        # The AWS side is the sandbox's moto: plain AWS SDK calls with the printed environment.
        import boto3

        apig = boto3.client("apigateway", endpoint_url=doc["moto_endpoint"], region_name="us-east-1")
        assert rest["api_id"] in [a["id"] for a in apig.get_rest_apis()["items"]]

        again = run_cli("sandbox", "up", env=env)
        assert again.exit_code == 2
        assert "already running" in again.stderr
    finally:
        down = run_cli("sandbox", "down", env=env)
        if pid and _alive(pid):  # never leak a process, even when an assertion failed
            os.killpg(pid, signal.SIGKILL)
    assert down.exit_code == 0
    assert not _alive(pid)
    assert children
    assert not any(_alive(child) for child in children)
    assert not (tmp_path / "sandbox.json").exists()
    gone = run_cli("sandbox", "status", env=env)
    assert gone.exit_code == 2
    assert gone.stderr.strip().splitlines() == [
        "apigwops: error: no sandbox is running (start one with 'apigwops sandbox up')"
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["sandbox", "up", "--fault", "no-such-fault"],
        ["sandbox", "up", "--fault", "lambda-error=2"],
        ["sandbox", "up", "--time-scale", "0"],
        ["sandbox", "up", "--time-scale", "fast"],
        ["sandbox", "fault", "lambda-error=abc"],
        ["sandbox", "status", "--bogus"],
    ],
)
def test_bad_options_one_line_exit_2(args: list[str], tmp_path: Path) -> None:
    result = run_cli(*args, env={"APIGWOPS_HOME": str(tmp_path)})
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("apigwops: error:")
    assert result.stdout == ""
    assert not (tmp_path / "sandbox.json").exists()


def test_unwritable_home_and_fault_env_var_are_one_line_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_cli("sandbox", "up", env={"APIGWOPS_HOME": str(blocker / "home")})
    assert result.exit_code == 2
    assert (
        result.stderr.strip().splitlines()[-1].startswith("apigwops: error: cannot write the sandbox state")
    )
    result = run_cli(
        "sandbox", "up", env={"APIGWOPS_HOME": str(tmp_path), "APIGWOPS_SANDBOX_FAULTS": "nope=1"}
    )
    assert result.exit_code == 2
    assert "unknown fault 'nope'" in result.stderr


def test_down_without_sandbox_is_fine(tmp_path: Path) -> None:
    result = run_cli("sandbox", "down", env={"APIGWOPS_HOME": str(tmp_path)})
    assert result.exit_code == 0
    assert "no sandbox was running" in result.stderr
