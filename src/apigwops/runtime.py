"""The one object the CLI builds and hands to the core: AWS access, clock, sleep, progress, output choices.

Tests replace any part of it (a fixed clock, a no-op sleep, an AwsContext pointed at moto) instead of
patching globals.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from apigwops.aws.session import AwsContext
from apigwops.progress import NullProgress, Progress

if TYPE_CHECKING:
    from rich.console import Console


class OutputFormat(StrEnum):
    """The `--output` choices; each result's renderers are registered per format in `apigwops.render`."""

    table = "table"
    json = "json"
    yaml = "yaml"
    text = "text"
    markdown = "markdown"
    csv = "csv"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Everything a command needs from the outside world."""

    aws: AwsContext = field(default_factory=AwsContext)
    progress: Progress = field(default_factory=NullProgress)
    clock: Callable[[], datetime] = utcnow
    sleep: Callable[[float], None] = time.sleep
    output: OutputFormat = OutputFormat.json
    query: str | None = None  # a JMESPath expression applied to the JSON document before rendering
    debug: bool = False
    color: bool = False
    out: Console | None = None  # data (stdout); only the CLI layer prints to it
    err: Console | None = None  # progress, warnings, errors (stderr)
