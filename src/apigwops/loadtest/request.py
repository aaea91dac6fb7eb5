"""From command-line values to a checked `LoadtestRequest`: every input error surfaces here, before traffic.

Kept out of the CLI module so that the same validation serves library callers; it never imports Typer.
Order matters: malformed SLOs and flags fail first (exit 2, nothing started), AWS is asked only when
`--api/--stage` or `--tier` needs it.
"""

from __future__ import annotations

import os
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
)
from apigwops.loadtest.scenarios import resolve
from apigwops.loadtest.service import LoadtestRequest
from apigwops.loadtest.slo import parse_slos
from apigwops.loadtest.target import (
    Target,
    auth_headers,
    discover_routes,
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
    workers: int = 1
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
        ws_routes = [parse_ws_route(r) for r in flags.routes]
        return {
            "ws_routes": ws_routes,
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


def build_request(runtime: Runtime, flags: RunFlags) -> LoadtestRequest:
    slos = parse_slos(flags.slos)
    duration = parse_run_time(flags.run_time)
    limits = limits_from(flags)
    locustfile, scenario = resolve(flags.scenario)
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
    target = resolve_target(runtime, url=flags.url, api=flags.api, stage=flags.stage)
    if flags.tier:
        api_key = sandbox_key(flags.tier)
        headers["x-api-key"] = api_key
    if (
        not flags.routes
        and target.api_id
        and (scenario is None or scenario.name in ("smoke", "ramp", "soak"))
    ):
        routes, reason = discover_routes(runtime, target)
        if routes:
            runtime.progress.step(f"routes from the API: {', '.join(routes)}")
            flags.routes = routes
        else:
            runtime.progress.warn(f"could not list the API's routes ({reason}); using GET /")
    if websocket and not flags.routes and target.api_id and target.api_type == "WEBSOCKET":
        keys, reason = websocket_routes(runtime, target)
        if keys:
            runtime.progress.step(f"WebSocket routes from the API: {', '.join(keys)}")
            flags.routes = keys
        else:
            runtime.progress.warn(
                f"could not list the API's routes ({reason}); sending one ping per connection"
            )
    workers = flags.workers
    if scenario is not None and scenario.single_process and workers > 1:
        if flags.workers_given:
            runtime.progress.warn(
                f"{scenario.name} runs in one process (one clock, one key); ignoring --workers"
            )
        workers = 1
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
        params=_params(flags, throttle, duration, websocket),
        tls_verify=not flags.insecure,
        stop_timeout_s=min(5.0, max(1.0, duration / 10)),
        master_bind=flags.master_bind,
        expect_workers=flags.expect_workers,
        stage=target.stage,
    )
    check_guardrails(plan, limits, allow_prod=flags.allow_prod)
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
    )


def run_as_worker(flags: RunFlags, master_host: str | None) -> int:
    """`--worker --master-host H[:P]`: lend this machine to a remote master; it owns the run and the reports."""
    from apigwops.loadtest.runner import locust_env, run_worker, worker_command

    if not master_host:
        raise UsageError("--worker needs --master-host HOST[:PORT]")
    locustfile, scenario = resolve(flags.scenario)
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
