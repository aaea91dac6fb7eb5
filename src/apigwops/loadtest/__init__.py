"""Load tests with SLO gates: Locust in a subprocess, exact final stats, verdicts a pipeline can trust.

Library entry points (the CLI is a thin shell over these):

- `build_request(runtime, RunFlags(...)) -> LoadtestRequest`: validate inputs, resolve the target, apply guardrails.
- `run_loadtest(runtime, request) -> LoadtestReport`: run Locust, judge SLOs and scenario checks, write reports.
- `check_saved(directory, slos, exclude_ramp=..., rewrite=..., runtime=None) -> LoadtestReport`: judge again.
- `parse_slos(texts) -> list[Slo]`: the SLO grammar.

Importing this package is cheap: Locust is never imported here, psutil and matplotlib load when used.
"""

from __future__ import annotations

from apigwops.loadtest.request import RunFlags, build_request
from apigwops.loadtest.result import LoadtestReport
from apigwops.loadtest.service import LoadtestRequest, check_saved, run_loadtest
from apigwops.loadtest.slo import Slo, parse_slos

__all__ = [
    "LoadtestReport",
    "LoadtestRequest",
    "RunFlags",
    "Slo",
    "build_request",
    "check_saved",
    "parse_slos",
    "run_loadtest",
]
