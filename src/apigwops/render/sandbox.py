"""`apigwops sandbox ...` on a terminal: stages, keys and tokens (abbreviated unless asked), faults, environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigwops.render.output import console, write
from apigwops.render.registry import Result, renders
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from apigwops.runtime import Runtime

STATUS = "sandbox.status"  # `sandbox up` and `sandbox status`
FAULTS = "sandbox.faults"  # `sandbox fault`: the faults applied now (JSON by default)
FAULT_NAMES = "sandbox.fault-names"  # `sandbox faults`


@renders(STATUS, OutputFormat.table)
def render_status(result: Result, runtime: Runtime) -> None:
    from rich.table import Table

    doc = result.document
    out = console(runtime)
    yes_no = {True: "yes", False: "no"}
    running = "running" if doc["running"] else "NOT RUNNING: " + "; ".join(doc["problems"])
    out.print(f"sandbox: {running}", markup=False, highlight=False)
    health = Table(title="Processes", title_justify="left")
    for col in ("part", "pid", "alive", "answering"):
        health.add_column(col)
    for name, p in doc["processes"].items():
        health.add_row(f"{name} process", str(p["pid"]), yes_no[p["alive"]], yes_no[p["answering"]])
    sandbox = doc["processes"]["sandbox"]
    for s in doc["stages"]:
        health.add_row(
            f"{s['api_type']} stage", str(sandbox["pid"]), yes_no[sandbox["alive"]], yes_no[s["answering"]]
        )
    out.print(health)
    stages = Table(title="Sandbox stages", title_justify="left")
    for col in ("type", "api", "id", "stage", "url"):
        stages.add_column(col)
    for s in doc["stages"]:
        stages.add_row(s["api_type"], s["api_name"], s["api_id"], s["stage"], s["url"])
    out.print(stages)
    if doc.get("websocket_management_url"):
        out.print(f"WebSocket @connections endpoint: {doc['websocket_management_url']}", markup=False)
    secrets = Table(title="API keys (x-api-key, REST) and tokens (Authorization)", title_justify="left")
    secrets.add_column("name")
    secrets.add_column("value", overflow="fold")
    for tier, key in doc["api_keys"].items():
        secrets.add_row(f"key: {tier}", key)
    for name, tok in doc["tokens"].items():
        secrets.add_row(f"token: {name}", tok)
    out.print(secrets)
    faults = ", ".join(f"{k}={v:g}" for k, v in doc["faults"].items()) or "none"
    out.print(f"faults: {faults}   time scale: {doc['time_scale']:g}   pid: {doc['pid']}", markup=False)
    out.print("environment for the CLI or the AWS CLI:", markup=False)
    for key, value in doc["env"].items():
        out.print(f"  export {key}={value}", markup=False, highlight=False)


@renders(FAULT_NAMES, OutputFormat.table)
def render_fault_names(result: Result, runtime: Runtime) -> None:
    width = max((len(name) for name in result.document), default=0)
    write("\n".join(f"{name.ljust(width)}  {what}" for name, what in result.document.items()))
