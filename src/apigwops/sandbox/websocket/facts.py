"""What AWS documents about WebSocket APIs, as the sandbox's WebSocket stage uses it (one place for each fact).

Sources (recorded in docs/websocket.md): the WebSocket quota table
(apigateway-execution-service-websocket-limits-table.html), the routes page
(apigateway-websocket-api-routes-integrations.html), the logging page (websocket-api-logging.html) and the
signals reference §1.3, §4.10 (C70-C76), §5, §6.3, §9. Facts about the API type itself (metric names and
dimensions, integration timeout, execution logs, the recommended access-log format) are the WEBSOCKET profile's
in `apitypes.py`; this module holds what only the sandbox's WebSocket stage needs.
"""

from __future__ import annotations

from apigwops.apitypes import profile
from apigwops.sandbox import constants as c

WEBSOCKET = profile("WEBSOCKET")

API_NAME = "chat-ws-api"
FUNCTION_NAME = "chat-ws-handler"
AUTHORIZER_FUNCTION_NAME = "chat-ws-authorizer"
AUTHORIZER_NAME = "token-authorizer"
ROUTE_SELECTION_EXPRESSION = "$request.body.action"
CONNECT, DISCONNECT, DEFAULT = "$connect", "$disconnect", "$default"
# Custom routes: `sendmessage` answers the sender (a two-way route: its integration's answer goes back to the
# client); `broadcast` is one-way: the function posts the message to every connection through @connections.
SENDMESSAGE, BROADCAST = "sendmessage", "broadcast"
CUSTOM_ROUTES = (SENDMESSAGE, BROADCAST)
TWO_WAY_ROUTES = frozenset({SENDMESSAGE, DEFAULT})
ROUTE_KEYS = (CONNECT, DISCONNECT, DEFAULT, *CUSTOM_ROUTES)
# The authorizer reads the token from the Authorization header or, since browsers cannot set headers on a
# WebSocket, from the `token` query-string parameter. AWS calls the authorizer only when *every* identity source
# it lists is present (CreateAuthorizer, IdentitySource), so "either" means listing none (optional for REQUEST
# authorizers) and letting the function read whichever came; it raises "Unauthorized" (401) when neither did.
TOKEN_HEADER = "authorization"
TOKEN_QUERY = "token"

# Quotas (WebSocket quota table): none can be increased except the connection rate.
FRAME_LIMIT_BYTES = 32 * 1024
MESSAGE_LIMIT_BYTES = 128 * 1024
IDLE_TIMEOUT_S = 600.0  # 10 minutes
MAX_CONNECTION_S = 7200.0  # 2 hours
NEW_CONNECTIONS_PER_S = 500  # per account per Region, across all WebSocket APIs
INTEGRATION_TIMEOUT_MS = (
    WEBSOCKET.default_timeout_ms
)  # "50 milliseconds - 29 seconds for all integration types"

# Close codes. 1009 for a message over 128 KB or a frame over 32 KB and 1003 for a binary frame are documented
# (routes page); the code for the idle timeout and the 2-hour limit is not (C74 [UNCONFIRMED]): 1001 "going
# away" is inferred.
CLOSE_TOO_BIG = 1009
CLOSE_BINARY = 1003
CLOSE_GOING_AWAY = 1001
CLOSE_NORMAL = 1000

# The stage's access-log format: the WEBSOCKET profile's recommended format (§8.4: every value quoted, valid
# JSON, one line) plus `requestTime` and `connectedAt`, under the 3 KB access-log template quota. It names
# `$context.integration.error`, which the WebSocket variable list calls "Equivalent to
# $context.integrationErrorMessage"; the stage fills both spellings.
ACCESS_LOG_FORMAT = (
    "{"
    + ",".join(
        f'"{key}":"$context.{var}"'
        for key, var in (
            *WEBSOCKET.recommended_format,
            *(
                extra
                for extra in (("requestTime", "requestTime"), ("connectedAt", "connectedAt"))
                if extra not in WEBSOCKET.recommended_format  # the profile's format has connectedAt already
            ),
        )
    )
    + "}"
)


def log_group_names(api_id: str) -> dict[str, str]:
    """Where each kind of WebSocket log goes: execution logs named as for REST with the WebSocket API id (§9.1)."""
    return {
        "access": f"/aws/apigateway/{API_NAME}/{c.STAGE}",
        "execution": f"API-Gateway-Execution-Logs_{api_id}/{c.STAGE}",
        "lambda": f"/aws/lambda/{FUNCTION_NAME}",
        "authorizer": f"/aws/lambda/{AUTHORIZER_FUNCTION_NAME}",
    }


def management_path(connection_id: str) -> str:
    """The @connections path under the stage: POST/GET/DELETE https://{api}.execute-api.../{stage}/@connections/{id}."""
    return f"/{c.STAGE}/@connections/{connection_id}"
