"""Ctrl-C during collection answers at once: calls in flight are abandoned, not waited for (issue 13).

A source that blocks until the test releases it stands for a 20 s AWS call. Before the fix the collector
joined its workers after Ctrl-C (and the interpreter joined them again at exit), so the interrupt came only
when the call ended; here the call never ends unless the collector has already given up on it, which makes
the tests deterministic instead of timed.
"""

from __future__ import annotations

import _thread
import os
import signal
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest
from tests.functional.evidence.test_collect import API, _window

from apigwops.evidence import sources
from apigwops.evidence.collect import gather
from apigwops.model import ApiConfig, StageConfig
from apigwops.runtime import Runtime


def test_ctrl_c_abandons_a_call_in_flight(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    started, release = threading.Event(), threading.Event()
    workers: list[threading.Thread] = []

    def hanging(ctx: Any) -> Any:
        workers.append(threading.current_thread())
        started.set()
        release.wait(120)
        raise RuntimeError("released")

    monkeypatch.setattr(sources, "metrics", hanging)

    def press_ctrl_c() -> None:
        if started.wait(60):
            _thread.interrupt_main()

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            gather(runtime, API, ApiConfig(stage=StageConfig(name="prod")), _window())
        assert not release.is_set()
        assert workers[0].is_alive()  # still in its "call": the interrupt did not wait for it
        assert workers[0].daemon  # and it cannot hold up the exit of the process
    finally:
        release.set()


CHILD = textwrap.dedent(
    """
    import sys, threading
    from datetime import UTC, datetime, timedelta
    from apigwops.aws.session import AwsContext
    from apigwops.aws.settings import AwsSettings
    from apigwops.evidence import sources
    from apigwops.evidence.collect import gather
    from apigwops.model import ApiConfig, ApiInfo, StageConfig
    from apigwops.progress import NullProgress
    from apigwops.runtime import Runtime
    from apigwops.timewindow import Window

    def hanging(ctx):
        print("in flight", flush=True)
        threading.Event().wait()  # a call that never answers

    sources.metrics = hanging
    runtime = Runtime(aws=AwsContext(AwsSettings(region="us-east-1", endpoint_url=sys.argv[1])),
                      progress=NullProgress())
    end = datetime.now(UTC)
    api = ApiInfo(id="a1b2c3", name="user-api", type="REST", stage="prod", region="us-east-1")
    try:
        gather(runtime, api, ApiConfig(stage=StageConfig(name="prod")), Window(end - timedelta(minutes=5), end))
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    """
)


def test_the_process_exits_130_while_a_call_hangs(moto_endpoint: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, moto_endpoint],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "in flight"
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)  # without the fix: never (the call never answers)
    finally:
        proc.kill()
    assert code == 130, proc.stderr.read() if proc.stderr else ""
