"""From what the user gave (flags, a scenario file, or a live stage) to the `Usage` to price, and in which Region.

The Region policy lives here, not in the CLI:

- an offline estimate is priced in `--region` (the command's), else the global `--region`, else the
  scenario's, else us-east-1; AWS_REGION/AWS_DEFAULT_REGION are deliberately *not* used, since the shipped
  snapshot covers us-east-1 and an environment set up for another Region should not break every estimate (a
  note says so when they differ);
- a live estimate (`--api --stage`) reads the API in the command's `--region` when given, and is priced in
  the Region the API lives in;
- `cost prices` shows the command's `--region`, else the global one resolved as the AWS CLI does, else
  us-east-1.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apigwops.aws.settings import AwsSettings
from apigwops.errors import UsageError

if TYPE_CHECKING:
    from apigwops.cost.inputs import FlagValues
    from apigwops.cost.model import Options, Usage
    from apigwops.runtime import Runtime

DEFAULT_PRICES_REGION = "us-east-1"


def prepare(
    runtime: Runtime,
    flags: FlagValues,
    scenario_path: Path | None,
    api: str | None,
    stage: str | None,
    days: int,
) -> tuple[Usage, Options, Any]:
    """The usage, options and catalog for `cost estimate`/`cost compare`; bad combinations are usage errors."""
    from apigwops.cost.catalog import load_catalog
    from apigwops.cost.inputs import build
    from apigwops.cost.scenario import load_scenario

    catalog = load_catalog()
    for note in catalog.notes:
        runtime.progress.warn(note)
    if scenario_path is not None and api is not None:
        raise UsageError("--scenario and --api are alternatives: price a file or the live API, not both")
    if (api is None) != (stage is None):
        raise UsageError("--api and --stage go together (live usage of one stage)")
    scenario = load_scenario(scenario_path, catalog) if scenario_path is not None else None
    global_region = runtime.aws.settings.region  # the global --region only, never the environment
    default_region = global_region
    base = None
    if api is not None and stage is not None:
        from apigwops.aws.session import AwsContext
        from apigwops.cost.live import usage_from_stage

        if flags.region is not None:  # `cost estimate --api A --stage S --region R` reads the API in R
            runtime.aws = AwsContext(replace(runtime.aws.settings, region=flags.region))
        base = usage_from_stage(runtime, api, stage, days=days)
        default_region = base.region
    usage, options = build(flags, scenario, default_region, base=base)
    env_region = AwsSettings().resolved_region()
    if (
        base is None
        and env_region
        and env_region != usage.region
        and flags.region is None
        and global_region is None
    ):
        note = f"priced for {usage.region}; AWS_REGION/AWS_DEFAULT_REGION={env_region} is not used (pass --region)"
        usage = replace(usage, notes=(*usage.notes, note))
    return usage, options, catalog


def prices_region(region: str | None, settings: AwsSettings) -> str:
    """The Region `cost prices` shows: its own --region, the global one (flag, then environment), us-east-1."""
    return region or settings.resolved_region() or DEFAULT_PRICES_REGION
