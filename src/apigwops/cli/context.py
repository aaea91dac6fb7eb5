"""Builds the Runtime from the global options; the only place consoles are made."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

import typer

from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.runtime import OutputFormat, Runtime
from apigwops.terminal import printable


@dataclass
class GlobalOptions:
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    output: OutputFormat | None = None
    query: str | None = None
    debug: bool = False
    no_color: bool = False
    quiet: bool = False
    connect_timeout: float | None = None
    read_timeout: float | None = None

    def aws_settings(self) -> AwsSettings:
        return AwsSettings(
            self.profile,
            self.region,
            self.endpoint_url,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )


class ConsoleProgress:
    """Progress on stderr; untrusted text (log lines, AWS messages) printed with markup off and control
    characters escaped (`terminal.printable`). One message is one line (soft wrap): rich would otherwise
    break it at 80 columns when stderr is not a terminal."""

    def __init__(self, console: Any, quiet: bool) -> None:
        self._console = console
        self._quiet = quiet

    def step(self, message: str) -> None:
        if not self._quiet:
            self._console.print(
                printable(message), markup=False, highlight=False, style="dim", soft_wrap=True
            )

    def warn(self, message: str) -> None:
        self._console.print(
            f"warning: {printable(message)}", markup=False, highlight=False, style="yellow", soft_wrap=True
        )


def global_options(ctx: typer.Context) -> GlobalOptions:
    root = ctx.find_root()
    if not isinstance(root.obj, GlobalOptions):
        root.obj = GlobalOptions()
    return root.obj


def make_runtime(ctx: typer.Context, *, kind: str | None = None, formats: tuple[str, ...] = ()) -> Runtime:
    """The Runtime for a command whose result is a `kind` of `apigwops.render` (its renderers say which
    formats it has); bad global options (format, --query, --endpoint-url, timeouts) fail here, before any work.

    `formats` is for a command that prints nothing through the renderers: the formats it accepts.
    """
    from rich.console import Console

    opts = global_options(ctx)
    settings = opts.aws_settings()
    settings.validate()
    color = not opts.no_color and not os.environ.get("NO_COLOR")
    out = Console(no_color=not color, soft_wrap=False, highlight=False)
    err = Console(stderr=True, no_color=not color, highlight=False)
    output = _choose_output(opts, kind, formats)
    return Runtime(
        aws=AwsContext(settings, debug=_debug_writer(err) if opts.debug else None),
        progress=ConsoleProgress(err, opts.quiet),
        output=output,
        query=opts.query,
        debug=opts.debug,
        color=color,
        out=out,
        err=err,
    )


def _choose_output(opts: GlobalOptions, kind: str | None, formats: tuple[str, ...]) -> OutputFormat:
    """The explicit --output when the result has it; by default table on a terminal, JSON when piped."""
    from apigwops.errors import UsageError
    from apigwops.render.registry import check_format, compile_query, formats_for

    queried = opts.query is not None
    if queried:
        compile_query(str(opts.query))  # a bad expression is exit 2 before any AWS call
    if kind is None and not formats:  # the command prints no data (`sandbox down`): any choice is fine
        return opts.output or OutputFormat.json
    if kind is None:
        available = [OutputFormat(f) for f in formats]
        if opts.output is not None and opts.output not in available:
            choices = ", ".join(formats)
            raise UsageError(f"--output {opts.output} is not available here; choose one of: {choices}")
    else:
        available = formats_for(kind, queried=queried)
        if opts.output is not None:
            check_format(kind, opts.output, queried=queried)
    if opts.output is not None:
        return opts.output
    default = OutputFormat.table if sys.stdout.isatty() else OutputFormat.json
    return default if default in available else OutputFormat.json


def _debug_writer(err: Any) -> Any:
    """`--debug` lines on stderr, printed as plain text (no markup from AWS names)."""

    def write(line: str) -> None:
        err.print(line, markup=False, highlight=False, style="dim")

    return write
