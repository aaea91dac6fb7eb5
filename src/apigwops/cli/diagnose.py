"""`apigwops diagnose`: collect evidence for one stage and window, run the playbooks, print ranked findings.

Thin on purpose: parse, build the Runtime, collect (or read a bundle), call `apigwops.diagnose.engine.diagnose`,
render, exit 0 or 1 by `--fail-on`. The token given with --token is only passed to the local check; it is never
printed, logged or saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from apigwops.cli.options import AlarmLevelOpt, EndOpt, OptionalApiOpt, OptionalStageOpt, SinceOpt, StartOpt

if TYPE_CHECKING:
    from apigwops.model import Evidence
    from apigwops.runtime import Runtime

DIAGNOSIS = "diagnose"  # the result kind its renderers are registered under (apigwops.render)


def register(app: typer.Typer) -> None:
    @app.command("diagnose")
    def diagnose_command(
        ctx: typer.Context,
        symptom: Annotated[
            str,
            typer.Argument(
                metavar="[SYMPTOM]",
                help="auto (triage), 401, 403, 429, 5xx, 502, 504 or latency; WebSocket stages: connect, message, disconnect.",
                show_default=True,
            ),
        ] = "auto",
        api: OptionalApiOpt = None,
        stage: OptionalStageOpt = None,
        since: SinceOpt = None,
        start: StartOpt = None,
        end: EndOpt = None,
        route: Annotated[
            str | None, typer.Option("--route", help="Only this route, e.g. 'GET /orders/{id}'.")
        ] = None,
        token: Annotated[
            str | None,
            typer.Option(
                "--token", help="A failing JWT to check locally against the authorizer (never printed)."
            ),
        ] = None,
        playbooks: Annotated[
            list[Path] | None,
            typer.Option(
                "--playbooks", metavar="DIR", help="Directory (or file) of your own playbooks; repeatable."
            ),
        ] = None,
        bundle: Annotated[
            Path | None,
            typer.Option("--bundle", metavar="DIR", help="Diagnose a saved evidence bundle (no AWS access)."),
        ] = None,
        logs_engine: Annotated[
            str,
            typer.Option("--logs-engine", help="auto, insights (Logs Insights) or scan (FilterLogEvents)."),
        ] = "auto",
        fail_on: Annotated[
            str,
            typer.Option(
                "--fail-on",
                help="Lowest severity that makes the exit code 1: info, low, medium, high, critical.",
            ),
        ] = "medium",
        latency_threshold_ms: Annotated[
            float | None,
            typer.Option(
                "--latency-threshold-ms",
                help="A request at or above this is slow (default: 3x the 10th percentile of successful requests, >= 500).",
                min=1,
            ),
        ] = None,
        report_file: Annotated[
            Path | None,
            typer.Option(
                "--report", metavar="FILE", help="Also write a self-contained HTML incident report here."
            ),
        ] = None,
        alarm: Annotated[
            str | None,
            typer.Option(
                "--alarm",
                metavar="NAME_OR_ARN",
                help="Start from a CloudWatch alarm: API, stage, symptom and window come from the alarm and its "
                "state history (--api/--stage/--since/SYMPTOM still win when given).",
            ),
        ] = None,
        alarm_level: AlarmLevelOpt = None,
    ) -> None:
        """Find why a stage fails or is slow: ranked causes with evidence and the fix.

        Start from the stage (--api, --stage, --since) or from the CloudWatch alarm that paged you (--alarm).

        Exit codes: 0 nothing at or above --fail-on, 1 a finding at or above it, 2 bad input.
        """
        _run(
            ctx,
            symptom=symptom,
            api=api,
            stage=stage,
            since=since,
            start=start,
            end=end,
            route=route,
            token=token,
            playbook_dirs=playbooks or [],
            bundle=bundle,
            logs_engine=logs_engine,
            fail_on=fail_on,
            latency_threshold_ms=latency_threshold_ms,
            report_file=report_file,
            alarm_level=alarm_level or [],
            alarm=alarm,
        )


def _choice(name: str, value: str, choices: Iterable[str]) -> str:
    from apigwops.errors import UsageError

    lowered = value.lower()
    if lowered not in choices:
        raise UsageError(f"{name} {value!r} is not one of: {', '.join(choices)}")
    return lowered


def _run(
    ctx: typer.Context,
    *,
    symptom: str,
    api: str | None,
    stage: str | None,
    since: str | None,
    start: str | None,
    end: str | None,
    route: str | None,
    token: str | None,
    playbook_dirs: list[Path],
    bundle: Path | None,
    logs_engine: str,
    fail_on: str,
    latency_threshold_ms: float | None,
    report_file: Path | None,
    alarm_level: list[str],
    alarm: str | None = None,
) -> None:
    from apigwops.cli.context import make_runtime
    from apigwops.diagnose.alarm_levels import resolve_alarm_levels
    from apigwops.diagnose.engine import diagnose
    from apigwops.diagnose.loader import load_playbooks
    from apigwops.diagnose.schema import SEVERITY_ORDER
    from apigwops.diagnose.vocabulary import CLI_SYMPTOMS
    from apigwops.errors import UsageError
    from apigwops.evidence.logs import ENGINE_CHOICES
    from apigwops.timewindow import resolve_window

    symptom = _choice("SYMPTOM", symptom, CLI_SYMPTOMS)
    fail_on = _choice("--fail-on", fail_on, SEVERITY_ORDER)
    logs_engine = _choice("--logs-engine", logs_engine, ENGINE_CHOICES)
    levels = resolve_alarm_levels(alarm_level)  # a bad level fails before any AWS call
    runtime = make_runtime(ctx, kind=DIAGNOSIS)
    books = load_playbooks(playbook_dirs)  # a malformed playbook fails before any AWS call
    target = None
    if alarm is not None:
        if bundle is not None:
            raise UsageError("--alarm reads a live alarm; it cannot be combined with --bundle")
        from apigwops.alarms.entry import from_alarm

        runtime, target, symptom = from_alarm(runtime, alarm, api, stage, since, start, end, symptom)
        api, stage = target.api, target.stage
    if bundle is not None:
        from apigwops.evidence.bundle import read_bundle

        runtime.progress.step(f"reading evidence bundle {bundle}")
        evidence = read_bundle(bundle)
    else:
        if not api or not stage:
            raise UsageError("--api and --stage are required (or --bundle DIR for saved evidence)")
        window = (
            target.window if target else resolve_window(since=since, start=start, end=end, now=runtime.clock)
        )
        from apigwops.evidence import collect

        evidence = collect.collect_evidence(
            runtime,
            api=api,
            stage=stage,
            window=window,
            logs_engine=logs_engine,  # type: ignore[arg-type]
            route=route,
            token=token,
        )
    runtime.progress.step(
        f"evaluating {sum(len(b.findings) for b in books)} findings from {len(books)} playbooks"
    )
    report = diagnose(
        evidence,
        symptom=symptom,
        playbooks=books,
        latency_threshold_ms=latency_threshold_ms,
        alarm_levels=levels,
    )
    document = report.as_json()
    if target is not None:
        from apigwops.alarms.entry import add_alarm
        from apigwops.render.alarm import render_alarm

        document = add_alarm(document, target)
        render_alarm(runtime, document["alarm"])
    render_document(runtime, document)
    if report_file is not None:
        _write_html(report_file, document, evidence)
        runtime.progress.step(f"incident report written to {report_file}")
    raise typer.Exit(report.exit_code(fail_on))


def render_document(runtime: Runtime, document: dict[str, Any]) -> None:
    """Print a diagnosis document in the chosen output mode (also used by `apigwops demo`)."""
    from apigwops.render import Result, render

    render(runtime, Result(DIAGNOSIS, document))


def _write_html(path: Path, document: dict[str, Any], evidence: Evidence) -> None:
    from apigwops.outputfiles import write_file
    from apigwops.report.html import render_incident_html

    write_file(path, render_incident_html(document, evidence))
