"""`apigwops status`: every API stage of the region(s) on one screen, worst first, with the alarms in ALARM.

Thin: parse, build the Runtime, call `apigwops.status.read.read_status`, render. `--watch` redraws in place
(rich Live) until Ctrl-C, which ends it normally (exit 0). `--alarms` adds the seed's recommended alarms that
each stage is missing, as `aws cloudwatch put-metric-alarm` commands (with `-o yaml`: a CloudFormation
template); apigwops never creates them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from apigwops.cli.options import AlarmLevelOpt

if TYPE_CHECKING:
    from apigwops.diagnose.severity import AlarmLevels
    from apigwops.runtime import Runtime
    from apigwops.status.model import StatusReport


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status_command(
        ctx: typer.Context,
        since: Annotated[
            str,
            typer.Option("--since", help="Window back from now: 15m, 1h, 1h30m.", envvar="APIGWOPS_SINCE"),
        ] = "15m",
        regions: Annotated[
            list[str] | None,
            typer.Option(
                "--region",
                metavar="REGION",
                help="Region to read; repeat for several (read in parallel). Default: the global region.",
            ),
        ] = None,
        watch: Annotated[
            bool, typer.Option("--watch", help="Refresh in place until Ctrl-C (terminal only).")
        ] = False,
        interval: Annotated[
            float, typer.Option("--interval", help="Seconds between refreshes with --watch.", min=5)
        ] = 30.0,
        api: Annotated[
            str | None, typer.Option("--api", help="Only this API (name or id).", envvar="APIGWOPS_API")
        ] = None,
        stage: Annotated[
            str | None, typer.Option("--stage", help="Only stages with this name.", envvar="APIGWOPS_STAGE")
        ] = None,
        alarms: Annotated[
            bool,
            typer.Option(
                "--alarms",
                help="Also list the seed's recommended alarms each stage lacks, as put-metric-alarm commands "
                "(-o yaml: a CloudFormation template). Nothing is created.",
            ),
        ] = False,
        alarm_level: AlarmLevelOpt = None,
    ) -> None:
        """Every REST, HTTP and WebSocket stage: requests, 4xx/5xx rates, p99 latency, alarms firing; worst first.

        Metrics come from batched GetMetricData calls (500 queries each), not one call per API. Prints the exact
        'apigwops diagnose' command for the worst stage. Exit 0 when it ran.
        """
        from functools import partial

        from apigwops.cli.context import make_runtime
        from apigwops.diagnose.alarm_levels import resolve_alarm_levels
        from apigwops.render.registry import Result, render
        from apigwops.render.status import STATUS, STATUS_ALARMS, require_live_table
        from apigwops.timewindow import parse_duration

        levels = resolve_alarm_levels(alarm_level or [])  # a bad level fails before any AWS call
        runtime = make_runtime(ctx, kind=STATUS_ALARMS if alarms else STATUS)
        length = parse_duration(since)
        read = partial(
            _read, runtime, since, length.total_seconds(), regions or [], alarms, api, stage, levels
        )
        if watch:
            require_live_table(runtime)
            _watch(runtime, read, interval)
            return
        report = read()
        render(runtime, Result(STATUS_ALARMS if alarms else STATUS, report.as_json(), report))


def _read(
    runtime: Runtime,
    since: str,
    seconds: float,
    regions: list[str],
    alarms: bool,
    api: str | None = None,
    stage: str | None = None,
    levels: AlarmLevels | None = None,
) -> StatusReport:
    from datetime import timedelta

    from apigwops.status.read import read_status
    from apigwops.timewindow import Window

    now = runtime.clock()
    window = Window((now - timedelta(seconds=seconds)).replace(second=0, microsecond=0), now)
    runtime.progress.step(f"reading every API stage in {', '.join(regions) or runtime.aws.region}")
    return read_status(
        runtime.aws, window, since, regions=regions, with_coverage=alarms, api=api, stage=stage, levels=levels
    )


def _watch(runtime: Runtime, read: Any, interval: float) -> None:
    from rich.live import Live

    from apigwops.render.status import status_table

    console = runtime.out
    try:
        with Live(status_table(read().as_json()), console=console, screen=False, auto_refresh=False) as live:
            while True:
                runtime.sleep(interval)
                live.update(status_table(read().as_json()), refresh=True)
    except KeyboardInterrupt:
        return
