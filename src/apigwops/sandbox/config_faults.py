"""Faults that are configuration mistakes on AWS also show in the sandbox's configuration in moto.

So that diagnose can confirm them by reading configuration, as it would on an account (signals reference §4:
`lambda get-policy` for C37, `get-function-concurrency` for C38, the stage's `methodSettings` throttle for
C31). A fault counts as configured while its rate is above 0; healing it restores the original setting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from apigwops.sandbox import constants as c
from apigwops.sandbox.loopback import loopback_client

THROTTLED_CONCURRENCY = 2
# The stage fault forces 429s whatever the request rate, so its configured limit must be one that any traffic
# exceeds: AWS throttles a stage only above its rate (§4.3 C31), and diagnose tells C31 from the account
# limit (C30) exactly that way, by the requests per second against the configured rate.
STAGE_RATE_LIMIT = 1.0
STAGE_BURST_LIMIT = 2


class ConfigFaults:
    """Applies and reverts the configuration side of `permission-missing`, `lambda-throttled`, `stage-throttled`."""

    def __init__(self, endpoint: str, rest_api_id: str, http_api_id: str) -> None:
        self._endpoint = endpoint
        self._rest_api_id = rest_api_id
        self._http_api_id = http_api_id
        self._active: set[str] = set()
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}
        self._stage_throttle: tuple[float, int] | None = None
        self._actions: dict[str, tuple[Callable[[], None], Callable[[], None]]] = {
            "permission-missing": (self._remove_permissions, self._add_permissions),
            "lambda-throttled": (self._limit_concurrency, self._free_concurrency),
            "stage-throttled": (self._throttle_stage, self._restore_stage),
        }

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = loopback_client(service, self._endpoint, c.REGION)
        return self._clients[service]

    def apply(self, faults: Mapping[str, float]) -> None:
        wanted = {name for name, rate in faults.items() if rate > 0 and name in self._actions}
        with self._lock:
            for name in sorted(wanted - self._active):
                self._actions[name][0]()
            for name in sorted(self._active - wanted):
                self._actions[name][1]()
            self._active = wanted

    def _statements(self) -> list[tuple[str, str]]:
        return [("apigateway-rest", self._rest_api_id), ("apigateway-http", self._http_api_id)]

    def _remove_permissions(self) -> None:
        for function in c.FUNCTIONS:
            for sid, _ in self._statements():
                self._client("lambda").remove_permission(FunctionName=function.name, StatementId=sid)

    def _add_permissions(self) -> None:
        add_invoke_permissions(self._client("lambda"), self._rest_api_id, self._http_api_id)

    def _limit_concurrency(self) -> None:
        for function in c.FUNCTIONS:
            self._client("lambda").put_function_concurrency(
                FunctionName=function.name, ReservedConcurrentExecutions=THROTTLED_CONCURRENCY
            )

    def _free_concurrency(self) -> None:
        for function in c.FUNCTIONS:
            self._client("lambda").delete_function_concurrency(FunctionName=function.name)

    def _throttle_stage(self) -> None:
        apig = self._client("apigateway")
        current = apig.get_stage(restApiId=self._rest_api_id, stageName=c.STAGE)["methodSettings"]["*/*"]
        self._stage_throttle = (current["throttlingRateLimit"], current["throttlingBurstLimit"])
        self._set_stage_throttle(STAGE_RATE_LIMIT, STAGE_BURST_LIMIT)
        self._set_http_throttle(
            {"ThrottlingRateLimit": STAGE_RATE_LIMIT, "ThrottlingBurstLimit": STAGE_BURST_LIMIT}
        )

    def _restore_stage(self) -> None:
        if self._stage_throttle is not None:
            self._set_stage_throttle(*self._stage_throttle)
        self._set_http_throttle(None)

    def _set_http_throttle(self, settings: dict[str, Any] | None) -> None:
        """The HTTP stage's default route throttle (`apigatewayv2 get-stage` DefaultRouteSettings).

        moto has no UpdateStage for HTTP APIs, so the stage is re-created with the same settings plus (or
        minus) the throttle; on AWS this is `apigatewayv2 update-stage --default-route-settings`.
        """
        v2 = self._client("apigatewayv2")
        stage = v2.get_stage(ApiId=self._http_api_id, StageName=c.STAGE)
        v2.delete_stage(ApiId=self._http_api_id, StageName=c.STAGE)
        params: dict[str, Any] = {"ApiId": self._http_api_id, "StageName": c.STAGE, "AutoDeploy": True}
        if stage.get("AccessLogSettings"):
            params["AccessLogSettings"] = stage["AccessLogSettings"]
        if stage.get("Tags"):
            params["Tags"] = stage["Tags"]
        if settings is not None:
            params["DefaultRouteSettings"] = settings
        v2.create_stage(**params)

    def _set_stage_throttle(self, rate: float, burst: int) -> None:
        self._client("apigateway").update_stage(
            restApiId=self._rest_api_id,
            stageName=c.STAGE,
            patchOperations=[
                {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(rate)},
                {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(burst)},
            ],
        )


def add_invoke_permissions(lam: Any, rest_api_id: str, http_api_id: str) -> None:
    """The resource policy that lets API Gateway invoke the function (what §4.4 C37 checks with get-policy)."""
    for function in c.FUNCTIONS:
        for sid, api_id in (("apigateway-rest", rest_api_id), ("apigateway-http", http_api_id)):
            lam.add_permission(
                FunctionName=function.name,
                StatementId=sid,
                Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
                SourceArn=f"arn:aws:execute-api:{c.REGION}:{c.ACCOUNT_ID}:{api_id}/*",
            )
