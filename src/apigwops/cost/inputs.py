"""Command-line values (strings as typed) merged over a scenario file into one `Usage` and `Options`.

Flags win over the scenario so that one file can be re-priced with a different payload or region; every
value is parsed here, and a bad one is a UsageError that names the flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from apigwops.cost.model import API_TYPES, LambdaUsage, Options, Usage, WafUsage
from apigwops.cost.scenario import Scenario
from apigwops.cost.units import parse_count
from apigwops.errors import UsageError

# flag name -> Usage field
NUMBER_FLAGS: dict[str, str] = {
    "--requests": "requests",
    "--request-kb": "request_kb",
    "--response-kb": "response_kb",
    "--messages": "messages",
    "--message-kb": "message_kb",
    "--connection-minutes": "connection_minutes",
    "--cache-gb": "cache_gb",
    "--cognito-mau": "cognito_mau",
    "--log-gb": "log_gb",
}


@dataclass
class FlagValues:
    """What the user typed; None means 'not given'."""

    numbers: dict[str, str | None] = field(default_factory=dict)  # keyed by flag name
    api_type: str | None = None
    region: str | None = None
    endpoint_type: str | None = None
    lambda_memory_mb: str | None = None
    lambda_duration_ms: str | None = None
    lambda_arch: str | None = None
    lambda_requests: str | None = None
    waf_acls: str | None = None
    waf_rules: str | None = None
    free_tier: bool | None = None
    hours_per_month: str | None = None
    data_transfer: str | None = None


def number(flag: str, text: str) -> Decimal:
    try:
        return parse_count(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def whole(flag: str, text: str) -> int:
    value = number(flag, text)
    if value != value.to_integral_value():
        raise UsageError(f"{flag}: must be a whole number, got {text!r}")
    return int(value)


def build(
    flags: FlagValues, scenario: Scenario | None, default_region: str | None, *, base: Usage | None = None
) -> tuple[Usage, Options]:
    """The usage to price: scenario or live usage (`base`), then flags; region from flag, scenario,
    environment, us-east-1."""
    usage = scenario.to_usage() if scenario else (base or Usage())
    options = scenario.to_options() if scenario else Options()
    changes: dict[str, object] = {}
    if flags.api_type is not None:
        if flags.api_type not in API_TYPES:
            raise UsageError(f"--api-type: choose one of {', '.join(API_TYPES)}, got {flags.api_type!r}")
        changes["api_type"] = flags.api_type
    region = flags.region
    if region is None and not (scenario and "region" in scenario.model_fields_set):
        region = default_region or "us-east-1"
    if region is not None:
        changes["region"] = region
    if flags.endpoint_type is not None:
        if flags.endpoint_type not in ("regional", "edge", "private"):
            raise UsageError(
                f"--endpoint-type: choose regional, edge or private, got {flags.endpoint_type!r}"
            )
        changes["endpoint_type"] = flags.endpoint_type
    for flag, name in NUMBER_FLAGS.items():
        raw = flags.numbers.get(flag)
        if raw is not None:
            changes[name] = number(flag, raw)
    fn = _lambda(flags, usage.lambda_)
    if fn is not usage.lambda_:
        changes["lambda_"] = fn
    if flags.waf_acls is not None or flags.waf_rules is not None:
        waf = usage.waf or WafUsage()
        waf = WafUsage(
            whole("--waf-acls", flags.waf_acls) if flags.waf_acls is not None else waf.web_acls,
            whole("--waf-rules", flags.waf_rules) if flags.waf_rules is not None else waf.rules,
            waf.bot_control,
        )
        changes["waf"] = None if waf == WafUsage(0, 0, False) else waf
    usage = replace(usage, **changes)  # type: ignore[arg-type]
    if flags.free_tier is not None:
        options = replace(options, free_tier=flags.free_tier)
    if flags.hours_per_month is not None:
        hours = number("--hours-per-month", flags.hours_per_month)
        if not 0 < hours <= 744:
            raise UsageError(f"--hours-per-month: must be between 1 and 744, got {flags.hours_per_month}")
        options = replace(options, hours_per_month=hours)
    if flags.data_transfer is not None:
        if flags.data_transfer not in ("tiered", "flat", "none"):
            raise UsageError(f"--data-transfer: choose tiered, flat or none, got {flags.data_transfer!r}")
        options = replace(options, data_transfer=flags.data_transfer)  # type: ignore[arg-type]
    if usage.api_type == "websocket" and usage.messages == 0 and usage.requests:
        raise UsageError("--requests: WebSocket APIs are billed by --messages and --connection-minutes")
    return usage, options


def _lambda(flags: FlagValues, base: LambdaUsage | None) -> LambdaUsage | None:
    given = [flags.lambda_memory_mb, flags.lambda_duration_ms, flags.lambda_arch, flags.lambda_requests]
    if all(v is None for v in given):
        return base
    if base is None and (flags.lambda_memory_mb is None or flags.lambda_duration_ms is None):
        raise UsageError("--lambda-memory-mb and --lambda-duration-ms are both needed to price Lambda")
    memory = number("--lambda-memory-mb", flags.lambda_memory_mb) if flags.lambda_memory_mb else None
    duration = number("--lambda-duration-ms", flags.lambda_duration_ms) if flags.lambda_duration_ms else None
    if memory is not None and not 128 <= memory <= 10240:
        raise UsageError(
            f"--lambda-memory-mb: Lambda memory is 128 to 10,240 MB, got {flags.lambda_memory_mb}"
        )
    arch = flags.lambda_arch
    if arch is not None and arch not in ("x86", "arm64"):
        raise UsageError(f"--lambda-arch: choose x86 or arm64, got {arch!r}")
    requests = number("--lambda-requests", flags.lambda_requests) if flags.lambda_requests else None
    if base is None:
        assert memory is not None
        assert duration is not None
        return LambdaUsage(memory, duration, arch or "x86", requests)  # type: ignore[arg-type]
    return replace(
        base,
        memory_mb=memory if memory is not None else base.memory_mb,
        duration_ms=duration if duration is not None else base.duration_ms,
        arch=arch or base.arch,  # type: ignore[arg-type]
        requests=requests if requests is not None else base.requests,
    )
