"""The runner as a library: the hard deadline stops Locust cleanly (final stats still written), and the
command line never carries secrets."""

from __future__ import annotations

import time
from pathlib import Path

from tests.functional.loadtest.servers import serve

from apigwops.loadtest.config import RunPlan
from apigwops.loadtest.runner import locust_command, locust_env, run_locust
from apigwops.loadtest.scenarios import resolve
from apigwops.loadtest.stats import parse_result


def _plan(url: str, **kw: object) -> RunPlan:
    locustfile, _ = resolve("smoke")
    values: dict = {"users": 2, "spawn_rate": 2.0, "duration_s": 60.0, "plugin_in_locustfile": True, **kw}
    return RunPlan(locustfile=locustfile, url=url, params={"routes": [["GET", "/t"]]}, **values)


def test_deadline_stops_the_run_and_keeps_the_numbers(tmp_path: Path) -> None:
    progress: list[dict] = []
    with serve() as (url, state):
        began = time.monotonic()
        outcome = run_locust(_plan(url, stop_timeout_s=1.0), tmp_path, progress.append, deadline_s=4)
        elapsed = time.monotonic() - began
        served = state.total
    assert outcome.timed_out
    assert not outcome.interrupted
    assert elapsed < 30  # a 60 s run, stopped at the 4 s deadline
    assert outcome.raw is not None
    assert parse_result(outcome.raw).whole.requests == served > 0
    assert outcome.html is not None
    assert progress
    assert progress[-1]["requests"] <= served


def test_secrets_travel_in_the_environment_only(tmp_path: Path) -> None:
    plan = _plan("http://127.0.0.1:9", headers={"x-api-key": "sekrit-key-1234"}, workers=2)
    argv = locust_command(plan, tmp_path)
    assert not any("sekrit" in arg for arg in argv)
    assert "--processes" in argv
    assert argv[argv.index("--master-bind-host") + 1] == "127.0.0.1"
    env = locust_env(plan, tmp_path / "r.json")
    assert "sekrit-key-1234" in env["APIGWOPS_LT_HEADERS"]
    assert env["APIGWOPS_LT_TLS_VERIFY"] == "1"
