"""`apigwops sandbox` (being built; see the open issues)."""

from __future__ import annotations

import typer

app = typer.Typer(help="sandbox (not available in this build yet).", no_args_is_help=True)


@app.command("status")
def _placeholder() -> None:
    """Not available yet."""
    typer.echo("apigwops: error: 'sandbox' is not available in this build yet", err=True)
    raise typer.Exit(2)
