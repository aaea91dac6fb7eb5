"""WebSocket faults that are configuration on AWS also show in the WebSocket API's configuration in moto.

So that a diagnosis can confirm them by reading configuration, as on an account: `ws-no-route` removes the
`$default` route (`apigatewayv2 get-routes` then has no catch-all, which is why unmatched messages get
`Forbidden`), `permission-missing` removes API Gateway's invoke permission from the WebSocket functions
(`lambda get-policy`, C37). Healing puts them back (the `$default` route gets a new id, as re-creating it on AWS
would).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from apigwops.sandbox import constants as c
from apigwops.sandbox.loopback import loopback_client
from apigwops.sandbox.websocket import facts as f
from apigwops.sandbox.websocket.provision import PERMISSION_SID, WsProvisioned, add_websocket_permission

CONFIG_FAULTS = ("ws-no-route", "permission-missing")


class WsConfigFaults:
    def __init__(self, endpoint: str, provisioned: WsProvisioned) -> None:
        self._p = provisioned
        self._endpoint = endpoint
        self._clients: dict[str, Any] = {}  # made on first use: most sandboxes never apply these faults
        self._active: set[str] = set()
        self._lock = threading.Lock()

    def apply(self, faults: Mapping[str, float]) -> None:
        wanted = {name for name, rate in faults.items() if rate > 0 and name in CONFIG_FAULTS}
        with self._lock:
            for name in sorted(wanted - self._active):
                self._set(name, active=True)
            for name in sorted(self._active - wanted):
                self._set(name, active=False)
            self._active = wanted

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = loopback_client(service, self._endpoint, c.REGION)
        return self._clients[service]

    def _set(self, name: str, *, active: bool) -> None:
        if name == "ws-no-route":
            v2 = self._client("apigatewayv2")
            if active:
                v2.delete_route(ApiId=self._p.api_id, RouteId=self._p.route_ids[f.DEFAULT])
            else:
                self._p.route_ids[f.DEFAULT] = _default_route(v2, self._p)
        elif active:
            for function in (f.FUNCTION_NAME, f.AUTHORIZER_FUNCTION_NAME):
                self._client("lambda").remove_permission(FunctionName=function, StatementId=PERMISSION_SID)
        else:
            add_websocket_permission(self._client("lambda"), self._p.api_id)


def _default_route(v2: Any, p: WsProvisioned) -> str:
    route = v2.create_route(
        ApiId=p.api_id,
        RouteKey=f.DEFAULT,
        Target=f"integrations/{p.integration_ids[f.DEFAULT]}",
        RouteResponseSelectionExpression="$default",
    )
    v2.create_route_response(ApiId=p.api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
    return str(route["RouteId"])
