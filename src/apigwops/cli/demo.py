"""`apigwops demo` (being built; see the open issues)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def _placeholder() -> None:
        """Not available yet."""
        typer.echo("apigwops: error: 'demo' is not available in this build yet", err=True)
        raise typer.Exit(2)
