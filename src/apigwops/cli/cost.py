"""`apigwops cost`: estimate, compare and show prices (a thin shell over `apigwops.cost`).

Only typer and the standard library are imported here at module level; pandas, pydantic, yaml, boto3 and
rich are imported inside the commands so that `apigwops --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from apigwops.cli.context import global_options, make_runtime
from apigwops.cli.options import OptionalApiOpt, OptionalStageOpt

if TYPE_CHECKING:
    import pandas as pd

    from apigwops.cost.inputs import FlagValues
    from apigwops.cost.model import Options, Usage
    from apigwops.runtime import Runtime

FORMATS = ("table", "json", "csv", "markdown")

app = typer.Typer(
    help="Monthly cost per usage-plan tier and per component, priced like AWS's own worked examples.",
    no_args_is_help=True,
)

ScenarioOpt = Annotated[
    Path | None,
    typer.Option(
        "--scenario",
        metavar="FILE",
        help="Scenario YAML with usage-plan tiers (see examples/tiers.yaml).",
        envvar="APIGWOPS_COST_SCENARIO",
    ),
]
ApiTypeOpt = Annotated[
    str | None, typer.Option("--api-type", metavar="rest|http|websocket", help="rest, http or websocket.")
]
RequestsOpt = Annotated[
    str | None, typer.Option("--requests", metavar="N", help="API requests per month: 5M, 1.5B, 432000000.")
]
RequestKbOpt = Annotated[
    str | None, typer.Option("--request-kb", metavar="KB", help="Average request size in KB.")
]
ResponseKbOpt = Annotated[
    str | None, typer.Option("--response-kb", metavar="KB", help="Average response size in KB (data out).")
]
MessagesOpt = Annotated[
    str | None,
    typer.Option("--messages", metavar="N", help="WebSocket messages per month (sent + received)."),
]
MessageKbOpt = Annotated[
    str | None, typer.Option("--message-kb", metavar="KB", help="Average WebSocket message size in KB.")
]
MinutesOpt = Annotated[
    str | None,
    typer.Option("--connection-minutes", metavar="N", help="WebSocket connection minutes per month."),
]
CacheOpt = Annotated[
    str | None, typer.Option("--cache-gb", metavar="GB", help="REST stage cache size in GB (0.5 ... 237).")
]
MemoryOpt = Annotated[
    str | None, typer.Option("--lambda-memory-mb", metavar="MB", help="Lambda memory in MB.")
]
DurationOpt = Annotated[
    str | None, typer.Option("--lambda-duration-ms", metavar="MS", help="Average Lambda duration in ms.")
]
ArchOpt = Annotated[str | None, typer.Option("--lambda-arch", metavar="x86|arm64", help="x86 or arm64.")]
LambdaRequestsOpt = Annotated[
    str | None,
    typer.Option(
        "--lambda-requests", metavar="N", help="Lambda invocations per month (default: one per request)."
    ),
]
WafAclsOpt = Annotated[str | None, typer.Option("--waf-acls", metavar="N", help="AWS WAF web ACLs.")]
WafRulesOpt = Annotated[
    str | None, typer.Option("--waf-rules", metavar="N", help="AWS WAF rules and rule groups.")
]
CognitoOpt = Annotated[
    str | None, typer.Option("--cognito-mau", metavar="N", help="Cognito monthly active users (Essentials).")
]
LogGbOpt = Annotated[
    str | None, typer.Option("--log-gb", metavar="GB", help="CloudWatch Logs ingested per month, in GB.")
]
RegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region",
        metavar="REGION",
        help="Region to price (default: the global --region, the scenario's, else us-east-1).",
    ),
]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint-type", metavar="regional|edge|private", help="regional, edge or private (PrivateLink)."
    ),
]
FreeTierOpt = Annotated[
    bool | None,
    typer.Option(
        "--free-tier/--no-free-tier", help="Subtract free-tier allowances (default: no, or the scenario's)."
    ),
]
HoursOpt = Annotated[
    str | None,
    typer.Option("--hours-per-month", metavar="HOURS", help="Hours in the month for hourly charges (730)."),
]
DataTransferOpt = Annotated[
    str | None,
    typer.Option(
        "--data-transfer", metavar="tiered|flat|none", help="tiered (default), flat (AWS's examples) or none."
    ),
]
DaysOpt = Annotated[
    int, typer.Option("--days", help="Live usage: days of history to read (30).", min=1, max=90)
]


def _flags(**values: Any) -> FlagValues:
    from apigwops.cost.inputs import FlagValues

    numbers = {
        "--requests": values.pop("requests"),
        "--request-kb": values.pop("request_kb"),
        "--response-kb": values.pop("response_kb"),
        "--messages": values.pop("messages"),
        "--message-kb": values.pop("message_kb"),
        "--connection-minutes": values.pop("connection_minutes"),
        "--cache-gb": values.pop("cache_gb"),
        "--cognito-mau": values.pop("cognito_mau"),
        "--log-gb": values.pop("log_gb"),
    }
    return FlagValues(numbers=numbers, **values)


def _prepare(
    ctx: typer.Context,
    runtime: Runtime,
    flags: FlagValues,
    scenario_path: Path | None,
    api: str | None,
    stage: str | None,
    days: int,
) -> tuple[Usage, Options, Any]:
    from apigwops.aws.settings import AwsSettings
    from apigwops.cost.catalog import load_catalog
    from apigwops.cost.inputs import build
    from apigwops.cost.scenario import load_scenario
    from apigwops.errors import UsageError

    catalog = load_catalog()
    for note in catalog.notes:
        runtime.progress.warn(note)
    if scenario_path is not None and api is not None:
        raise UsageError("--scenario and --api are alternatives: price a file or the live API, not both")
    if (api is None) != (stage is None):
        raise UsageError("--api and --stage go together (live usage of one stage)")
    scenario = load_scenario(scenario_path, catalog) if scenario_path is not None else None
    opts = global_options(ctx)
    # Offline estimates take the region from a flag or the scenario, not from AWS_REGION: the snapshot
    # covers us-east-1 only, and an environment set up for another region should not break every estimate.
    default_region = opts.region
    env_region = AwsSettings().resolved_region()
    base = None
    if api is not None and stage is not None:
        from dataclasses import replace as with_changes

        from apigwops.aws.session import AwsContext
        from apigwops.cost.live import usage_from_stage

        if flags.region is not None:  # `cost estimate --api A --stage S --region R` reads the API in R
            runtime.aws = AwsContext(with_changes(runtime.aws.settings, region=flags.region))
        base = usage_from_stage(runtime, api, stage, days=days)
        default_region = base.region
    usage, options = build(flags, scenario, default_region, base=base)
    if (
        base is None
        and env_region
        and env_region != usage.region
        and flags.region is None
        and opts.region is None
    ):
        from dataclasses import replace

        note = f"priced for {usage.region}; AWS_REGION/AWS_DEFAULT_REGION={env_region} is not used (pass --region)"
        usage = replace(usage, notes=(*usage.notes, note))
    return usage, options, catalog


@app.command("estimate")
def estimate_command(
    ctx: typer.Context,
    scenario: ScenarioOpt = None,
    api_type: ApiTypeOpt = None,
    requests: RequestsOpt = None,
    request_kb: RequestKbOpt = None,
    response_kb: ResponseKbOpt = None,
    messages: MessagesOpt = None,
    message_kb: MessageKbOpt = None,
    connection_minutes: MinutesOpt = None,
    cache_gb: CacheOpt = None,
    lambda_memory_mb: MemoryOpt = None,
    lambda_duration_ms: DurationOpt = None,
    lambda_arch: ArchOpt = None,
    lambda_requests: LambdaRequestsOpt = None,
    waf_acls: WafAclsOpt = None,
    waf_rules: WafRulesOpt = None,
    cognito_mau: CognitoOpt = None,
    log_gb: LogGbOpt = None,
    region: RegionOpt = None,
    endpoint_type: EndpointOpt = None,
    free_tier: FreeTierOpt = None,
    hours_per_month: HoursOpt = None,
    data_transfer: DataTransferOpt = None,
    api: OptionalApiOpt = None,
    stage: OptionalStageOpt = None,
    days: DaysOpt = 30,
) -> None:
    """Monthly cost from flags, a scenario file (--scenario) or the live API's usage (--api --stage)."""
    from apigwops.cost import render
    from apigwops.cost.estimator import estimate

    runtime = make_runtime(ctx, formats=FORMATS)
    flags = _flags(
        requests=requests, request_kb=request_kb, response_kb=response_kb, messages=messages,
        message_kb=message_kb, connection_minutes=connection_minutes, cache_gb=cache_gb,
        cognito_mau=cognito_mau, log_gb=log_gb, api_type=api_type, region=region, endpoint_type=endpoint_type,
        lambda_memory_mb=lambda_memory_mb, lambda_duration_ms=lambda_duration_ms, lambda_arch=lambda_arch,
        lambda_requests=lambda_requests, waf_acls=waf_acls, waf_rules=waf_rules, free_tier=free_tier,
        hours_per_month=hours_per_month, data_transfer=data_transfer,
    )  # fmt: skip
    usage, options, catalog = _prepare(ctx, runtime, flags, scenario, api, stage, days)
    result = estimate(usage, catalog, options)
    if not result.components:
        from apigwops.errors import UsageError

        raise UsageError(
            "nothing to price: give --requests (or --messages), a --scenario, or --api and --stage"
        )
    if runtime.output == "json":
        typer.echo(json.dumps(render.estimate_to_dict(result), indent=2))
    elif runtime.output == "csv":
        typer.echo(render.estimate_csv(result), nl=False)
    elif runtime.output == "markdown":
        typer.echo(render.estimate_markdown(result), nl=False)
    else:
        _print_estimate(runtime, result)


