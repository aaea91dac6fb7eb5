"""From command-line values to a checked `LoadtestRequest`: every input error surfaces here, before traffic.

Kept out of the CLI module so that the same validation serves library callers; it never imports Typer.
Order matters: Locust's own configuration is merged first (`locustconf.py`, below the command line and
`APIGWOPS_*`), then malformed SLOs and flags fail (exit 2, nothing started), AWS is asked only when
`--api/--stage` or `--tier` needs it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apigwops.errors import UsageError
from apigwops.loadtest.config import (
    DEFAULT_MAX_DURATION_S,
    DEFAULT_MAX_USERS,
    DEFAULT_PROD_PATTERN,
    Limits,
    RunPlan,
    check_guardrails,
    parse_run_time,
    usable_cores,
)
from apigwops.loadtest.locustconf import KEYS, OWN, LocustSetting, read_locust_config, split_values
from apigwops.loadtest.scenarios import resolve
from apigwops.loadtest.service import LoadtestRequest
from apigwops.loadtest.slo import parse_slos
from apigwops.loadtest.target import (
    Target,
    auth_headers,
    resolve_target,
    sandbox_key,
    usage_plan_throttle,
    websocket_routes,
)

if TYPE_CHECKING:
    from apigwops.runtime import Runtime

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass
class RunFlags:
    scenario: str = "smoke"
    url: str | None = None
    api: str | None = None
    stage: str | None = None
    users: int = 10
    spawn_rate: float | None = None
    run_time: str = "30s"
    workers: int | None = None  # None: the cores this process may use
    workers_given: bool = False
    slos: list[str] = field(default_factory=list)
    exclude_ramp: bool = False
    report_dir: Path | None = None
    api_key: str | None = None
    api_key_env: str | None = None
    token: str | None = None
    token_env: str | None = None
    headers: list[str] = field(default_factory=list)
    tier: str | None = None
    routes: list[str] = field(default_factory=list)
    expect_rate: float | None = None
    expect_burst: float | None = None
    insecure: bool = False
    allow_prod: bool = False
    prod_pattern: str | None = None
    max_users: int | None = None
    max_duration: str | None = None
    master_bind: str | None = None
    expect_workers: int = 1
    cloudwatch: bool = True
    locustfile: str | None = None  # Locust's -f, the same as the SCENARIO argument
    tags: list[str] = field(default_factory=list)
    exclude_tags: list[str] = field(default_factory=list)
    csv: str | None = None
    html: Path | None = None
    locust_config: bool = True  # read LOCUST_* and locust.conf (--no-locust-config: don't)
    sources: dict[str, str] = field(default_factory=dict)  # field -> where a non-default value came from
    token_in_query: bool = False  # websocket: the token as the `token` query parameter, not a header


def parse_route(text: str) -> list[str]:
    """'GET /users' -> ['GET', '/users']; a bare path means GET."""
    parts = text.split()
    if len(parts) == 1 and parts[0].startswith("/"):
        return ["GET", parts[0]]
    if len(parts) != 2 or parts[0].upper() not in METHODS or not parts[1].startswith("/"):
        raise UsageError(f"malformed --route {text!r}: expected 'METHOD /path', e.g. 'GET /users'")
    return [parts[0].upper(), parts[1]]


def limits_from(flags: RunFlags) -> Limits:
    max_duration = parse_run_time(flags.max_duration) if flags.max_duration else DEFAULT_MAX_DURATION_S
    return Limits(
        max_users=flags.max_users if flags.max_users is not None else DEFAULT_MAX_USERS,
        max_duration_s=max_duration,
        prod_pattern=flags.prod_pattern or DEFAULT_PROD_PATTERN,
    )


def _throttle(runtime: Runtime, flags: RunFlags, api_key: str | None, target: Target) -> tuple[float, float]:
    if flags.expect_rate is not None:
        if flags.expect_rate <= 0:
            raise UsageError(f"--expect-rate must be positive, got {flags.expect_rate:g}")
        return flags.expect_rate, flags.expect_burst if flags.expect_burst is not None else flags.expect_rate
    if api_key and (flags.tier or target.api_name):
        found = usage_plan_throttle(runtime, api_key)
        if found:
            return found
        raise UsageError("tier-limits: no usage plan with a throttle holds this API key")
    raise UsageError(
        "tier-limits needs the plan's limits: --expect-rate R [--expect-burst B], or --tier/--api-key with --api"
    )


def parse_ws_route(text: str) -> str:
    """A WebSocket route key as the API names it: `sendmessage`, `$default` (no spaces, no `$connect`)."""
    key = text.strip()
    if not key or any(c.isspace() for c in key) or key in ("$connect", "$disconnect"):
        raise UsageError(
            f"malformed --route {text!r} for the websocket scenario: a route key such as 'sendmessage' or "
            "'$default' ($connect and $disconnect are run by every connection)"
        )
    return key


def _params(
    flags: RunFlags, throttle: tuple[float, float] | None, duration_s: float, websocket: bool = False
) -> dict[str, Any]:
    """What the shipped scenarios read through `apigwops_plugin.params()`."""
    if websocket:
        return {
            "ws_routes": [parse_ws_route(r) for r in flags.routes],
            "token_in_query": flags.token_in_query,
            "users": flags.users,
            "duration_s": duration_s,
        }
    routes = [parse_route(r) for r in flags.routes] or [["GET", "/"]]
    params: dict[str, Any] = {"routes": routes, "users": flags.users, "duration_s": duration_s}
    if throttle is not None:
        rate, burst = throttle
        params.update(rate=rate, burst=burst, drive_rps=round(2 * rate + 1, 3))
    return params


_URL_VALUE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _convert(field_name: str, setting: LocustSetting) -> Any:
    """A Locust setting's text as the RunFlags field's type; a bad value names where it came from."""
    text = setting.value.strip()
    try:
        if field_name == "users":
            return int(text)
        if field_name == "spawn_rate":
            return float(text)
        if field_name == "workers":
            return None if int(text) == -1 else int(text)  # Locust's -1: every core
    except ValueError:
        raise UsageError(f"{setting.source}: {setting.key} = {text!r} is not a number") from None
    if field_name in ("tags", "exclude_tags"):
        return split_values(text)
    if field_name == "html":
        return Path(text)
    return text


def apply_locust_config(runtime: Runtime, flags: RunFlags) -> None:
    """Fill the settings nobody gave on the command line or as APIGWOPS_* from LOCUST_* and locust.conf, and
    say on stderr where every non-default setting came from."""
    if flags.locust_config:
        from_env, from_files = read_locust_config()
        given = set(flags.sources)  # the command line or APIGWOPS_* said so: that wins
        if "locustfile" in given:
            given.add("scenario")
        if flags.api:
            given.add("url")  # --api/--stage names the target: Locust's host must not compete with it
        ignored: list[str] = []
        for setting in [*from_files, *from_env]:  # later wins: environment over files
            name = KEYS.get(setting.key)
            if name is None:
                if setting.key not in OWN:
                    ignored.append(f"{setting.key} ({setting.source})")
                continue
            if name in given:
                continue
            setattr(flags, name, _convert(name, setting))
            flags.sources[name] = setting.source
            if name == "workers":
                flags.workers_given = flags.workers is not None
        if ignored:
            runtime.progress.warn(
                f"Locust settings apigwops has no equivalent for, ignored: {', '.join(ignored)}"
            )
    outside = {k: v for k, v in flags.sources.items() if v != "command line"}
    if outside:
        shown = "; ".join(f"{name} from {source}" for name, source in sorted(outside.items()))
        runtime.progress.step(f"settings not from the command line: {shown}")


def _split_host(flags: RunFlags) -> None:
    """Locust's `-H` is the host, curl's (and ours) a header: a value with a URL scheme is the host."""
    hosts = [h for h in flags.headers if _URL_VALUE.match(h.strip())]
    if not hosts:
        return
    flags.headers = [h for h in flags.headers if h not in hosts]
    if len(set(hosts)) > 1 or (flags.url and flags.url != hosts[0]):
        raise UsageError("give one target: -H/--host URL or --url URL, not two different ones")
    flags.url = hosts[0].strip()
    flags.sources["url"] = "command line"


def _pick_scenario(flags: RunFlags) -> str:
    scenario_given = flags.sources.get("scenario") == "command line"
    if flags.locustfile and scenario_given and flags.scenario != flags.locustfile:
        raise UsageError(
            f"give the scenario once: -f {flags.locustfile} or the argument {flags.scenario!r}, not both"
        )
    return flags.locustfile or flags.scenario


def check_report_dir(path: Path | None, flag: str = "--report-dir") -> None:
    """Create the directory now, so that an unwritable one is exit 2 before any traffic, not a lost run."""
    if path is None:
        return
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".apigwops-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write there ({exc.strerror or exc})") from None


def _workers(runtime: Runtime, flags: RunFlags, scenario_single: str | None) -> int:
    """Default: the usable cores; never more processes than users (the extra ones would send nothing)."""
    cores = usable_cores()
    workers = flags.workers if flags.workers is not None else cores
    if workers > cores and not flags.master_bind:
        source = flags.sources.get("workers", "command line")
        origin = "" if source == "command line" else f" (from {source})"
        raise UsageError(
            f"--workers {workers}{origin} is above the cap of {cores}, the cores apigwops may use here:"
            " more Locust processes than cores add no load",
            hint="spread a bigger run over machines with --master-bind and --worker",
        )
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    if scenario_single and workers > 1:
        if flags.workers_given:
            runtime.progress.warn(
                f"{scenario_single} runs in one process (one clock, one key); ignoring --workers"
            )
        return 1
    if workers > flags.users >= 1 and not flags.master_bind:
        if flags.workers_given:
            runtime.progress.warn(
                f"--workers {workers} is more than --users {flags.users}; using {flags.users}"
            )
        return flags.users
    return workers


def _choose_routes(runtime: Runtime, flags: RunFlags, target: Target) -> bool:
    """smoke/ramp/soak without --route: the stage's GET routes when they can be learned; True when the run
    falls back to the default `GET /` (the report then says whether API Gateway knew that route)."""
    from apigwops.loadtest.routes import learn_routes

    learned = learn_routes(runtime, target)
    if learned.routes:
        runtime.progress.step(f"routes from {learned.source}: {', '.join(learned.routes)}")
        flags.routes = learned.routes
        return False
    if target.api_id:
        runtime.progress.warn(f"could not list the API's routes ({learned.reason}); using GET /")
    else:
        runtime.progress.step(f"no --route and no routes to read ({learned.reason}): loading GET / only")
    return True


def build_request(runtime: Runtime, flags: RunFlags) -> LoadtestRequest:
    _split_host(flags)
    apply_locust_config(runtime, flags)
    slos = parse_slos(flags.slos)
    duration = parse_run_time(flags.run_time)
    limits = limits_from(flags)
    locustfile, scenario = resolve(_pick_scenario(flags))
    websocket = scenario is not None and scenario.name == "websocket"
    for route in flags.routes:
        (parse_ws_route if websocket else parse_route)(route)  # fail fast, before any AWS call
    if flags.token_in_query and not websocket:
        raise UsageError("--token-in-query is for the websocket scenario (browsers cannot set headers there)")
    if flags.tier and (flags.api_key or flags.api_key_env):
        raise UsageError("--tier picks the sandbox key for that tier; do not combine it with --api-key")
    headers, api_key = auth_headers(
        api_key=flags.api_key,
        api_key_env=flags.api_key_env,
        token=flags.token,
        token_env=flags.token_env,
        headers=flags.headers,
    )
    single = scenario.name if scenario is not None and scenario.single_process else None
    workers = _workers(runtime, flags, single)
    check_report_dir(flags.report_dir)
    if flags.html is not None:
        check_report_dir(flags.html.parent, "--html")
    target = resolve_target(runtime, url=flags.url, api=flags.api, stage=flags.stage)
    if flags.tier:
        api_key = sandbox_key(flags.tier)
        headers["x-api-key"] = api_key
    throttle = (
        _throttle(runtime, flags, api_key, target) if scenario and scenario.check == "throttle" else None
    )
    plan = RunPlan(
        locustfile=locustfile,
        url=target.url,
        users=flags.users,
        spawn_rate=flags.spawn_rate if flags.spawn_rate is not None else float(max(flags.users, 1)),
        duration_s=duration,
        workers=workers,
        scenario=scenario.name if scenario else None,
        plugin_in_locustfile=scenario is not None,
        headers=headers,
        params={},
        tls_verify=not flags.insecure,
        stop_timeout_s=min(5.0, max(1.0, duration / 10)),
        master_bind=flags.master_bind,
        expect_workers=flags.expect_workers,
        stage=target.stage,
        tags=tuple(flags.tags),
        exclude_tags=tuple(flags.exclude_tags),
        csv_prefix=flags.csv,
        sources=dict(flags.sources),
    )
    check_guardrails(plan, limits, allow_prod=flags.allow_prod)
    default_route = False
    if not flags.routes and (scenario is None or scenario.name in ("smoke", "ramp", "soak")):
        default_route = _choose_routes(runtime, flags, target) and scenario is not None
    if websocket and not flags.routes and target.api_id and target.api_type == "WEBSOCKET":
        keys, reason = websocket_routes(runtime, target)
        if keys:
            runtime.progress.step(f"WebSocket routes from the API: {', '.join(keys)}")
            flags.routes = keys
        else:
            runtime.progress.warn(
                f"could not list the API's routes ({reason}); sending one ping per connection"
            )
    plan.params = _params(flags, throttle, duration, websocket)
    if throttle and duration < throttle[1] / throttle[0] + 2:
        runtime.progress.warn(
            f"tier-limits: {duration:g}s is short for burst {throttle[1]:g} at {throttle[0]:g}/s; "
            "the throttle verdict will be weak"
        )
    return LoadtestRequest(
        plan=plan,
        slos=slos,
        exclude_ramp=flags.exclude_ramp,
        report_dir=flags.report_dir,
        scenario=scenario,
        throttle=throttle,
        target=target,
        cloudwatch=flags.cloudwatch,
        html=flags.html,
        default_route=default_route,
    )


def run_as_worker(flags: RunFlags, master_host: str | None) -> int:
    """`--worker --master-host H[:P]`: lend this machine to a remote master; it owns the run and the reports."""
    from apigwops.loadtest.runner import locust_env, run_worker, worker_command

    if not master_host:
        raise UsageError("--worker needs --master-host HOST[:PORT]")
    locustfile, scenario = resolve(_pick_scenario(flags))
    headers, _ = auth_headers(
        api_key=flags.api_key,
        api_key_env=flags.api_key_env,
        token=flags.token,
        token_env=flags.token_env,
        headers=flags.headers,
    )
    plan = RunPlan(
        locustfile=locustfile,
        url=flags.url or "",
        users=flags.users,
        spawn_rate=1,
        duration_s=1,
        headers=headers,
        params=_params(flags, None, 0.0, scenario is not None and scenario.name == "websocket"),
        tls_verify=not flags.insecure,
    )
    env = locust_env(plan, Path(os.devnull))
    return run_worker(worker_command(locustfile, scenario is not None, master_host), env)
