"""What one load test will do (`RunPlan`) and the guardrails that bound it before any traffic is sent.

Every run has a duration; users and duration have caps (`--max-users`, `--max-duration`, or the
APIGWOPS_MAX_USERS / APIGWOPS_MAX_DURATION variables); local processes are capped at the cores this process may
use (one Locust process saturates one core, so more only add contention); a stage whose name looks like
production is refused without `--allow-prod`, wherever it appears in the URL (`--stage`, the first path segment,
a host label of a custom domain), except on loopback, where the local sandbox names its stage `prod`.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from apigwops.errors import UsageError
from apigwops.timewindow import MAX_DURATION, parse_duration

DEFAULT_PROD_PATTERN = r"(?i)^(prod|production|live|prd)"
DEFAULT_MAX_USERS = 1000
DEFAULT_MAX_DURATION_S = 3600.0


def usable_cores() -> int:
    """The cores this process may run on (a container's or CI runner's share, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no affinity API
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Limits:
    max_users: int = DEFAULT_MAX_USERS
    max_duration_s: float = DEFAULT_MAX_DURATION_S
    prod_pattern: str = DEFAULT_PROD_PATTERN
    max_workers: int = field(default_factory=usable_cores)


@dataclass
class RunPlan:
    """Everything the runner needs; `headers` hold secrets and are only ever passed through the environment."""

    locustfile: Path
    url: str
    users: int
    spawn_rate: float
    duration_s: float
    workers: int = 1
    scenario: str | None = None
    plugin_in_locustfile: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    tls_verify: bool = True
    stop_timeout_s: float = 5.0
    master_bind: str | None = None  # "host:port": Locust's own master/worker mode across machines
    expect_workers: int = 0
    stage: str | None = None
    user_classes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # Locust's -T/--tags
    exclude_tags: tuple[str, ...] = ()  # Locust's -E/--exclude-tags
    csv_prefix: str | None = None  # Locust's --csv
    sources: dict[str, str] = field(default_factory=dict)  # setting -> where it came from (not the default)

    def describe(self) -> dict[str, Any]:
        """The run's settings for reports: no header values, only which headers were sent."""
        return {
            "scenario": self.scenario or self.locustfile.name,
            "url": self.url,
            "users": self.users,
            "spawn_rate": self.spawn_rate,
            "duration_s": self.duration_s,
            "workers": self.workers,
            "tls_verify": self.tls_verify,
            "headers": sorted(self.headers),
            "stage": self.stage,
            "master_bind": self.master_bind,
            "tags": list(self.tags),
            "exclude_tags": list(self.exclude_tags),
            "settings_from": dict(self.sources),
        }


def parse_run_time(text: str) -> float:
    """`30s`, `5m`, `1h30m`, or plain seconds; a run without a positive, bounded duration is refused.

    Plain seconds get the same ceiling as a written duration (`timewindow.MAX_DURATION`), so that a digit
    string too long for a float is one line, not an overflow.
    """
    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        seconds = float(text)
        if seconds > MAX_DURATION.total_seconds():  # also inf
            raise UsageError(f"--run-time {text[:20]}...: longer than {MAX_DURATION.days} days")
    else:
        seconds = parse_duration(text).total_seconds()
    if seconds <= 0:
        raise UsageError(f"--run-time must be positive, got {text!r}")
    return seconds


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def stage_from_url(url: str) -> str | None:
    """The stage in an execute-api invoke URL (https://id.execute-api.region.amazonaws.com/STAGE/...)."""
    parts = urlsplit(url)
    if ".execute-api." not in (parts.hostname or ""):
        return None
    segments = [s for s in parts.path.split("/") if s]
    return segments[0] if segments else None


def stage_candidates(url: str) -> list[str]:
    """Names in a URL that may be a stage, for a host that is not execute-api (whose stage is the first path
    segment: `stage_from_url`). A custom domain maps base paths to stages, and teams name hosts after them
    (`https://api.example.com/prod/`, `prod.api.example.com`, `api-prod.example.com`): each host label and path
    segment, and each part of one split at `-`, `_` or `.`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ".execute-api." in host:
        return []
    names = [label for label in host.split(".") if label]
    names += [segment for segment in parts.path.split("/") if segment]
    pieces = [piece for name in names for piece in re.split(r"[-_.]", name) if piece and piece != name]
    return [*names, *pieces]


def production_name(plan: RunPlan, pattern: re.Pattern[str]) -> str | None:
    """What in the plan looks like a production stage, or None.

    `--stage` and an execute-api URL's stage are searched with the pattern, as before; names found elsewhere in
    a URL must match it whole (`prod`, `production`, `prod` in `api-prod`), so that a route like `/products`
    or a host like `prodigy.example.com` is not mistaken for a stage."""
    for name in (plan.stage, stage_from_url(plan.url)):
        if name and pattern.search(name):
            return name
    return next((name for name in stage_candidates(plan.url) if pattern.fullmatch(name)), None)


def check_guardrails(plan: RunPlan, limits: Limits, *, allow_prod: bool) -> None:
    """Raise UsageError (exit 2) before any traffic when the plan breaks a limit."""
    if plan.users < 1:
        raise UsageError(f"--users must be at least 1, got {plan.users}")
    if plan.spawn_rate <= 0:
        raise UsageError(f"--spawn-rate must be positive, got {plan.spawn_rate}")
    if plan.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {plan.workers}")
    if plan.workers > limits.max_workers:
        raise UsageError(
            f"--workers {plan.workers} is above the cap of {limits.max_workers} (the cores this machine gives"
            " apigwops; more Locust processes than cores add no load)",
            hint="spread a bigger run over machines with --master-bind and --worker",
        )
    if plan.users > limits.max_users:
        raise UsageError(
            f"--users {plan.users} is above the cap of {limits.max_users}",
            hint="raise it with --max-users or APIGWOPS_MAX_USERS if you mean it",
        )
    if plan.duration_s > limits.max_duration_s:
        raise UsageError(
            f"--run-time {plan.duration_s:g}s is above the cap of {limits.max_duration_s:g}s",
            hint="raise it with --max-duration or APIGWOPS_MAX_DURATION if you mean it",
        )
    try:
        pattern = re.compile(limits.prod_pattern)
    except re.error as exc:
        raise UsageError(f"bad --prod-pattern {limits.prod_pattern!r}: {exc}") from None
    if allow_prod or is_loopback(plan.url):
        return
    name = production_name(plan, pattern)
    if name is not None:
        where = "" if name == plan.stage else " (from the URL)"
        raise UsageError(
            f"stage {name!r}{where} looks like production (pattern {limits.prod_pattern!r});"
            " refusing to load-test it",
            hint="pass --allow-prod if this is intended",
        )
