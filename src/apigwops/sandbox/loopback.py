"""Write access for the sandbox only: plain boto3 clients that refuse any endpoint that is not loopback.

The tool's own `AwsContext` stays read-only (the allowlist); provisioning, PutLogEvents and PutMetricData go
through these clients instead, which carry fake credentials and check every request's host before it is sent,
so that no sandbox write can ever reach a real AWS account.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlparse

from apigwops.errors import UsageError

FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def is_loopback_url(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_loopback(url: str) -> None:
    if not is_loopback_url(url):
        raise UsageError(f"the sandbox only writes to a loopback endpoint, not {url}")


def _refuse_non_loopback(request: Any, **_: Any) -> None:
    if not is_loopback_url(str(request.url)):
        raise UsageError(f"the sandbox refused to send a write request to {request.url}")


def loopback_client(service: str, endpoint: str, region: str) -> Any:
    """A boto3 client for moto at `endpoint`, with fake credentials and a per-request loopback check."""
    import boto3
    from botocore.config import Config

    require_loopback(endpoint)
    session = boto3.session.Session(region_name=region, **FAKE_CREDENTIALS)
    client = session.client(
        service,
        endpoint_url=endpoint,
        config=Config(
            retries={"mode": "standard", "total_max_attempts": 3},
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=16,
        ),
    )
    client.meta.events.register("before-send", _refuse_non_loopback)
    return client
