"""From what the user typed (`--api NAME_OR_ID --stage S`) to one API, its type and its stage.

REST APIs live in the `apigateway` control plane and HTTP and WebSocket APIs in `apigatewayv2`, so both are
listed (side by side, one round trip) and matched by id, then by exact name, then case-insensitively. A
miss is a usage error that lists close matches (difflib) so a typo costs one retry, and a name shared by
several APIs is refused with their ids rather than guessed.

Once the API is known, the stage, the deployments and (REST only) the WAF web ACL with its logging
destination are read in parallel. Those extras never fail the resolution: a denied or unsupported call
becomes a skipped `Check` carried in `ResolvedApi.checks`.
"""

from __future__ import annotations

import difflib
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NoReturn

from apigwops.apitypes import profile
from apigwops.aws.arns import log_group_name, rest_stage_arn
from apigwops.aws.errors import error_code, skip_reason, translate
from apigwops.aws.paging import all_items, run_all
from apigwops.aws.session import AwsContext
from apigwops.errors import NotFoundError, UsageError
from apigwops.model import ApiInfo, ApiType, Check, StageConfig

SANDBOX_URL_TAG = "apigwops:sandbox-url"
NOT_FOUND_CODES = frozenset({"NotFoundException", "NotFound", "ResourceNotFoundException"})


@dataclass(frozen=True)
class ResolvedApi:
    """One API stage, identified; `checks` says which resolution extras (WAF, deployments) could not be read."""

    info: ApiInfo
    stage: StageConfig
    raw_api: dict[str, Any]
    raw_stage: dict[str, Any]
    checks: tuple[Check, ...] = ()
    deployments: tuple[dict[str, Any], ...] = field(default=(), repr=False)  # raw GetDeployments items


@dataclass(frozen=True)
class _Candidate:
    id: str
    name: str
    type: ApiType
    raw: dict[str, Any]

    def label(self) -> str:
        return f"{self.name} ({self.id}, {self.type})"


def resolve_api(aws: AwsContext, api: str, stage: str) -> ResolvedApi:
    """Find the API and stage; unknown or ambiguous → NotFoundError/UsageError (exit 2), credentials → 253."""
    wanted = api.strip()
    if not wanted:
        raise UsageError("--api is empty: give an API name or id")
    if not stage.strip():
        raise UsageError("--stage is empty: give a stage name")
    candidates = _list_apis(aws)
    chosen = _choose(candidates, wanted, aws.region)
    return _resolve_stage(aws, chosen, stage.strip())


def _fail(exc: BaseException) -> NoReturn:
    known = translate(exc)
    if known is None:
        raise exc
    raise known from exc


def _list_apis(aws: AwsContext) -> list[_Candidate]:
    futures = run_all(
        {
            "rest": lambda: all_items(
                aws.client("apigateway"), "get_rest_apis", "items", PaginationConfig={"PageSize": 500}
            ),
            "v2": lambda: all_items(aws.client("apigatewayv2"), "get_apis", "Items"),
        }
    )
    candidates: list[_Candidate] = []
    for item in _result(futures["rest"]):
        candidates.append(_Candidate(str(item["id"]), str(item.get("name", "")), "REST", item))
    for item in _result(futures["v2"]):
        kind: ApiType = "WEBSOCKET" if item.get("ProtocolType") == "WEBSOCKET" else "HTTP"
        candidates.append(_Candidate(str(item["ApiId"]), str(item.get("Name", "")), kind, item))
    return candidates


def _result(future: Future[Any]) -> Any:
    exc = future.exception()
    if exc is not None:
        _fail(exc)
    return future.result()


def _choose(candidates: list[_Candidate], wanted: str, region: str) -> _Candidate:
    for matches in (
        [c for c in candidates if c.id == wanted],
        [c for c in candidates if c.name == wanted],
        [c for c in candidates if c.name.lower() == wanted.lower()],
    ):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            labels = ", ".join(sorted(m.label() for m in matches))
            raise UsageError(
                f"API name {wanted!r} is ambiguous in {region}: {labels}", hint="pass the API id with --api"
            )
    names = sorted({c.name for c in candidates} | {c.id for c in candidates})
    close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.6)
    message = f"no REST, HTTP or WebSocket API named {wanted!r} or with that id in {region}"
    if close:
        close_labels = [c.label() for name in close for c in candidates if name in (c.name, c.id)]
        message += f"; close matches: {', '.join(dict.fromkeys(close_labels))}"
    elif candidates and len(candidates) <= 10:
        message += f"; APIs there: {', '.join(sorted(c.label() for c in candidates))}"
    elif not candidates:
        message += " (it has no APIs)"
    raise NotFoundError(message, hint="check the name, --region and --profile")


