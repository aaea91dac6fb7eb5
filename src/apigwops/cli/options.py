"""Option types shared by every command, so that the same flag means the same thing everywhere.

Every option also reads an environment variable (APIGWOPS_* or the AWS CLI's own), as pip-audit does.
"""

from __future__ import annotations

from typing import Annotated

import typer

ApiOpt = Annotated[
    str, typer.Option("--api", help="API name or id (REST, HTTP or WebSocket).", envvar="APIGWOPS_API")
]
StageOpt = Annotated[str, typer.Option("--stage", help="Stage name.", envvar="APIGWOPS_STAGE")]
OptionalApiOpt = Annotated[
    str | None, typer.Option("--api", help="API name or id (REST, HTTP or WebSocket).", envvar="APIGWOPS_API")
]
OptionalStageOpt = Annotated[str | None, typer.Option("--stage", help="Stage name.", envvar="APIGWOPS_STAGE")]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since", help="Window length back from --end (or now): 30m, 2h, 1h30m, 1d.", envvar="APIGWOPS_SINCE"
    ),
]
StartOpt = Annotated[
    str | None, typer.Option("--start", help="Window start: ISO 8601 (UTC if no offset), epoch, or 2h ago.")
]
EndOpt = Annotated[
    str | None, typer.Option("--end", help="Window end (default now): ISO 8601, epoch, or 10m ago.")
]
AlarmLevelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--alarm-level",
        metavar="KEY=VALUE",
        help="Alarm level (repeatable) that diagnose scales severity against and status checks alarms "
        "against: 5xx-per-5min (10), 4xx-per-5min (100), p99-latency-ms (3000), integration-latency-ms (2000); "
        "also [diagnose.alarm-levels] in apigwops.toml or $APIGWOPS_CONFIG.",
    ),
]
