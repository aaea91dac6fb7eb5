"""Choosing a log engine: Logs Insights (server-side, the default on AWS) or scan (FilterLogEvents).

The interface both implement is in `engine`, the engines in `insights` and `scan`; this module is the only one
that knows both, so neither engine imports the other nor the chooser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from apigwops.errors import UsageError

if TYPE_CHECKING:
    from apigwops.evidence.logs.engine import EngineName, LogEngine
    from apigwops.runtime import Runtime

ENGINE_CHOICES: tuple[str, ...] = ("auto", "insights", "scan")


def choose_engine_name(runtime: Runtime, choice: str) -> EngineName:
    """`auto`: Insights when the logs endpoint is AWS's own, scan for moto, LocalStack and the sandbox."""
    if choice not in ENGINE_CHOICES:
        raise UsageError(f"unknown --logs-engine {choice!r}: use auto, insights or scan")
    if choice == "auto":
        return "insights" if runtime.aws.talks_to_aws("logs") else "scan"
    return "insights" if choice == "insights" else "scan"


def make_engine(runtime: Runtime, choice: str, *, cancelled: Callable[[], bool] | None = None) -> LogEngine:
    name = choose_engine_name(runtime, choice)
    client = runtime.aws.client("logs")
    if name == "insights":
        from apigwops.evidence.logs.insights import InsightsEngine

        return InsightsEngine(
            client, progress=runtime.progress, clock=runtime.clock, sleep=runtime.sleep, cancelled=cancelled
        )
    from apigwops.evidence.logs.scan import ScanEngine

    return ScanEngine(client, progress=runtime.progress)
