"""`apigwops loadtest` (being built; see the open issues)."""

from __future__ import annotations

import typer

app = typer.Typer(help="loadtest (not available in this build yet).", no_args_is_help=True)


@app.command("status")
def _placeholder() -> None:
    """Not available yet."""
    typer.echo("apigwops: error: 'loadtest' is not available in this build yet", err=True)
    raise typer.Exit(2)