@app.command("compare")
def compare_command(
    ctx: typer.Context,
    scenario: ScenarioOpt = None,
    requests: RequestsOpt = None,
    request_kb: RequestKbOpt = None,
    response_kb: ResponseKbOpt = None,
    cache_gb: CacheOpt = None,
    lambda_memory_mb: MemoryOpt = None,
    lambda_duration_ms: DurationOpt = None,
    lambda_arch: ArchOpt = None,
    waf_acls: WafAclsOpt = None,
    waf_rules: WafRulesOpt = None,
    log_gb: LogGbOpt = None,
    region: RegionOpt = None,
    free_tier: FreeTierOpt = None,
    hours_per_month: HoursOpt = None,
    data_transfer: DataTransferOpt = None,
    api: OptionalApiOpt = None,
    stage: OptionalStageOpt = None,
    days: DaysOpt = 30,
) -> None:
    """REST and HTTP side by side for the same traffic, with what HTTP APIs lack."""
    from apigwops.cost import render
    from apigwops.cost.compare import compare

    runtime = make_runtime(ctx, formats=FORMATS)
    flags = _flags(
        requests=requests, request_kb=request_kb, response_kb=response_kb, messages=None, message_kb=None,
        connection_minutes=None, cache_gb=cache_gb, cognito_mau=None, log_gb=log_gb, api_type=None,
        region=region, endpoint_type=None, lambda_memory_mb=lambda_memory_mb,
        lambda_duration_ms=lambda_duration_ms, lambda_arch=lambda_arch, lambda_requests=None,
        waf_acls=waf_acls, waf_rules=waf_rules, free_tier=free_tier, hours_per_month=hours_per_month,
        data_transfer=data_transfer,
    )  # fmt: skip
    usage, options, catalog = _prepare(ctx, runtime, flags, scenario, api, stage, days)
    result = compare(usage, catalog, options)
    if not result.rest.components:
        from apigwops.errors import UsageError

        raise UsageError("nothing to price: give --requests, a --scenario, or --api and --stage")
    if runtime.output == "json":
        typer.echo(json.dumps(render.comparison_to_dict(result), indent=2))
    elif runtime.output == "csv":
        typer.echo(render.comparison_csv(result), nl=False)
    elif runtime.output == "markdown":
        typer.echo(render.comparison_markdown(result), nl=False)
    else:
        from apigwops.cost.money import cents

        _print_frame(runtime, render.comparison_frame(result), "REST vs HTTP (USD per month)")
        assert runtime.out is not None
        runtime.out.print(
            f"HTTP saves ${cents(result.difference_usd):,.2f} per month, without:", markup=False
        )
        for item in result.http_lacks:
            runtime.out.print(f"  - {item}", markup=False)


