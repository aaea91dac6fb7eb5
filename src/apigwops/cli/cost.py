"""`apigwops cost`: estimate, compare and show prices (a thin shell over `apigwops.cost`).

Only typer and the standard library are imported here at module level; pandas, pydantic, yaml, boto3 and
rich are imported inside the commands so that `apigwops --help` stays fast. The Region policy lives in
`apigwops.cost.request`, the tables in `apigwops.render.cost`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from apigwops.cli.context import make_runtime
from apigwops.cli.options import OptionalApiOpt, OptionalStageOpt

if TYPE_CHECKING:
    from apigwops.cost.inputs import FlagValues

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
    from apigwops.cost.document import estimate_to_dict
    from apigwops.cost.estimator import estimate
    from apigwops.cost.request import prepare
    from apigwops.render import Result, render
    from apigwops.render.cost import ESTIMATE

    runtime = make_runtime(ctx, kind=ESTIMATE)
    flags = _flags(
        requests=requests, request_kb=request_kb, response_kb=response_kb, messages=messages,
        message_kb=message_kb, connection_minutes=connection_minutes, cache_gb=cache_gb,
        cognito_mau=cognito_mau, log_gb=log_gb, api_type=api_type, region=region, endpoint_type=endpoint_type,
        lambda_memory_mb=lambda_memory_mb, lambda_duration_ms=lambda_duration_ms, lambda_arch=lambda_arch,
        lambda_requests=lambda_requests, waf_acls=waf_acls, waf_rules=waf_rules, free_tier=free_tier,
        hours_per_month=hours_per_month, data_transfer=data_transfer,
    )  # fmt: skip
    usage, options, catalog = prepare(runtime, flags, scenario, api, stage, days)
    result = estimate(usage, catalog, options)
    if not result.components:
        from apigwops.errors import UsageError

        raise UsageError(
            "nothing to price: give --requests (or --messages), a --scenario, or --api and --stage"
        )
    render(runtime, Result(ESTIMATE, estimate_to_dict(result), result))


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
    from apigwops.cost.compare import compare
    from apigwops.cost.document import comparison_to_dict
    from apigwops.cost.request import prepare
    from apigwops.render import Result, render
    from apigwops.render.cost import COMPARE

    runtime = make_runtime(ctx, kind=COMPARE)
    flags = _flags(
        requests=requests, request_kb=request_kb, response_kb=response_kb, messages=None, message_kb=None,
        connection_minutes=None, cache_gb=cache_gb, cognito_mau=None, log_gb=log_gb, api_type=None,
        region=region, endpoint_type=None, lambda_memory_mb=lambda_memory_mb,
        lambda_duration_ms=lambda_duration_ms, lambda_arch=lambda_arch, lambda_requests=None,
        waf_acls=waf_acls, waf_rules=waf_rules, free_tier=free_tier, hours_per_month=hours_per_month,
        data_transfer=data_transfer,
    )  # fmt: skip
    usage, options, catalog = prepare(runtime, flags, scenario, api, stage, days)
    result = compare(usage, catalog, options)
    if not result.rest.components:
        from apigwops.errors import UsageError

        raise UsageError("nothing to price: give --requests, a --scenario, or --api and --stage")
    render(runtime, Result(COMPARE, comparison_to_dict(result), result))


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
    from apigwops.cost.catalog import cache_dir, load_catalog
    from apigwops.cost.document import prices_to_dict
    from apigwops.cost.request import prices_region
    from apigwops.render import Result, render
    from apigwops.render.cost import PRICES

    runtime = make_runtime(ctx, kind=PRICES)
    name = prices_region(region, runtime.aws.settings)
    if refresh:
        from apigwops.cost.pricelist import pricing_client, refresh_region

        path = refresh_region(pricing_client(runtime.aws), name, cache_dir(), progress=runtime.progress)
        runtime.progress.step(f"cached Price List prices for {name} in {path}")
    prices = load_catalog().region(name)
    render(runtime, Result(PRICES, prices_to_dict(prices), prices))
