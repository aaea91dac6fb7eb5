"""`apigwops loadtest run|check|scenarios`: Locust against a stage, with SLO gates a pipeline can trust.

Thin shell: parse flags, build a `LoadtestRequest`, call `apigwops.loadtest.service`, render, map to an exit
code (0 passed, 1 a gate failed, 2 bad input, 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP). Locust itself only ever
runs in a subprocess. Locust's own option names are aliases where they mean the same (-f, -H/--host, --csv,
--html, -T/--tags, -E/--exclude-tags, --processes); its config files and LOCUST_* variables are merged by the
library (`apigwops.loadtest.locustconf`), below what the command line and APIGWOPS_* say.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer._click.core import ParameterSource

from apigwops.cli.context import make_runtime
from apigwops.cli.options import OptionalApiOpt, OptionalStageOpt
from apigwops.render.loadtest import LOADTEST

if TYPE_CHECKING:
    from apigwops.loadtest.result import LoadtestReport
    from apigwops.runtime import Runtime

app = typer.Typer(
    help="Load-test a stage with Locust (in a subprocess) and gate on SLOs: p95<300ms, error_rate<1%, rps>50.",
    no_args_is_help=True,
)

SloOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--slo",
        help="Gate, repeatable: 'p50|p90|p95|p99 < N ms' (k6's 'p(95)<300' too), 'error_rate < N%', "
        "'status_429 < N%', 'rps > N'. Without any, the run fails when a request fails or none succeeds.",
        envvar="APIGWOPS_SLO",
    ),
]
# RunFlags fields Locust's configuration may set, and the CLI parameter behind each.
_LOCUST_SETTABLE = {
    "scenario": "scenario",
    "url": "url",
    "users": "users",
    "spawn_rate": "spawn_rate",
    "run_time": "run_time",
    "workers": "workers",
    "tags": "tags",
    "exclude_tags": "exclude_tags",
    "csv": "csv",
    "html": "html",
    "locustfile": "locustfile",
    "stage": "stage",
}
ExcludeRampOpt = Annotated[
    bool, typer.Option("--exclude-ramp", help="Judge the steady state only (after all users have started).")
]


@app.command("run")
def run_command(
    ctx: typer.Context,
    scenario: Annotated[
        str,
        typer.Argument(
            help="Shipped scenario (smoke, ramp, soak, tier-limits, waf-probe, websocket) or a locustfile path."
        ),
    ] = "smoke",
    locustfile: Annotated[
        str | None,
        typer.Option("--locustfile", "-f", help="Locust's name for the SCENARIO|LOCUSTFILE argument."),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            "--host",
            help="Base URL to load (instead of --api/--stage); --host and -H URL are Locust's names for it."
            " With --stage, says which stage the URL serves (for the production guardrail).",
            envvar="APIGWOPS_URL",
        ),
    ] = None,
    api: OptionalApiOpt = None,
    stage: OptionalStageOpt = None,
    users: Annotated[
        int, typer.Option("--users", "-u", help="Concurrent users.", envvar="APIGWOPS_USERS")
    ] = 10,
    spawn_rate: Annotated[
        float | None,
        typer.Option("--spawn-rate", "-r", help="Users started per second (default: all within 1 s)."),
    ] = None,
    run_time: Annotated[
        str,
        typer.Option(
            "--run-time", "-t", help="Duration: 30s, 5m, 1h. Every run has one.", envvar="APIGWOPS_RUN_TIME"
        ),
    ] = "30s",
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "--processes",
            help="Local Locust processes (default and hard cap: the cores apigwops may use; never more than"
            " --users). --processes is Locust's name.",
            envvar="APIGWOPS_WORKERS",
        ),
    ] = None,
    slo: SloOpt = None,
    exclude_ramp: ExcludeRampOpt = False,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report-dir",
            help="Write summary.json, junit.xml, summary.md, locust.html, timeseries.png here.",
        ),
    ] = None,
    csv: Annotated[
        str | None,
        typer.Option("--csv", help="Locust's --csv PREFIX: also write Locust's own CSV stats files."),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Locust's --html FILE: also write Locust's HTML report here."),
    ] = None,
    tags: Annotated[
        list[str] | None,
        typer.Option("--tags", "-T", help="Locust's -T: run only tasks with these tags (repeatable)."),
    ] = None,
    exclude_tags: Annotated[
        list[str] | None,
        typer.Option("--exclude-tags", "-E", help="Locust's -E: skip tasks with these tags (repeatable)."),
    ] = None,
    no_locust_config: Annotated[
        bool,
        typer.Option(
            "--no-locust-config",
            help="Ignore locust.conf, ~/.locust.conf, pyproject.toml [tool.locust] and LOCUST_* variables"
            " (by default they fill what the command line and APIGWOPS_* leave unset).",
        ),
    ] = False,
    api_key: Annotated[str | None, typer.Option("--api-key", help="API key (sent as x-api-key).")] = None,
    api_key_env: Annotated[
        str | None, typer.Option("--api-key-env", help="Name of an environment variable holding the API key.")
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="Bearer token (JWT) for an authorizer.")
    ] = None,
    token_env: Annotated[
        str | None,
        typer.Option("--token-env", help="Name of an environment variable holding the bearer token."),
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header",
            "-H",
            help="Extra header 'Name: value' (repeatable). -H with a URL is Locust's -H/--host.",
        ),
    ] = None,
    tier: Annotated[
        str | None,
        typer.Option(
            "--tier", help="Sandbox only: use this usage-plan tier's API key (free|basic|premium|internal)."
        ),
    ] = None,
    route: Annotated[
        list[str] | None,
        typer.Option(
            "--route",
            help="Route for smoke/ramp/soak, repeatable: 'GET /users'; websocket: a route key ('sendmessage').",
        ),
    ] = None,
    token_in_query: Annotated[
        bool,
        typer.Option(
            "--token-in-query", help="websocket: send the token as the 'token' query parameter, not a header."
        ),
    ] = False,
    expect_rate: Annotated[
        float | None, typer.Option("--expect-rate", help="tier-limits: the usage plan's rate (requests/s).")
    ] = None,
    expect_burst: Annotated[
        float | None, typer.Option("--expect-burst", help="tier-limits: the usage plan's burst.")
    ] = None,
    insecure: Annotated[bool, typer.Option("--insecure", help="Do not verify TLS certificates.")] = False,
    allow_prod: Annotated[
        bool,
        typer.Option(
            "--allow-prod",
            help="Allow a stage whose name matches --prod-pattern (judged wherever it appears in the URL).",
        ),
    ] = False,
    prod_pattern: Annotated[
        str | None,
        typer.Option(
            "--prod-pattern", help="Regex for production-looking stage names.", envvar="APIGWOPS_PROD_PATTERN"
        ),
    ] = None,
    max_users: Annotated[
        int | None,
        typer.Option("--max-users", help="Cap on --users (default 1000).", envvar="APIGWOPS_MAX_USERS"),
    ] = None,
    max_duration: Annotated[
        str | None,
        typer.Option(
            "--max-duration", help="Cap on --run-time (default 1h).", envvar="APIGWOPS_MAX_DURATION"
        ),
    ] = None,
    master_bind: Annotated[
        str | None,
        typer.Option(
            "--master-bind", help="Run as Locust master on HOST:PORT for remote workers (--worker)."
        ),
    ] = None,
    expect_workers: Annotated[
        int, typer.Option("--expect-workers", help="With --master-bind: workers to wait for.")
    ] = 1,
    worker: Annotated[
        bool, typer.Option("--worker", help="Run as a worker for a remote --master-bind.")
    ] = False,
    master_host: Annotated[
        str | None, typer.Option("--master-host", help="With --worker: the master's HOST[:PORT].")
    ] = None,
    no_cloudwatch: Annotated[
        bool,
        typer.Option("--no-cloudwatch", help="Do not read the stage's CloudWatch metrics after the run."),
    ] = False,
) -> int:
    """Run a load test; exit 0 when every SLO holds (without SLOs: no request failed), 1 when one fails, 2 on
    bad input, 130 on Ctrl-C, 143 on SIGTERM, 129 on SIGHUP (the partial report is written for all three)."""
    from apigwops.loadtest.request import RunFlags, build_request, run_as_worker

    runtime = make_runtime(ctx, kind=LOADTEST)
    flags = RunFlags(
        scenario=scenario, url=url, api=api, stage=stage, users=users, spawn_rate=spawn_rate,
        run_time=run_time, workers=workers, locustfile=locustfile,
        slos=slo or [], exclude_ramp=exclude_ramp, report_dir=report_dir, api_key=api_key,
        api_key_env=api_key_env, token=token, token_env=token_env, headers=header or [], tier=tier,
        routes=route or [], expect_rate=expect_rate, expect_burst=expect_burst, insecure=insecure,
        allow_prod=allow_prod, prod_pattern=prod_pattern, max_users=max_users, max_duration=max_duration,
        master_bind=master_bind, expect_workers=expect_workers, cloudwatch=not no_cloudwatch,
        workers_given=workers is not None, tags=tags or [], exclude_tags=exclude_tags or [], csv=csv,
        html=html, locust_config=not no_locust_config, sources=_sources(ctx), token_in_query=token_in_query,
    )  # fmt: skip
    if worker:
        return run_as_worker(flags, master_host)
    from apigwops.loadtest.service import run_loadtest

    report = run_loadtest(runtime, build_request(runtime, flags))
    _render(runtime, report)
    _step_summary(report)
    return _exit_code(report)


@app.command("check")
def check_command(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="The --report-dir of an earlier run (or its summary.json).")
    ],
    slo: SloOpt = None,
    exclude_ramp: ExcludeRampOpt = False,
    write: Annotated[
        bool,
        typer.Option("--write", help="Rewrite summary.json, junit.xml and summary.md with the new verdict."),
    ] = False,
    cloudwatch: Annotated[
        bool,
        typer.Option("--cloudwatch", help="Read the stage's CloudWatch metrics for the run window (again)."),
    ] = False,
) -> int:
    """Judge a saved run again with other SLOs; same exit codes as run."""
    from apigwops.loadtest.service import check_saved
    from apigwops.loadtest.slo import parse_slos

    runtime = make_runtime(ctx, kind=LOADTEST)
    report = check_saved(
        directory,
        parse_slos(slo or []),
        exclude_ramp=exclude_ramp,
        rewrite=write,
        runtime=runtime if cloudwatch else None,
    )
    _render(runtime, report)
    _step_summary(report)
    return _exit_code(report)


@app.command("scenarios")
def scenarios_command(ctx: typer.Context) -> None:
    """List the shipped scenarios."""
    from apigwops.loadtest.scenarios import SCENARIOS
    from apigwops.render import Result, render
    from apigwops.render.loadtest import SCENARIOS as KIND

    runtime = make_runtime(ctx, kind=KIND)
    render(runtime, Result(KIND, [{"name": i.name, "summary": i.summary} for i in SCENARIOS.values()]))


def _sources(ctx: typer.Context) -> dict[str, str]:
    """Where each Locust-settable value came from, when not the default: the command line or its APIGWOPS_*."""
    found = {}
    for field_name, param in _LOCUST_SETTABLE.items():
        source = ctx.get_parameter_source(param)
        if source is ParameterSource.COMMANDLINE:
            found[field_name] = "command line"
        elif source is ParameterSource.ENVIRONMENT:
            option = next((p for p in ctx.command.params if p.name == param), None)
            envvar = getattr(option, "envvar", None)
            found[field_name] = str(envvar or "environment")
    return found


def _step_summary(report: LoadtestReport) -> None:
    """In GitHub Actions, append the markdown summary to the job's step summary (as CI users would by hand)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from apigwops.loadtest.reports.markdown import markdown_summary

    with open(target, "a", encoding="utf-8") as handle:
        handle.write(markdown_summary(report) + "\n")


_SIGNAL_EXIT = {"SIGTERM": 128 + 15, "SIGHUP": 128 + 1}  # as a shell reports a process ended by the signal


def _exit_code(report: LoadtestReport) -> int:
    from apigwops.errors import ExitCode

    if report.interrupted:
        return _SIGNAL_EXIT.get(report.signal or "", ExitCode.INTERRUPTED)
    return ExitCode.OK if report.passed else ExitCode.FOUND


def _render(runtime: Runtime, report: LoadtestReport) -> None:
    from apigwops.render import Result, render

    render(runtime, Result(LOADTEST, report.to_dict(), report))