@app.command("prices")
def prices_command(
    ctx: typer.Context,
    region: RegionOpt = None,
    refresh: Annotated[
        bool,
        typer.Option("--refresh", help="Read current prices from the AWS Price List API and cache them."),
    ] = False,
) -> None:
    """The price catalog for a region: the shipped, dated snapshot or your last --refresh."""
    from apigwops.aws.settings import AwsSettings
    from apigwops.cost import render
    from apigwops.cost.catalog import cache_dir, load_catalog

    runtime = make_runtime(ctx, formats=FORMATS)
    opts = global_options(ctx)
    name = (
        region or AwsSettings(opts.profile, opts.region, opts.endpoint_url).resolved_region() or "us-east-1"
    )
    if refresh:
        from apigwops.cost.pricelist import pricing_client, refresh_region

        path = refresh_region(pricing_client(runtime.aws), name, cache_dir(), progress=runtime.progress)
        runtime.progress.step(f"cached Price List prices for {name} in {path}")
    prices = load_catalog().region(name)
    if runtime.output == "json":
        typer.echo(json.dumps(render.prices_to_dict(prices), indent=2))
    elif runtime.output == "csv":
        typer.echo(render.prices_frame(prices).to_csv(index=False), nl=False)
    elif runtime.output == "markdown":
        typer.echo(render.prices_markdown(prices), nl=False)
    else:
        _print_frame(
            runtime, render.prices_frame(prices), f"Prices for {name} ({prices.origin}, {prices.date})"
        )


