"""Builds the Runtime from the global options; the only place consoles are made."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

import typer

from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.errors import UsageError
from apigwops.runtime import Runtime


@dataclass
class GlobalOptions:
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    output: str | None = None
    debug: bool = False
    no_color: bool = False
    quiet: bool = False


class ConsoleProgress:
    """Progress on stderr; untrusted text (log lines, AWS messages) printed with markup off. One message is
    one line (soft wrap): rich would otherwise break it at 80 columns when stderr is not a terminal."""

    def __init__(self, console: Any, quiet: bool) -> None:
        self._console = console
        self._quiet = quiet

    def step(self, message: str) -> None:
        if not self._quiet:
            self._console.print(message, markup=False, highlight=False, style="dim", soft_wrap=True)

    def warn(self, message: str) -> None:
        self._console.print(
            f"warning: {message}", markup=False, highlight=False, style="yellow", soft_wrap=True
        )


def global_options(ctx: typer.Context) -> GlobalOptions:
    root = ctx.find_root()
    if not isinstance(root.obj, GlobalOptions):
        root.obj = GlobalOptions()
    return root.obj


def make_runtime(ctx: typer.Context, *, formats: tuple[str, ...] = ("table", "json", "markdown")) -> Runtime:
    """The Runtime for a command; `formats` lists the output modes that command supports."""
    from rich.console import Console

    opts = global_options(ctx)
    color = not opts.no_color and not os.environ.get("NO_COLOR")
    out = Console(no_color=not color, soft_wrap=False, highlight=False)
    err = Console(stderr=True, no_color=not color, highlight=False)
    output = opts.output or ("table" if sys.stdout.isatty() else "json")
    if output not in formats:
        if opts.output:
            raise UsageError(f"--output {output} is not available here; choose one of: {', '.join(formats)}")
        output = formats[0] if "json" not in formats else "json"
    return Runtime(
        aws=AwsContext(
            AwsSettings(opts.profile, opts.region, opts.endpoint_url),
            debug=_debug_writer(err) if opts.debug else None,
        ),
        progress=ConsoleProgress(err, opts.quiet),
        output=output,
        debug=opts.debug,
        color=color,
        out=out,
        err=err,
    )


def _debug_writer(err: Any) -> Any:
    """`--debug` lines on stderr, printed as plain text (no markup from AWS names)."""

    def write(line: str) -> None:
        err.print(line, markup=False, highlight=False, style="dim")

    return write