def _resolve_stage(aws: AwsContext, api: _Candidate, stage: str) -> ResolvedApi:
    tasks: dict[str, Any] = {
        "stage": lambda: _get_stage(aws, api, stage),
        "deployments": lambda: _get_deployments(aws, api),
    }
    if profile(api.type).waf:
        tasks["waf"] = lambda: _web_acl(aws, api, stage)
    futures = run_all(tasks)
    raw_stage: dict[str, Any] = _result(futures["stage"])
    checks: list[Check] = []

    deployments: list[dict[str, Any]] = []
    exc = futures["deployments"].exception()
    if exc is not None:
        service = profile(api.type).control_plane
        checks.append(Check("config-deployments", "skipped", skip_reason(exc, service, "GetDeployments")))
    else:
        deployments = futures["deployments"].result()
        checks.append(Check("config-deployments", "ok", detail={"deployments": len(deployments)}))

    web_acl_arn: str | None = raw_stage.get("webAclArn")
    waf_log_group: str | None = None
    if "waf" in futures:
        acl, log_group, waf_checks = futures["waf"].result()
        web_acl_arn = acl or web_acl_arn
        waf_log_group = log_group
        checks.extend(waf_checks)

    stage_config = _stage_config(api, stage, raw_stage, deployments, web_acl_arn, waf_log_group)
    unread = [c.reason for c in checks if c.id.startswith("config-waf-") and c.status != "ok"]
    if web_acl_arn and unread:
        stage_config = replace(stage_config, waf_logging_unread=unread[0])
    info = ApiInfo(
        id=api.id,
        name=api.name,
        type=api.type,
        stage=stage,
        region=aws.region,
        endpoint=invoke_url(api.type, api.id, aws.region, stage, _tags(api.raw)),
    )
    return ResolvedApi(
        info=info,
        stage=stage_config,
        raw_api=api.raw,
        raw_stage=raw_stage,
        checks=tuple(checks),
        deployments=tuple(deployments),
    )


def _get_stage(aws: AwsContext, api: _Candidate, stage: str) -> dict[str, Any]:
    try:
        if profile(api.type).v1:
            raw = aws.client("apigateway").get_stage(restApiId=api.id, stageName=stage)
        else:
            raw = aws.client("apigatewayv2").get_stage(ApiId=api.id, StageName=stage)
    except Exception as exc:
        if error_code(exc) not in NOT_FOUND_CODES:
            _fail(exc)
        stages = _stage_names(aws, api)
        close = difflib.get_close_matches(stage, stages, n=1, cutoff=0.6)
        listed = ", ".join(stages) if stages else "none (the API was never deployed)"
        raise NotFoundError(
            f"API {api.label()} has no stage {stage!r}; its stages: {listed}",
            hint=f"did you mean --stage {close[0]}?" if close else None,
        ) from None
    raw.pop("ResponseMetadata", None)
    return dict(raw)


def _stage_names(aws: AwsContext, api: _Candidate) -> list[str]:
    try:
        if profile(api.type).v1:
            items = aws.client("apigateway").get_stages(restApiId=api.id).get("item", [])
            return sorted(str(i["stageName"]) for i in items)
        items = all_items(aws.client("apigatewayv2"), "get_stages", "Items", ApiId=api.id)
        return sorted(str(i["StageName"]) for i in items)
    except Exception as exc:
        _fail(exc)


def _get_deployments(aws: AwsContext, api: _Candidate) -> list[dict[str, Any]]:
    if profile(api.type).v1:
        return all_items(aws.client("apigateway"), "get_deployments", "items", restApiId=api.id)
    return all_items(aws.client("apigatewayv2"), "get_deployments", "Items", ApiId=api.id)