def _print_estimate(runtime: Runtime, result: Any) -> None:
    from apigwops.cost import render
    from apigwops.cost.money import cents

    out = runtime.out
    assert out is not None
    title = f"{result.api_type.upper()} API in {result.region}: ${cents(result.total_usd):,.2f} per month"
    ppm = render.per_million(result.total_usd, result.api_requests)
    if ppm is not None:
        title += f" (${cents(ppm):,.2f} per million requests)"
    out.print(title, markup=False)
    _print_frame(runtime, render.components_frame(result).drop(columns=["detail"]), "Components (USD)")
    if result.tiers:
        _print_frame(runtime, render.tiers_by_component(result), "Usage-plan tiers (USD)")
    if result.worst_case_usd is not None:
        out.print(
            f"Worst case, every key at its full quota: ${cents(result.worst_case_usd):,.2f} "
            f"for {render.quantity(result.worst_case_requests):,} requests",
            markup=False,
        )
    out.print(f"Assumptions (prices: {result.price_origin}, {result.price_date}):", markup=False)
    for line in result.assumptions:
        out.print(f"  - {line}", markup=False)


def _print_frame(runtime: Runtime, frame: pd.DataFrame, title: str) -> None:
    from decimal import Decimal

    from rich.table import Table
    from rich.text import Text

    from apigwops.cost.render import money_text

    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        numeric = column not in ("component", "tier", "unit", "price", "status", "source", "detail")
        table.add_column(str(column), justify="right" if numeric else "left")
    for row in frame.astype(object).itertuples(index=False):
        cells = []
        for value in row:
            if value is None or (isinstance(value, float) and value != value):
                cells.append("")
            elif isinstance(value, Decimal):
                cells.append(money_text(value))
            elif isinstance(value, int):
                cells.append(f"{value:,}")
            else:
                cells.append(str(value))
        table.add_row(*(Text(c) for c in cells))
    assert runtime.out is not None
    runtime.out.print(table, markup=False)
