"""`apigwops demo`: the whole loop once, on the embedded default, so a newcomer sees it work in a minute.

Sandbox up (moto's server plus the local stages) → a real Locust run against the REST stage (`--websocket`: the
WebSocket stage, with the websocket scenario and a WebSocket incident), healthy at first,
then with an incident injected part-way together with a deployment (so there is an onset and a recent
change to find) → the logs and metrics the stage shipped
into moto are collected by the same code that reads a real account → diagnosis → the on-call view: `status`
over every sandbox stage and `diagnose --alarm` on the 5XXError alarm the incident fired (`demo_oncall.py`)
→ teardown. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from apigwops.errors import UsageError
from apigwops.timewindow import Window

if TYPE_CHECKING:
    from apigwops.demo_oncall import OncallView
    from apigwops.diagnose.report import Report
    from apigwops.loadtest.result import LoadtestReport
    from apigwops.model import Evidence
    from apigwops.runtime import Runtime
    from apigwops.sandbox import Sandbox

# A mixed incident: the integration hangs for some requests (504 on REST), the function throws for others
# (502), and some clients present expired tokens (401).
DEFAULT_INCIDENT: dict[str, float] = {"lambda-timeout": 0.2, "lambda-error": 0.08, "expired-tokens": 0.15}
DEMO_ROUTES = ("GET /health", "GET /users", "GET /users/{id}", "POST /orders")
# `--websocket`: the chat API's incident: some clients are refused at $connect by the authorizer's policy
# (ws-connect-authorizer-deny) and the handler throws for some messages (lambda-function-error per route).
WEBSOCKET_INCIDENT: dict[str, float] = {"ws-connect-deny": 0.25, "lambda-error": 0.15}
WEBSOCKET_ROUTES = ("sendmessage", "$default")


@dataclass
class DemoPlan:
    faults: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_INCIDENT))
    users: int = 10
    duration_s: float = 30.0
    onset_after_s: float = 12.0
    seed: int | None = 7
    websocket: bool = False  # drive the WebSocket stage (websocket scenario) and diagnose it instead of REST

    def validate(self) -> None:
        if not 1 <= self.users <= 200:
            raise UsageError(f"--users must be between 1 and 200 for the demo, not {self.users}")
        if not 5 <= self.duration_s <= 300:
            raise UsageError(f"--duration must be between 5s and 5m for the demo, not {self.duration_s:g}s")
        if not 0 <= self.onset_after_s < self.duration_s:
            raise UsageError("--onset-after must be shorter than --duration")


@dataclass
class DemoResult:
    injected: dict[str, float]
    load: LoadtestReport
    evidence: Evidence
    report: Report
    oncall: OncallView | None = None  # status and the fired alarm's diagnosis


def run_demo(runtime: Runtime, plan: DemoPlan) -> DemoResult:
    """Run the loop; the sandbox is always torn down, even on Ctrl-C or an error."""
    from apigwops.sandbox import Sandbox

    plan.validate()
    progress = runtime.progress
    progress.step("starting the sandbox: moto's server and local REST and HTTP stages on 127.0.0.1")
    sandbox = Sandbox.start(seed=plan.seed)
    try:
        stage = sandbox.websocket if plan.websocket else sandbox.rest
        progress.step(f"{stage.api_type} stage {stage.url}, AWS emulator {sandbox.moto_endpoint}")
        started = runtime.clock()
        load = _drive_traffic(runtime, sandbox, plan)
        sandbox.flush()
        if plan.websocket:  # $disconnect runs after each client saw its close: let the last ones be shipped
            time.sleep(1.0)
            sandbox.flush()
        window = Window(started - timedelta(seconds=2), runtime.clock() + timedelta(seconds=2))
        evidence, report = _diagnose(runtime, sandbox, window, websocket=plan.websocket)
        from apigwops.demo_oncall import oncall_view

        return DemoResult(
            injected=dict(plan.faults),
            load=load,
            evidence=evidence,
            report=report,
            oncall=oncall_view(_local(runtime, sandbox), sandbox),
        )
    finally:
        progress.step("stopping the sandbox")
        sandbox.stop()


def _drive_traffic(runtime: Runtime, sandbox: Sandbox, plan: DemoPlan) -> LoadtestReport:
    from apigwops.loadtest.request import RunFlags, build_request
    from apigwops.loadtest.service import run_loadtest

    if plan.websocket:
        flags = RunFlags(
            scenario="websocket",
            url=sandbox.websocket.url,
            users=plan.users,
            run_time=f"{plan.duration_s:g}s",
            workers=1,
            routes=list(WEBSOCKET_ROUTES),
            token=sandbox.tokens["valid"],
            cloudwatch=False,
        )
    else:
        flags = RunFlags(
            scenario="smoke",
            url=sandbox.rest.url,
            users=plan.users,
            run_time=f"{plan.duration_s:g}s",
            workers=1,
            routes=list(DEMO_ROUTES),
            api_key=sandbox.keys["premium"],
            token=sandbox.tokens["valid"],
            cloudwatch=False,
        )
    request = dataclasses.replace(build_request(runtime, flags), chart=False)
    names = ", ".join(f"{name}={rate:g}" for name, rate in plan.faults.items()) or "none"
    runtime.progress.step(
        f"Locust: {plan.users} users for {plan.duration_s:g}s; incident ({names}) starts after {plan.onset_after_s:g}s"
    )

    def incident() -> None:
        # A deployment goes out and the incident starts with it: what `recent-change` is there to catch.
        if not plan.websocket:  # the sandbox deploys its REST API
            sandbox.deploy("demo: release 2026.11.24-1")
        sandbox.set_faults(dict(plan.faults))

    onset = threading.Timer(plan.onset_after_s, incident)
    onset.daemon = True
    onset.start()
    try:
        return run_loadtest(runtime, request)
    finally:
        onset.cancel()


def _local(runtime: Runtime, sandbox: Sandbox) -> Runtime:
    """The runtime with read-only AWS clients on the sandbox's moto."""
    import boto3

    from apigwops.aws.session import AwsContext
    from apigwops.aws.settings import AwsSettings

    env = sandbox.env()
    session = boto3.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=sandbox.region,
    )
    aws = AwsContext(AwsSettings(endpoint_url=sandbox.moto_endpoint, region=sandbox.region), session=session)
    return dataclasses.replace(runtime, aws=aws)


def _diagnose(
    runtime: Runtime, sandbox: Sandbox, window: Window, *, websocket: bool = False
) -> tuple[Evidence, Report]:
    from apigwops.diagnose.engine import diagnose
    from apigwops.evidence.collect import collect_evidence

    local = _local(runtime, sandbox)
    time.sleep(0.2)  # let the shipper's last batch settle in moto before the reads
    stage = sandbox.websocket if websocket else sandbox.rest
    runtime.progress.step(f"diagnosing {stage.api_name} stage {stage.stage} from what moto holds")
    api = stage.api_id if websocket else stage.api_name
    evidence = collect_evidence(local, api=api, stage=stage.stage, window=window)
    return evidence, diagnose(evidence)
