"""The sandbox: moto's server provisioned like a real account, plus local stages that answer like API Gateway.

Library use (tests, `apigwops demo`)::

    with Sandbox.start(faults={"lambda-error": 0.3}) as sb:
        urllib.request.urlopen(sb.rest.url + "/users", ...)
        websockets.sync.client.connect(sb.websocket.url + "?token=" + sb.tokens["valid"])
        sb.flush()   # logs and metrics are now in moto

A background sandbox (`apigwops sandbox up`) writes its state file; `load_state()` reads it.
Heavy imports (boto3, moto, jwt) happen only when a sandbox starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apigwops.sandbox.faults import FAULTS, parse_fault_specs
from apigwops.sandbox.state import SandboxState, load_state

if TYPE_CHECKING:
    from apigwops.sandbox.core import Sandbox, StageEndpoint

__all__ = ["FAULTS", "Sandbox", "SandboxState", "StageEndpoint", "load_state", "parse_fault_specs"]


def __getattr__(name: str) -> Any:
    if name in ("Sandbox", "StageEndpoint"):
        from apigwops.sandbox import core

        return getattr(core, name)
    raise AttributeError(name)
