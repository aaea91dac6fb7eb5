"""Is a background sandbox really there? Its processes alive, and each part answering HTTP.

`sandbox status` reports this instead of trusting the state file: the sandbox process and moto's process are
checked by pid (and that the pid still runs our module, `processes.py`), then probed over HTTP with a short
timeout, all at once: the control endpoint (`GET /faults`, which also gives the live faults), each stage's probe
path (answered by the stage server itself, outside the stage, so a probe is never logged or counted as API
traffic, `server.py`), and moto (`HEAD /moto-api/`). A process that is gone is not probed: its port may belong
to someone else by now.
"""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from apigwops.sandbox.constants import PROBE_PATH
from apigwops.sandbox.processes import MOTO_MODULE, SANDBOX_MODULE, runs_module
from apigwops.sandbox.state import SandboxState

PROBE_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class ProcessHealth:
    """One process of the sandbox: `alive` by its pid, `answering` by an HTTP probe."""

    name: str
    pid: int
    alive: bool
    answering: bool

    def to_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "alive": self.alive, "answering": self.answering}


@dataclass(frozen=True)
class SandboxHealth:
    sandbox: ProcessHealth
    moto: ProcessHealth
    stages: dict[str, bool]  # stage base URL -> its probe answered
    live_faults: dict[str, float] | None  # what the control endpoint says now; None if it did not answer

    @property
    def running(self) -> bool:
        """Both processes alive and every part answering: the sandbox can be used."""
        parts = (self.sandbox, self.moto)
        return all(p.alive and p.answering for p in parts) and all(self.stages.values())

    def problems(self) -> list[str]:
        """What is wrong, one sentence each (empty when running)."""
        found = []
        for part, what in ((self.sandbox, "the sandbox process"), (self.moto, "moto's process")):
            if not part.alive:
                found.append(f"{what} (pid {part.pid}) has exited")
            elif not part.answering:
                found.append(f"{what} (pid {part.pid}) does not answer")
        if self.sandbox.alive:
            found += [f"the stage {url} does not answer" for url, ok in self.stages.items() if not ok]
        return found


def check_health(state: SandboxState, timeout_s: float = PROBE_TIMEOUT_S) -> SandboxHealth:
    """Check the processes recorded in `state`, probing what is alive concurrently."""
    sandbox_alive = runs_module(state.pid, SANDBOX_MODULE)
    # A state file written before moto's pid was recorded has none: moto is then judged by its probe alone.
    moto_alive = runs_module(state.moto_pid, MOTO_MODULE) if state.moto_pid else sandbox_alive
    stage_urls = [s.url for s in state.stages]
    with ThreadPoolExecutor(max_workers=4) as pool:
        control = pool.submit(_get_json, state.control_url + "/faults", timeout_s) if sandbox_alive else None
        moto = (
            pool.submit(_answers, state.moto_endpoint + "/moto-api/", "HEAD", timeout_s)
            if moto_alive
            else None
        )
        stages = {
            url: pool.submit(_answers, probe_url(url), "GET", timeout_s)
            for url in stage_urls
            if sandbox_alive
        }
        faults = control.result() if control is not None else None
        moto_answers = moto.result() if moto is not None else False
        stage_answers = {url: (stages[url].result() if url in stages else False) for url in stage_urls}
    return SandboxHealth(
        sandbox=ProcessHealth("sandbox", state.pid, sandbox_alive, faults is not None),
        moto=ProcessHealth(
            "moto", state.moto_pid, moto_alive if state.moto_pid else moto_answers, moto_answers
        ),
        stages=stage_answers,
        live_faults=faults,
    )


def probe_url(stage_url: str) -> str:
    """The probe URL of the stage server behind `stage_url` (http://127.0.0.1:PORT/prod, or ws:// for the
    WebSocket stage, whose server answers the probe over plain HTTP before any upgrade)."""
    parts = urlsplit(stage_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}{PROBE_PATH}"


def _answers(url: str, method: str, timeout_s: float) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=timeout_s) as resp:
            return 200 <= int(resp.status) < 300
    except (OSError, ValueError):
        return False


def _get_json(url: str, timeout_s: float) -> dict[str, float] | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            data = json.loads(resp.read())
    except (OSError, ValueError):
        return None
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else None
