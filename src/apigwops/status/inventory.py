"""Every REST, HTTP and WebSocket API stage of a region: two list calls, then the stages of each API in parallel.

GetStages is per API in both control planes, so the number of calls grows with the number of APIs; the calls
run side by side (the pool in `aws.paging`), so the time does not grow with it beyond the pool's width.

One control plane or one API that cannot be read costs only its own stages: it becomes a skipped check
(`status-rest-apis`, `status-v2-apis`, `status-stages:<api id>`). When neither control plane can be listed the
error ends the command (there is nothing to show).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from apigwops.alarms.recommended import StageRef
from apigwops.aws.errors import skip_reason, translate
from apigwops.aws.paging import all_items, run_all
from apigwops.aws.session import AwsContext
from apigwops.model import ApiType, Check


def _raise(exc: BaseException) -> None:
    known = translate(exc)
    if known is None:
        raise exc
    raise known from exc


def list_stages(
    aws: AwsContext, *, api: str | None = None, stage: str | None = None
) -> tuple[list[StageRef], list[Check]]:
    """Every stage of the region, or of the API named `api` (id or name) and/or only stages named `stage`."""
    region = aws.region
    listed = run_all(
        {
            "rest": lambda: all_items(
                aws.client("apigateway"), "get_rest_apis", "items", PaginationConfig={"PageSize": 500}
            ),
            "v2": lambda: all_items(aws.client("apigatewayv2"), "get_apis", "Items"),
        }
    )
    checks: list[Check] = []
    failed: dict[str, BaseException] = {
        name: exc for name, f in listed.items() if (exc := f.exception()) is not None
    }
    if len(failed) == 2:
        _raise(failed["rest"])
    apis: list[tuple[str, str, ApiType]] = []
    if "rest" in failed:
        checks.append(
            Check("status-rest-apis", "skipped", skip_reason(failed["rest"], "apigateway", "GetRestApis"))
        )
    else:
        apis += [(str(a["id"]), str(a.get("name", "")), "REST") for a in listed["rest"].result()]
    if "v2" in failed:
        checks.append(
            Check("status-v2-apis", "skipped", skip_reason(failed["v2"], "apigatewayv2", "GetApis"))
        )
    else:
        for item in listed["v2"].result():
            kind: ApiType = "WEBSOCKET" if item.get("ProtocolType") == "WEBSOCKET" else "HTTP"
            apis.append((str(item["ApiId"]), str(item.get("Name", "")), kind))
    if api is not None:
        apis = [a for a in apis if api in (a[0], a[1])]

    def stages_of(api_id: str, api_type: ApiType) -> list[dict[str, Any]]:
        if api_type == "REST":
            return list(aws.client("apigateway").get_stages(restApiId=api_id).get("item", []))
        return all_items(aws.client("apigatewayv2"), "get_stages", "Items", ApiId=api_id)

    futures = run_all({f"{t}:{i}": partial(stages_of, i, t) for i, _, t in apis})
    out: list[StageRef] = []
    for api_id, name, kind in apis:
        future = futures[f"{kind}:{api_id}"]
        exc = future.exception()
        if exc is not None:
            service = "apigateway" if kind == "REST" else "apigatewayv2"
            checks.append(Check(f"status-stages:{api_id}", "skipped", skip_reason(exc, service, "GetStages")))
            continue
        for raw in future.result():
            stage_name = str(raw.get("stageName") or raw.get("StageName"))
            if stage is not None and stage_name != stage:
                continue
            caching = bool(raw.get("cacheClusterEnabled")) if kind == "REST" else False
            out.append(StageRef(region, api_id, name, kind, stage_name, caching))
    return out, checks
