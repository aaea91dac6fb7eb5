"""The scenarios shipped in `loadtests/` and how a SCENARIO|LOCUSTFILE argument is found.

A name (`smoke`, `tier-limits`, ...) means a shipped locustfile, which imports the apigwops plugin itself; a
path means the user's own locustfile, to which the runner adds the plugin with `-f file.py,plugin.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from apigwops.errors import UsageError
from apigwops.resources import data_dir

PLUGIN_FILE = "apigwops_plugin.py"
LAUNCHER_FILE = "apigwops_locust.py"


@dataclass(frozen=True)
class Scenario:
    name: str
    filename: str
    summary: str
    single_process: bool = False  # its analysis needs one clock and one key: never split over workers
    check: str | None = None  # the analysis apigwops runs on its results ("throttle", "waf")


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("smoke", "smoke.py", "each route at a low rate; catches broken routes after a deploy"),
        Scenario("ramp", "ramp.py", "users in steps (a load shape) up to --users, to find the knee"),
        Scenario("soak", "soak.py", "steady moderate load for a long time; leaks and slow drift"),
        Scenario(
            "tier-limits",
            "tier_limits.py",
            "one API key driven above its usage plan's rate; 429s must begin near rate and burst",
            single_process=True,
            check="throttle",
        ),
        Scenario(
            "waf-probe",
            "waf_probe.py",
            "known-bad payloads (SQL injection, XSS, traversal); each must get 403 from WAF",
            single_process=True,
            check="waf",
        ),
        Scenario(
            "websocket", "websocket_roundtrip.py", "WebSocket connect, send, receive; latency of each step"
        ),
    )
}


def loadtests_dir() -> Path:
    return data_dir("loadtests")


def plugin_path() -> Path:
    return loadtests_dir() / PLUGIN_FILE


def launcher_path() -> Path:
    """The script that starts Locust for apigwops (no default config files, dies with its parent)."""
    return loadtests_dir() / LAUNCHER_FILE


def resolve(argument: str) -> tuple[Path, Scenario | None]:
    """The locustfile for a scenario name or a path; anything else is a usage error listing the names."""
    scenario = SCENARIOS.get(argument.strip().lower())
    if scenario is not None:
        path = loadtests_dir() / scenario.filename
        if not path.is_file():
            raise UsageError(f"shipped scenario {scenario.name!r} is missing ({path}); reinstall apigwops")
        return path, scenario
    path = Path(argument).expanduser()
    try:
        is_locustfile = path.is_file() and path.suffix == ".py"
    except OSError as exc:  # a name too long for the file system, a path through a file: not a locustfile
        raise UsageError(f"locustfile {argument[:80]!r} cannot be read: {exc.strerror or exc}") from None
    if is_locustfile:
        return path.resolve(), None
    if path.suffix == ".py" or "/" in argument:
        raise UsageError(f"locustfile not found: {argument}")
    raise UsageError(
        f"unknown scenario {argument!r}: choose one of {', '.join(SCENARIOS)} or give a locustfile path"
    )
