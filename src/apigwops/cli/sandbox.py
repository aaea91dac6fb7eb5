"""`apigwops sandbox up|status|down|fault`: a local AWS account (moto) with stages that answer like API Gateway.

Thin shell: parsing and printing here; the background process, state file and control endpoint live in
`apigwops.sandbox`. Keys and tokens are shown abbreviated unless --show-secrets (sandbox-only secrets, but
the habit matters).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from apigwops.cli.context import make_runtime
from apigwops.render import Result, render
from apigwops.render.sandbox import FAULT_NAMES, FAULTS, STATUS

if TYPE_CHECKING:
    from apigwops.sandbox.health import SandboxHealth
    from apigwops.sandbox.state import SandboxState

app = typer.Typer(
    help="A local sandbox: moto's server provisioned like a real account, and stages that answer like "
    "API Gateway (with fault injection).",
    no_args_is_help=True,
)

FaultOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fault",
        "-f",
        help="Inject a fault: NAME[=RATE] (rate 0-1, default 1); repeat or comma-separate. "
        "'apigwops sandbox faults' lists them (env APIGWOPS_SANDBOX_FAULTS, space-separated).",
        envvar="APIGWOPS_SANDBOX_FAULTS",
    ),
]
ShowSecretsOpt = Annotated[
    bool,
    typer.Option("--show-secrets", help="Show API keys and tokens in full (default: last 4 characters)."),
]


def abbreviate(secret: str) -> str:
    """At most the last 4 characters of a secret."""
    return "****" + secret[-4:] if len(secret) > 4 else "****"


def status_document(state: SandboxState, health: SandboxHealth, *, show_secrets: bool) -> dict[str, Any]:
    """The JSON shape of `sandbox status` (also what `up` prints)."""
    shown = (lambda s: s) if show_secrets else abbreviate
    return {
        "running": health.running,
        "problems": health.problems(),
        "pid": state.pid,
        "processes": {p.name: p.to_dict() for p in (health.sandbox, health.moto)},
        "started_at": state.started_at,
        "region": state.region,
        "moto_endpoint": state.moto_endpoint,
        "stages": [
            {
                "api_type": s.api_type,
                "api_name": s.api_name,
                "api_id": s.api_id,
                "stage": s.stage,
                "url": s.url,
                "answering": health.stages.get(s.url, False),
            }
            for s in state.stages
        ],
        "websocket_management_url": state.websocket_management_url,
        "api_keys": {tier: shown(key) for tier, key in state.keys.items()},
        "tokens": {name: shown(tok) for name, tok in state.tokens.items()},
        "faults": state.faults if health.live_faults is None else health.live_faults,
        "time_scale": state.time_scale,
        "env": state.env(),
        "control_url": state.control_url,
        "log_file": state.log_file,
    }


@app.command("up")
def up(
    ctx: typer.Context,
    fault: FaultOpt = None,
    time_scale: Annotated[
        float,
        typer.Option(
            "--time-scale",
            help="Wall time per simulated second (0.01: a 29 s timeout takes 0.29 s; logs still read 29 s).",
            envvar="APIGWOPS_SANDBOX_TIME_SCALE",
        ),
    ] = 0.01,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Random seed, for repeatable traffic.", envvar="APIGWOPS_SANDBOX_SEED"),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the sandbox to start.")
    ] = 90.0,
    show_secrets: ShowSecretsOpt = False,
) -> None:
    """Start the sandbox in the background and print its stages, keys, tokens and environment."""
    from apigwops.errors import UsageError
    from apigwops.sandbox.daemon import claim_home, spawn
    from apigwops.sandbox.faults import parse_fault_specs
    from apigwops.sandbox.health import check_health

    rt = make_runtime(ctx, kind=STATUS)
    faults = parse_fault_specs(fault or [])
    if not 0 < time_scale <= 1:
        raise UsageError(f"--time-scale must be above 0 and at most 1, not {time_scale:g}")
    lock = claim_home()  # before any output: a second `up` says one line
    rt.progress.step("starting the sandbox (moto, provisioning, stages)...")
    state = spawn(lock, faults, time_scale=time_scale, seed=seed, timeout_s=timeout)
    rt.progress.step(f"sandbox running (pid {state.pid}); stop it with 'apigwops sandbox down'")
    render(rt, Result(STATUS, status_document(state, check_health(state), show_secrets=show_secrets)))


@app.command("status")
def status(
    ctx: typer.Context,
    show_secrets: ShowSecretsOpt = False,
    env: Annotated[
        bool,
        typer.Option(
            "--env",
            help="Print only 'export NAME=value' lines, for eval \"$(apigwops sandbox status --env)\".",
        ),
    ] = False,
) -> None:
    """Show the sandbox: whether its processes are alive and answering, stage URLs, one API key per tier,
    tokens, and the environment to use. Exit code 1 when it is recorded but not running."""
    import shlex

    from apigwops.errors import ExitCode, UsageError
    from apigwops.sandbox.daemon import running_state
    from apigwops.sandbox.health import check_health
    from apigwops.sandbox.state import load_state

    rt = make_runtime(ctx, kind=STATUS)
    state = load_state()
    if state is None:
        raise UsageError("no sandbox is running", hint="start one with 'apigwops sandbox up'")
    if env:
        if running_state() is None:
            raise UsageError(
                f"the sandbox process (pid {state.pid}) has exited",
                hint="clean up with 'apigwops sandbox down', then start one with 'apigwops sandbox up'",
            )
        for name, value in state.env().items():
            print(f"export {name}={shlex.quote(value)}")
        return
    health = check_health(state)
    render(rt, Result(STATUS, status_document(state, health, show_secrets=show_secrets)))
    if not health.running:
        rt.progress.warn("the sandbox is not running: " + "; ".join(health.problems()))
        rt.progress.step("'apigwops sandbox down' cleans up what is left of it")
        raise typer.Exit(ExitCode.FOUND)


@app.command("down")
def down(ctx: typer.Context) -> None:
    """Stop the sandbox; no process is left behind, also after it crashed."""
    from apigwops.sandbox.daemon import stop_running

    rt = make_runtime(ctx)
    shutdown = stop_running()
    rt.progress.step(shutdown.summary() if shutdown is not None else "no sandbox was running")


@app.command("fault")
def fault(
    ctx: typer.Context,
    specs: Annotated[list[str] | None, typer.Argument(help="NAME=RATE ... (rate 0 removes a fault).")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove every fault first.")] = False,
) -> None:
    """Change the faults of the running sandbox (without arguments: show them)."""
    import json
    import urllib.request

    from apigwops.errors import UsageError
    from apigwops.sandbox.daemon import running_state
    from apigwops.sandbox.faults import parse_fault_specs
    from apigwops.sandbox.state import save_state

    rt = make_runtime(ctx, kind=FAULTS)
    changes = parse_fault_specs(specs or [])
    state = running_state()
    if state is None:
        raise UsageError("no sandbox is running", hint="start one with 'apigwops sandbox up'")
    faults = {} if clear else dict(state.faults)
    faults.update(changes)
    faults = {k: v for k, v in faults.items() if v > 0}
    if specs or clear:
        request = urllib.request.Request(
            state.control_url + "/faults",
            data=json.dumps(faults).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            faults = json.loads(resp.read())
        state.faults = faults
        save_state(state)
    render(rt, Result(FAULTS, faults))


@app.command("faults")
def list_faults(ctx: typer.Context) -> None:
    """List the fault names and what each one does."""
    from apigwops.sandbox.faults import FAULTS as DESCRIPTIONS

    rt = make_runtime(ctx, kind=FAULT_NAMES)
    render(rt, Result(FAULT_NAMES, dict(DESCRIPTIONS)))
