"""`apigwops demo`: sandbox, traffic, incident, diagnosis, teardown: the product in one command, no AWS needed."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_command(
        ctx: typer.Context,
        fault: Annotated[
            list[str] | None,
            typer.Option(
                "--fault",
                metavar="NAME[=RATE]",
                help="Incident to inject instead of the default mix (repeatable); see 'apigwops sandbox up --help'.",
            ),
        ] = None,
        users: Annotated[int, typer.Option("--users", "-u", help="Locust users.")] = 10,
        duration: Annotated[str, typer.Option("--duration", "-t", help="Length of the Locust run.")] = "30s",
        onset_after: Annotated[
            str, typer.Option("--onset-after", help="Healthy traffic before the incident starts.")
        ] = "12s",
        websocket: Annotated[
            bool,
            typer.Option(
                "--websocket",
                help="Show a WebSocket incident: chat clients on the WebSocket stage, some refused at $connect, "
                "some messages failing.",
            ),
        ] = False,
    ) -> None:
        """Run the whole loop locally: sandbox with an incident, a short Locust run, a diagnosis, teardown.

        Everything stays on 127.0.0.1 (moto's AWS emulator and a local stage that answers like API Gateway).
        Exit 0 when the demo ran; the diagnosis is printed like 'apigwops diagnose' prints it, then (on a
        terminal) 'apigwops status' over the sandbox and 'apigwops diagnose --alarm' on the alarm that fired.
        """
        from apigwops.cli.context import make_runtime
        from apigwops.cli.diagnose import DIAGNOSIS, render_document
        from apigwops.demo import DEFAULT_INCIDENT, WEBSOCKET_INCIDENT, DemoPlan, run_demo
        from apigwops.sandbox import parse_fault_specs
        from apigwops.timewindow import parse_duration

        plan = DemoPlan(
            faults=parse_fault_specs(fault)
            if fault
            else dict(WEBSOCKET_INCIDENT if websocket else DEFAULT_INCIDENT),
            users=users,
            duration_s=parse_duration(duration).total_seconds(),
            onset_after_s=0.0
            if onset_after.strip() in ("0", "0s")
            else parse_duration(onset_after).total_seconds(),
            websocket=websocket,
        )
        plan.validate()
        runtime = make_runtime(ctx, kind=DIAGNOSIS)
        result = run_demo(runtime, plan)
        load = result.load.to_dict()
        runtime.progress.step(
            f"Locust sent {load.get('requests', 0)} requests ({load.get('failures', 0)} failed) at "
            f"{load.get('rps', 0):.0f} req/s"
        )
        render_document(runtime, result.report.as_json())
        if result.oncall is not None:
            from apigwops.demo_oncall import render_oncall

            render_oncall(runtime, result.oncall)
        found = [f.id for f in result.report.findings][:5]
        runtime.progress.step(
            "injected: "
            + ", ".join(result.injected)
            + " | diagnosed (top): "
            + (", ".join(found) or "nothing")
        )
