"""Where the traffic goes and with which credentials: `--url`, or `--api/--stage` resolved through AWS.

Secrets (API keys, tokens, Authorization values) are kept in `Target.headers`, passed to Locust only through
its environment, and shown everywhere else as their last four characters.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from apigwops.apitypes import profile
from apigwops.errors import UsageError

if TYPE_CHECKING:
    from apigwops.runtime import Runtime

SECRET_HEADERS = {"authorization", "x-api-key", "cookie", "proxy-authorization", "x-amz-security-token"}
TIERS = ("free", "basic", "premium", "internal")


@dataclass
class Target:
    url: str
    api_name: str | None = None
    api_id: str | None = None
    api_type: str | None = None  # REST, HTTP, WEBSOCKET
    stage: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    api_key: str | None = None


def mask(secret: str) -> str:
    """At most the last four characters of a secret."""
    return f"…{secret[-4:]}" if len(secret) > 8 else "…"


def check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https", "ws", "wss") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:  # an unclosed IPv6 bracket ('http://[::1'), a bad port
        valid = False
    if not valid:
        raise UsageError(f"--url must be an absolute http(s):// or ws(s):// URL, got {url!r}")
    return url.rstrip("/")


# RFC 9110 §5.1: a field name is a token; §5.5: a value has no CR, LF or NUL (a CR/LF would start a second
# header, i.e. header injection; Locust then fails every request without sending it).
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def parse_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not _TOKEN.match(name):
        raise UsageError(f"malformed --header {text!r}: expected 'Name: value'")
    if _BAD_VALUE.search(value):
        raise UsageError(
            f"malformed --header {name!r}: the value contains a control character (CR, LF, ...);"
            " one --header per header"
        )
    return name, value


def _from_env(name: str, flag: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise UsageError(f"{flag} {name}: that environment variable is not set or empty")
    return value


def auth_headers(
    *,
    api_key: str | None,
    api_key_env: str | None,
    token: str | None,
    token_env: str | None,
    headers: list[str],
) -> tuple[dict[str, str], str | None]:
    """Headers for every request, and the API key on its own (tier-limits needs to find its usage plan)."""
    if api_key and api_key_env:
        raise UsageError("give --api-key or --api-key-env, not both")
    if token and token_env:
        raise UsageError("give --token or --token-env, not both")
    result = dict(parse_header(h) for h in headers)
    key = api_key or (_from_env(api_key_env, "--api-key-env") if api_key_env else None)
    bearer = token or (_from_env(token_env, "--token-env") if token_env else None)
    if key:
        result["x-api-key"] = key
    if bearer:
        result["Authorization"] = bearer if bearer.lower().startswith("bearer ") else f"Bearer {bearer}"
    return result, key


def resolve_target(runtime: Runtime, *, url: str | None, api: str | None, stage: str | None) -> Target:
    """`--url` as given (with `--stage` naming its stage), or the invoke URL of `--api/--stage` (REST, HTTP,
    WebSocket, custom domain, sandbox)."""
    if url and api:
        raise UsageError("give --url (optionally with --stage), or --api with --stage, not both")
    if url:
        return Target(url=check_url(url), stage=stage or None)
    if not (api and stage):
        raise UsageError("say where to send traffic: --url URL, or --api NAME --stage STAGE")
    from apigwops.aws.resolve import resolve_api

    info = resolve_api(runtime.aws, api, stage).info
    if not info.endpoint:
        raise UsageError(f"no invoke URL found for API {api!r} stage {stage!r}")
    return Target(
        url=check_url(info.endpoint),
        api_name=info.name or api,
        api_id=info.id,
        api_type=info.type,
        stage=stage,
    )


def sandbox_key(tier: str) -> str:
    """The API key the local sandbox made for a usage-plan tier."""
    from apigwops.sandbox.state import load_state

    if tier not in TIERS:
        raise UsageError(f"unknown --tier {tier!r}: choose one of {', '.join(TIERS)}")
    state = load_state()
    if state is None:
        raise UsageError("--tier needs a running sandbox: start one with 'apigwops sandbox up'")
    if tier not in state.keys:
        raise UsageError(f"the sandbox has no API key for tier {tier!r}")
    return str(state.keys[tier])


def usage_plan_throttle(runtime: Runtime, api_key: str) -> tuple[float, float] | None:
    """(rate, burst) of the usage plan that holds this API key, read from API Gateway (or the sandbox's moto)."""
    client = runtime.aws.client("apigateway")
    key_id = None
    for page in client.get_paginator("get_api_keys").paginate(includeValues=True):
        for item in page.get("items", []):
            if item.get("value") == api_key:
                key_id = item["id"]
    if key_id is None:
        return None
    for page in client.get_paginator("get_usage_plans").paginate(keyId=key_id):
        for plan in page.get("items", []):
            throttle = plan.get("throttle") or {}
            if "rateLimit" in throttle:
                return float(throttle["rateLimit"]), float(throttle.get("burstLimit", 0))
    return None


def flush_sandbox(url: str) -> bool:
    """Ask a background sandbox serving `url` to ship its pending metrics now (its control endpoint's
    `POST /flush`), so the run's own minute is readable at once; True when it did. Never raises."""
    import urllib.request

    from apigwops.sandbox.state import load_state

    try:
        state = load_state()
    except UsageError:  # an unreadable state file: nothing to flush
        return False
    if state is None or not any(url.startswith(s.url) for s in (state.rest, state.http)):
        return False
    try:
        request = urllib.request.Request(f"{state.control_url.rstrip('/')}/flush", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=5):
            return True
    except OSError:
        return False


def discover_routes(runtime: Runtime, target: Target) -> tuple[list[str], str | None]:
    """The stage's GET routes ('GET /users/{id}'), for smoke/ramp/soak when no --route is given.

    Only GET: a smoke test must not create orders in someone's API by posting empty bodies; other methods are
    load-tested only when named with --route. Returns ([], reason) when the routes cannot be read.
    """
    from apigwops.aws.errors import skip_reason
    from apigwops.aws.paging import all_items

    if not target.api_id:
        return [], "no API id"
    routes: list[str] = []
    try:
        if profile(target.api_type).v1:
            client = runtime.aws.client("apigateway")
            for item in all_items(client, "get_resources", "items", restApiId=target.api_id):
                methods = item.get("resourceMethods") or {}
                routes += [f"GET {item['path']}" for m in methods if m in ("GET", "ANY")]
        else:
            client = runtime.aws.client("apigatewayv2")
            for item in all_items(client, "get_routes", "Items", ApiId=target.api_id):
                method, _, path = str(item.get("RouteKey", "")).partition(" ")
                if method in ("GET", "ANY") and path.startswith("/"):
                    routes.append(f"GET {path}")
    except Exception as exc:  # botocore errors: fall back to GET / with the reason
        service = profile(target.api_type).control_plane
        return [], skip_reason(exc, service)
    return sorted(set(routes)), None


def websocket_routes(runtime: Runtime, target: Target) -> tuple[list[str], str | None]:
    """A WebSocket API's route keys for the websocket scenario (`$connect`/`$disconnect` run on every
    connection, so they are left out); ([], reason) when they cannot be read."""
    from apigwops.aws.errors import skip_reason
    from apigwops.aws.paging import all_items

    if not target.api_id:
        return [], "no API id"
    try:
        items = all_items(runtime.aws.client("apigatewayv2"), "get_routes", "Items", ApiId=target.api_id)
        keys = {str(item.get("RouteKey", "")) for item in items}
    except Exception as exc:  # botocore errors: one ping per connection, with the reason
        return [], skip_reason(exc, "apigatewayv2")
    return sorted(k for k in keys if k and k not in ("$connect", "$disconnect")), None
