"""Which routes smoke, ramp and soak load when no `--route` is given, and whether the default path is one.

A smoke test of `GET /` against an API without a `/` route sends nothing but 403 `Missing Authentication
Token` (REST, reference §3 and C11) or 404 `Not Found` (HTTP APIs), which proves nothing about the deploy. So:

- the target came from `--api/--stage`, or `--url` is an `execute-api` URL in the session's region: read the
  stage's GET routes from API Gateway (`GetResources` / `GetRoutes`, read-only);
- otherwise load `GET /`, and after the run say so when API Gateway answered that it is not a route
  (`service.build_report`, from the 403 Missing Authentication Token answers the plugin counts). No probe
  request before the run: the target's own count must equal what the run reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from apigwops.loadtest.target import Target, discover_routes

if TYPE_CHECKING:
    from apigwops.runtime import Runtime

_EXECUTE_API = re.compile(r"^(?P<id>[a-z0-9]{10})\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com$")


@dataclass(frozen=True)
class LearnedRoutes:
    routes: list[str]  # 'GET /path', empty when none could be learned
    source: str | None  # where they came from, for the progress line
    reason: str | None  # why none could be learned


def execute_api_id(url: str) -> tuple[str, str] | None:
    """(api id, region) of an `https://{id}.execute-api.{region}.amazonaws.com/...` URL."""
    match = _EXECUTE_API.match((urlsplit(url).hostname or "").lower())
    return (match["id"], match["region"]) if match else None


def learn_routes(runtime: Runtime, target: Target) -> LearnedRoutes:
    """The stage's GET routes from API Gateway when the target names an API it can read."""
    if target.api_id:
        routes, reason = discover_routes(runtime, target)
        return LearnedRoutes(routes, "the API", reason)
    found = execute_api_id(target.url)
    if found is None:
        return LearnedRoutes([], None, "the URL is not an execute-api URL")
    api_id, region = found
    if region != runtime.aws.region:
        return LearnedRoutes([], None, f"the URL is in {region}; pass --region {region} to read its routes")
    for api_type in ("REST", "HTTP"):
        routes, reason = discover_routes(runtime, Target(url=target.url, api_id=api_id, api_type=api_type))
        if routes:
            return LearnedRoutes(routes, f"API {api_id}", None)
    return LearnedRoutes([], None, reason)
