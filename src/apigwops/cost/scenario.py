"""Scenario files: usage-plan tiers and the services around an API, in YAML, validated strictly.

Pydantic with `extra="forbid"` catches typos (`quota_per_mont`) instead of silently pricing a default, and
every error becomes one line `file:line: field: problem` through `apigwops.inputfiles` (the same reader and
locator as playbooks: safe YAML, no aliases, UTF-8), so the user can jump straight to it. Counts accept the same spellings as the CLI flags (5M, 1.5B, 750K).
"""

from __future__ import annotations

import difflib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from apigwops.cost.catalog import Catalog
from apigwops.cost.model import (
    LambdaUsage,
    Options,
    ProvisionedConcurrency,
    Usage,
    UsagePlanTier,
    WafUsage,
)
from apigwops.cost.units import MAX_QUANTITY, parse_count
from apigwops.errors import UsageError
from apigwops.inputfiles import YamlDocument, line_of, load_yaml, validation_problems

MAX_WHOLE = int(MAX_QUANTITY)  # keys, rules, alarms...: the same bound as every other quantity


def _count(value: Any) -> Decimal:
    if value is None:
        raise ValueError("a number is required")
    return parse_count(value)


def _share(value: Any) -> Decimal:
    """0.6, '60%' or 60% -> Decimal('0.6'), within 0..1 (a key cannot use more than its quota)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        share = parse_count(value.strip()[:-1]) / 100
    else:
        share = parse_count(value)
    if share > 1:
        raise ValueError("must be at most 1 (100% of the quota)")
    return share


def _quota(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("unlimited", "none", "")):
        return None
    return parse_count(value)


Count = Annotated[Decimal, BeforeValidator(_count)]
Share = Annotated[Decimal, BeforeValidator(_share)]
Quota = Annotated[Decimal | None, BeforeValidator(_quota)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierSpec(_Strict):
    keys: int = Field(ge=0, le=MAX_WHOLE)
    quota_per_month: Quota = None
    rate_per_second: Count | None = None
    burst: int | None = Field(default=None, ge=0, le=MAX_WHOLE)
    expected_use: Share | None = None
    expected_requests_per_key: Count | None = None

    @model_validator(mode="after")
    def _expected(self) -> TierSpec:
        if self.expected_use is None and self.expected_requests_per_key is None:
            raise ValueError("set expected_use (share of the quota) or expected_requests_per_key")
        if self.expected_use is not None and self.quota_per_month is None:
            raise ValueError(
                "expected_use needs a quota_per_month; unlimited tiers set expected_requests_per_key"
            )
        return self

    def requests_per_key(self) -> Decimal:
        if self.expected_requests_per_key is not None:
            return self.expected_requests_per_key
        assert self.expected_use is not None
        assert self.quota_per_month is not None
        return self.expected_use * self.quota_per_month


class ProvisionedSpec(_Strict):
    concurrency: int = Field(ge=1, le=MAX_WHOLE)
    hours: Count
    requests: Count = Decimal(0)
    duration_ms: Count | None = None


class LambdaSpec(_Strict):
    memory_mb: Count
    duration_ms: Count
    arch: Literal["x86", "arm64"] = "x86"
    requests: Count | None = None
    ephemeral_mb: Count = Decimal(512)
    provisioned: ProvisionedSpec | None = None


class WafSpec(_Strict):
    web_acls: int = Field(default=1, ge=0, le=MAX_WHOLE)
    rules: int = Field(default=0, ge=0, le=MAX_WHOLE)
    bot_control: bool = False


class LogsSpec(_Strict):
    ingested_gb: Count = Decimal(0)
    stored_gb: Count | None = None
    insights_scanned_gb: Count = Decimal(0)


class DynamoDbSpec(_Strict):
    """On-demand capacity: request units per month, table storage."""

    reads: Count = Decimal(0)
    writes: Count = Decimal(0)
    storage_gb: Count = Decimal(0)


class Route53Spec(_Strict):
    hosted_zones: int = Field(default=0, ge=0, le=MAX_WHOLE)
    queries: Count = Decimal(0)


class CloudWatchSpec(_Strict):
    alarms: int = Field(default=0, ge=0, le=MAX_WHOLE)
    dashboards: int = Field(default=0, ge=0, le=MAX_WHOLE)
    custom_metrics: int = Field(default=0, ge=0, le=MAX_WHOLE)


class OptionsSpec(_Strict):
    free_tier: bool = False
    hours_per_month: Count = Decimal(730)
    data_transfer: Literal["tiered", "flat", "none"] = "tiered"


class Scenario(_Strict):
    """The whole file."""

    name: str | None = None
    description: str | None = None
    region: str = "us-east-1"
    api_type: Literal["rest", "http", "websocket"] = "rest"
    endpoint_type: Literal["regional", "edge", "private"] = "regional"
    vpc_endpoint_azs: int = Field(default=1, ge=1, le=MAX_WHOLE)
    requests: Count | None = None
    request_kb: Count = Decimal(1)
    response_kb: Count = Decimal(0)
    messages: Count = Decimal(0)
    message_kb: Count = Decimal(1)
    connection_minutes: Count = Decimal(0)
    cache_gb: Count | None = None
    lambda_: LambdaSpec | None = Field(default=None, alias="lambda")
    waf: WafSpec | None = None
    cognito_mau: Count = Decimal(0)
    logs: LogsSpec | None = None
    cloudwatch: CloudWatchSpec | None = None
    dynamodb: DynamoDbSpec | None = None
    route53: Route53Spec | None = None
    options: OptionsSpec = OptionsSpec()
    tiers: dict[str, TierSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _traffic(self) -> Scenario:
        if self.tiers and self.api_type != "rest":
            raise ValueError("usage-plan tiers exist for REST APIs only")
        return self

    def to_usage(self) -> Usage:
        tiers = tuple(
            UsagePlanTier(
                name=name,
                keys=spec.keys,
                requests=spec.requests_per_key() * spec.keys,
                quota_per_key=spec.quota_per_month,
                rate_per_second=spec.rate_per_second,
                burst=spec.burst,
            )
            for name, spec in self.tiers.items()
        )
        requests = self.requests
        if requests is None:
            requests = sum((t.requests for t in tiers), Decimal(0))
        fn = None
        if self.lambda_ is not None:
            spec = self.lambda_
            pc = None
            if spec.provisioned is not None:
                p = spec.provisioned
                pc = ProvisionedConcurrency(p.concurrency, p.hours, p.requests, p.duration_ms)
            fn = LambdaUsage(
                spec.memory_mb, spec.duration_ms, spec.arch, spec.requests, spec.ephemeral_mb, pc
            )
        waf = WafUsage(self.waf.web_acls, self.waf.rules, self.waf.bot_control) if self.waf else None
        logs = self.logs or LogsSpec()
        cw = self.cloudwatch or CloudWatchSpec()
        ddb = self.dynamodb or DynamoDbSpec()
        r53 = self.route53 or Route53Spec()
        return Usage(
            api_type=self.api_type,
            region=self.region,
            requests=requests,
            request_kb=self.request_kb,
            response_kb=self.response_kb,
            messages=self.messages,
            message_kb=self.message_kb,
            connection_minutes=self.connection_minutes,
            endpoint_type=self.endpoint_type,
            vpc_endpoint_azs=self.vpc_endpoint_azs,
            cache_gb=self.cache_gb,
            lambda_=fn,
            waf=waf,
            cognito_mau=self.cognito_mau,
            log_gb=logs.ingested_gb,
            log_storage_gb=logs.stored_gb,
            insights_gb=logs.insights_scanned_gb,
            alarms=cw.alarms,
            dashboards=cw.dashboards,
            custom_metrics=cw.custom_metrics,
            dynamodb_reads=ddb.reads,
            dynamodb_writes=ddb.writes,
            dynamodb_storage_gb=ddb.storage_gb,
            route53_zones=r53.hosted_zones,
            route53_queries=r53.queries,
            tiers=tiers,
        )

    def to_options(self) -> Options:
        o = self.options
        return Options(o.free_tier, o.hours_per_month, o.data_transfer)


def load_scenario(path: Path, catalog: Catalog | None = None) -> Scenario:
    """Read and validate a scenario file; every problem is a UsageError naming file, line and field."""
    document = load_yaml(path, what="scenario file")  # InputFileError (a UsageError): file:line: problem
    if not isinstance(document.data, dict):
        raise UsageError(f"{path}:1: the scenario must be a mapping of fields (region, api_type, tiers, ...)")
    try:
        scenario = Scenario.model_validate(document.data)
    except ValidationError as exc:
        raise UsageError(_one_line(document, exc)) from None
    if catalog is not None and scenario.region not in catalog.regions:
        known = ", ".join(sorted(catalog.regions))
        region_line = line_of(document.root, ("region",))
        raise UsageError(
            f"{path}:{region_line}: region: unknown region {scenario.region!r} (prices known for: {known})",
            hint=f"run 'apigwops cost prices --region {scenario.region} --refresh'",
        )
    return scenario


def _one_line(document: YamlDocument, exc: ValidationError) -> str:
    """The first problem, with the value given when it is a scalar, and how many more there are."""
    problems = validation_problems(document, exc, suggest=_suggest)
    first, error = problems[0], exc.errors()[0]
    text = str(first)
    if "input" in error and error["type"] not in ("missing", "extra_forbidden"):
        given = error["input"]
        if not isinstance(given, dict | list) and str(given) not in text:
            text += f" (got {given!r})"
    more = len(problems) - 1
    return text + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def _suggest(loc: tuple[Any, ...]) -> str | None:
    """The field the user probably meant, from the model at the error's location."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, str) and model is Scenario and part == "tiers":
            model = dict
            continue
        if model is dict:
            model = TierSpec
            continue
        fields = getattr(model, "model_fields", {})
        fld = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
        if fld is None:
            return None
        annotation = fld.annotation
        model = next(
            (
                a
                for a in getattr(annotation, "__args__", (annotation,))
                if isinstance(a, type) and issubclass(a, BaseModel)
            ),
            None,
        )
        if model is None:
            return None
    names = [f.alias or n for n, f in getattr(model, "model_fields", {}).items()]
    close = difflib.get_close_matches(str(loc[-1]), names, n=1)
    return close[0] if close else None