def _web_acl(aws: AwsContext, api: _Candidate, stage: str) -> tuple[str | None, str | None, list[Check]]:
    """WAF only protects REST stages; the log group of its full logs is what names the blocking rule."""
    waf = aws.client("wafv2")
    try:
        response = waf.get_web_acl_for_resource(ResourceArn=rest_stage_arn(aws.region, api.id, stage))
    except Exception as exc:
        return (
            None,
            None,
            [Check("config-waf-acl", "skipped", skip_reason(exc, "wafv2", "GetWebACLForResource"))],
        )
    acl_arn = response.get("WebACL", {}).get("ARN")
    if not acl_arn:
        return None, None, [Check("config-waf-acl", "ok", "no web ACL is associated with the stage")]
    checks = [Check("config-waf-acl", "ok", detail={"web_acl": response["WebACL"].get("Name", "")})]
    try:
        logging = waf.get_logging_configuration(ResourceArn=acl_arn)["LoggingConfiguration"]
    except Exception as exc:
        if error_code(exc) == "WAFNonexistentItemException":
            checks.append(Check("config-waf-logging", "ok", "the web ACL has no logging configured"))
        else:
            checks.append(
                Check("config-waf-logging", "skipped", skip_reason(exc, "wafv2", "GetLoggingConfiguration"))
            )
        return acl_arn, None, checks
    groups = [g for g in (log_group_name(d) for d in logging.get("LogDestinationConfigs", [])) if g]
    reason = "" if groups else "WAF logs go to S3 or Firehose, which apigwops does not read"
    checks.append(Check("config-waf-logging", "ok", reason))
    return acl_arn, (groups[0] if groups else None), checks


def _tags(raw_api: dict[str, Any]) -> dict[str, str]:
    return dict(raw_api.get("tags") or raw_api.get("Tags") or {})


def invoke_url(api_type: ApiType, api_id: str, region: str, stage: str, tags: dict[str, str]) -> str:
    """The stage's invoke URL; the sandbox tags its APIs with the local URL that behaves like the stage."""
    if tags.get(SANDBOX_URL_TAG):
        return tags[SANDBOX_URL_TAG]
    scheme = profile(api_type).url_scheme
    base = f"{scheme}://{api_id}.execute-api.{region}.amazonaws.com"
    if stage == profile(api_type).root_stage:
        return base
    return f"{base}/{stage}"


def created(deployment: dict[str, Any]) -> datetime | None:
    """When a deployment was made (REST `createdDate`, v2 `CreatedDate`)."""
    value = deployment.get("createdDate", deployment.get("CreatedDate"))
    return value if isinstance(value, datetime) else None


def latest_deployment(deployments: list[dict[str, Any]]) -> dict[str, Any] | None:
    dated = [(when, d) for d in deployments if (when := created(d)) is not None]
    if not dated:
        return None
    return max(dated, key=lambda pair: pair[0])[1]


def _stage_config(
    api: _Candidate,
    stage: str,
    raw: dict[str, Any],
    deployments: list[dict[str, Any]],
    web_acl_arn: str | None,
    waf_log_group: str | None,
) -> StageConfig:
    latest = latest_deployment(deployments)
    if profile(api.type).v1:
        defaults = raw.get("methodSettings", {}).get("*/*", {})
        access = raw.get("accessLogSettings") or {}
        caching = bool(raw.get("cacheClusterEnabled"))
        return StageConfig(
            name=stage,
            deployment_id=raw.get("deploymentId"),
            latest_deployment_id=latest.get("id") if latest else None,
            throttle_rate=defaults.get("throttlingRateLimit"),
            throttle_burst=defaults.get("throttlingBurstLimit"),
            caching_enabled=caching,
            cache_size_gb=raw.get("cacheClusterSize") if caching else None,
            logging_level=defaults.get("loggingLevel") or "OFF",
            data_trace=bool(defaults.get("dataTraceEnabled")),
            detailed_metrics=bool(defaults.get("metricsEnabled")),
            access_log_destination=log_group_name(access.get("destinationArn")),
            access_log_format=access.get("format"),
            execution_log_group=f"API-Gateway-Execution-Logs_{api.id}/{stage}",
            web_acl_arn=web_acl_arn,
            waf_log_group=waf_log_group,
            last_updated=raw.get("lastUpdatedDate"),
        )
    defaults = raw.get("DefaultRouteSettings") or {}
    access = raw.get("AccessLogSettings") or {}
    execution_logs = profile(api.type).execution_logs
    return StageConfig(
        name=stage,
        deployment_id=raw.get("DeploymentId"),
        latest_deployment_id=latest.get("DeploymentId") if latest else None,
        throttle_rate=defaults.get("ThrottlingRateLimit"),
        throttle_burst=defaults.get("ThrottlingBurstLimit"),
        logging_level=(defaults.get("LoggingLevel") or "OFF") if execution_logs else None,
        data_trace=bool(defaults.get("DataTraceEnabled")),
        detailed_metrics=bool(defaults.get("DetailedMetricsEnabled")),
        access_log_destination=log_group_name(access.get("DestinationArn")),
        access_log_format=access.get("Format"),
        execution_log_group=f"API-Gateway-Execution-Logs_{api.id}/{stage}" if execution_logs else None,
        last_updated=raw.get("LastUpdatedDate"),
    )
