"""The one botocore `Config` every client uses: explicit retries, bounded timeouts, our user agent."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.config import Config

DEFAULT_RETRY_MODE = "standard"
DEFAULT_MAX_ATTEMPTS = 5
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30
MAX_POOL_CONNECTIONS = 32  # evidence is collected by a thread pool; one pool per client


def make_config(
    env: Mapping[str, str] | None = None, *, default_attempts: int = DEFAULT_MAX_ATTEMPTS
) -> Config:
    """Retries are explicit (botocore's default changed in 1.44), overridable with AWS_RETRY_MODE/AWS_MAX_ATTEMPTS.

    Timeouts are short on connect so that an unreachable endpoint fails in bounded time, and long enough on
    read for FilterLogEvents pages.
    """
    from botocore.config import Config

    environ = os.environ if env is None else env
    mode = environ.get("AWS_RETRY_MODE", DEFAULT_RETRY_MODE)
    if mode not in {"legacy", "standard", "adaptive"}:
        mode = DEFAULT_RETRY_MODE
    try:
        attempts = int(environ.get("AWS_MAX_ATTEMPTS", default_attempts))
    except ValueError:
        attempts = default_attempts
    return Config(
        retries={"mode": mode, "total_max_attempts": max(1, attempts)},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        max_pool_connections=MAX_POOL_CONNECTIONS,
        user_agent_appid="apigwops",
    )
