"""The `apigwops` command line: a thin Typer shell over the core.

Import discipline: this package imports only typer and the standard library at module level, so that
`apigwops --help` starts fast; each command imports its core (boto3, pandas, ...) inside the function.
Locust is never imported in this process at all (loadtest runs it in a subprocess).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from apigwops import __version__
from apigwops.cli import capture, cost, demo, diagnose, iam, loadtest, playbooks, sandbox, status
from apigwops.cli.context import global_options
from apigwops.errors import ExitCode, exit_code_for
from apigwops.runtime import OutputFormat

app = typer.Typer(
    name="apigwops",
    help=(
        "Operate APIs on Amazon API Gateway: diagnose failing stages, estimate cost, load-test with SLO gates.\n\n"
        "Without an AWS account, 'apigwops demo' and 'apigwops sandbox up' run everything locally."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"apigwops {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None, typer.Option("--profile", help="AWS profile (env AWS_PROFILE).", envvar="AWS_PROFILE")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="AWS Region (env AWS_REGION, then AWS_DEFAULT_REGION, then the profile)."
        ),
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url",
            help="One endpoint for every AWS service, e.g. an emulator (env AWS_ENDPOINT_URL; per service "
            "AWS_ENDPOINT_URL_<SERVICE>).",
        ),
    ] = None,
    output: Annotated[
        OutputFormat | None,
        typer.Option(
            "--output",
            "-o",
            help="table (default on a terminal), json (default when piped), yaml, text (tab-separated, as the "
            "AWS CLI's), markdown, csv; each command lists the ones it has in its errors.",
            envvar="APIGWOPS_OUTPUT",
            case_sensitive=False,
        ),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option(
            "--query",
            metavar="JMESPATH",
            help="JMESPath expression applied to the JSON document before rendering, as in the AWS CLI.",
        ),
    ] = None,
    cli_read_timeout: Annotated[
        float | None,
        typer.Option(
            "--cli-read-timeout",
            metavar="SECONDS",
            help="Socket read timeout for AWS calls (default 30; 0 = none).",
            min=0,
        ),
    ] = None,
    cli_connect_timeout: Annotated[
        float | None,
        typer.Option(
            "--cli-connect-timeout",
            metavar="SECONDS",
            help="Socket connect timeout for AWS calls (default 5; 0 = none).",
            min=0,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and AWS call details.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (also NO_COLOR=1).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Global options; they apply to every command and go before or after it, as in the AWS CLI."""
    opts = global_options(ctx)
    opts.profile, opts.region, opts.endpoint_url = profile, region, endpoint_url
    opts.output, opts.query = output, query
    opts.read_timeout, opts.connect_timeout = cli_read_timeout, cli_connect_timeout
    opts.debug, opts.no_color, opts.quiet = debug, no_color, quiet


diagnose.register(app)
status.register(app)
app.add_typer(playbooks.app, name="playbooks")
app.add_typer(cost.app, name="cost")
app.add_typer(loadtest.app, name="loadtest")
app.add_typer(sandbox.app, name="sandbox")
demo.register(app)
capture.register(app)
iam.register(app)


def _print_error(message: str, hint: str | None = None) -> None:
    from apigwops.terminal import printable

    line = f"apigwops: error: {message}"
    if hint:
        line += f" ({hint})"
    print(printable(line), file=sys.stderr)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code; errors become one line on stderr (tracebacks with --debug)."""
    from typer import Exit
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
    from typer.main import get_command

    from apigwops.cli.argv import hoist_global_options, note_global_options

    command = get_command(app)
    note_global_options(command)
    args = hoist_global_options(command, sys.argv[1:] if argv is None else list(argv))
    debug = "--debug" in args
    try:
        result = command.main(args=args, prog_name="apigwops", standalone_mode=False)
    except Exit as exc:
        return int(exc.exit_code)
    except NoArgsIsHelpError as exc:
        # A command group without a subcommand: its help, on stdout, and the usage exit code.
        print(exc.format_message())
        return ExitCode.USAGE
    except ClickException as exc:
        # Usage errors: one line, exit 2 (Click would print a usage box).
        _print_error(exc.format_message(), "see 'apigwops --help'" if "--help" not in args else None)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        print("apigwops: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            return int(exc.code) if isinstance(exc.code, int) else 1
        return _handle_unexpected(exc, debug)
    return int(result) if isinstance(result, int) else ExitCode.OK


def _handle_unexpected(exc: BaseException, debug: bool) -> int:
    from apigwops.errors import ApigwopsError

    known: ApigwopsError | None = exc if isinstance(exc, ApigwopsError) else None
    if known is None and type(exc).__module__.startswith(("botocore", "boto3")):
        from apigwops.aws.errors import translate

        known = translate(exc)
    if debug:
        import traceback

        traceback.print_exception(exc)
    if known is not None:
        _print_error(known.message, known.hint)
        return exit_code_for(known)
    _print_error(
        f"unexpected {type(exc).__name__}: {exc}",
        "this is a bug; please report it with the output of the same command run with --debug",
    )
    return ExitCode.BUG


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
