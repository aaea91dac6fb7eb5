"""A real WebSocket client (the `websockets` library) on the sandbox's WebSocket stage, and plain-boto3 reads of
what the stage shipped into moto."""

from __future__ import annotations

import json
from typing import Any

from tests.functional.sandbox.helpers import client


def ws_connect(
    sb: Any, *, token: str | None = "valid", in_query: bool = False, url: str | None = None
) -> Any:
    """Open a connection with the token in the Authorization header (or the `token` query parameter)."""
    from websockets.sync.client import connect

    target = url or sb.websocket.url
    headers: dict[str, str] = {}
    if token is not None and in_query:
        target += "?token=" + sb.tokens[token]
    elif token is not None:
        headers["Authorization"] = sb.tokens[token]
    return connect(target, additional_headers=headers, max_size=None, open_timeout=10, close_timeout=5)


def handshake_status(sb: Any, **kwargs: Any) -> tuple[int, bytes]:
    """The HTTP status and body a refused handshake got."""
    from websockets.exceptions import InvalidStatus

    try:
        ws_connect(sb, **kwargs).close()
    except InvalidStatus as exc:
        return exc.response.status_code, exc.response.body or b""
    raise AssertionError("the handshake was accepted")


def send(ws: Any, action: str, data: Any = "hello") -> None:
    ws.send(json.dumps({"action": action, "data": data}))


def ws_groups(sb: Any) -> dict[str, str]:
    from apigwops.sandbox.websocket.facts import log_group_names

    return log_group_names(sb.websocket.api_id)


def ws_log(sb: Any, kind: str, phrase: str) -> list[str]:
    """Messages of one WebSocket log group ("access", "execution", "lambda", "authorizer") containing `phrase`."""
    logs = client(sb, "logs")
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=ws_groups(sb)[kind], filterPattern=f'"{phrase}"'
    )
    return [event["message"] for page in pages for event in page["events"]]


def ws_access(sb: Any, phrase: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in ws_log(sb, "access", phrase)]


def ws_dims(sb: Any, route: str | None = None) -> dict[str, str]:
    dims = {"ApiId": sb.websocket.api_id, "Stage": "prod"}
    if route is not None:
        dims["Route"] = route
    return dims


def wait_for_log(sb: Any, kind: str, phrase: str, *, timeout_s: float = 15.0) -> list[str]:
    """Flush and read until `phrase` is in the group: a disconnect is recorded after the client has seen the
    close (API Gateway runs `$disconnect` after the connection is gone), so it may still be on its way."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        sb.flush()
        found = ws_log(sb, kind, phrase)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)
