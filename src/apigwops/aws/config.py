"""The one botocore `Config` every client uses: retries and timeouts resolved as the AWS CLI does, our user agent.

Why we resolve retries ourselves: botocore gives a `Config` object passed to a client precedence over the
environment and the profile (boto3 guide, "Configuration": Config object > environment variables >
~/.aws/config). Passing our defaults as a Config would silently override a profile's `max_attempts` and
`retry_mode`, so the values are looked up in the AWS CLI's order first and only then put in the Config:

1. AWS_MAX_ATTEMPTS / AWS_RETRY_MODE (environment)
2. `max_attempts` / `retry_mode` in the profile's section of ~/.aws/config
3. our default: standard mode, 5 attempts against AWS (1 against an emulator, see `session.py`)

Timeouts come from `--cli-connect-timeout` / `--cli-read-timeout` (seconds; 0 means no timeout, as in the
AWS CLI, which passes None to botocore for 0) and default to 5 s connect, 30 s read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config

DEFAULT_RETRY_MODE = "standard"
RETRY_MODES = frozenset({"legacy", "standard", "adaptive"})
DEFAULT_MAX_ATTEMPTS = 5
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30
MAX_POOL_CONNECTIONS = 32  # evidence is collected by a thread pool; one pool per client


@dataclass(frozen=True)
class Retries:
    """Retry mode and total attempts, and whether the user (environment or profile) chose the attempts."""

    mode: str
    max_attempts: int
    attempts_chosen: bool


def _attempts(value: object) -> int | None:
    try:
        return max(1, int(str(value)))
    except ValueError:
        return None  # nonsense falls back instead of failing deep inside botocore


def resolve_retries(
    env: Mapping[str, str] | None = None,
    profile: Mapping[str, Any] | None = None,
    *,
    default_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Retries:
    """Environment, then the profile's config section, then our defaults (the AWS CLI's precedence)."""
    environ = os.environ if env is None else env
    section = profile or {}
    mode = DEFAULT_RETRY_MODE
    for candidate in (environ.get("AWS_RETRY_MODE"), section.get("retry_mode")):
        if candidate in RETRY_MODES:
            mode = str(candidate)
            break
    for candidate in (environ.get("AWS_MAX_ATTEMPTS"), section.get("max_attempts")):
        if candidate is not None and (attempts := _attempts(candidate)) is not None:
            return Retries(mode, attempts, True)
    return Retries(mode, default_attempts, False)


def timeout(seconds: float | None, default: float) -> float | None:
    """A `--cli-*-timeout` value: absent means our default, 0 means none (blocking), as in the AWS CLI."""
    if seconds is None:
        return default
    return None if seconds == 0 else seconds


def make_config(
    env: Mapping[str, str] | None = None,
    *,
    default_attempts: int = DEFAULT_MAX_ATTEMPTS,
    profile: Mapping[str, Any] | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> Config:
    """The client Config; `connect_timeout`/`read_timeout` are the raw `--cli-*-timeout` values (None = absent).

    Timeouts are short on connect so that an unreachable endpoint fails in bounded time, and long enough on
    read for FilterLogEvents pages.
    """
    retries = resolve_retries(env, profile, default_attempts=default_attempts)
    return config_for(retries, connect_timeout=connect_timeout, read_timeout=read_timeout)


def config_for(
    retries: Retries, *, connect_timeout: float | None = None, read_timeout: float | None = None
) -> Config:
    from botocore.config import Config

    return Config(
        retries={"mode": retries.mode, "total_max_attempts": retries.max_attempts},
        connect_timeout=timeout(connect_timeout, CONNECT_TIMEOUT_S),
        read_timeout=timeout(read_timeout, READ_TIMEOUT_S),
        max_pool_connections=MAX_POOL_CONNECTIONS,
        user_agent_appid="apigwops",
    )
