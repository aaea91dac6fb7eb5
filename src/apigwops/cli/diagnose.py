"""`apigwops diagnose` (being built; see the open issues)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("diagnose")
    def _placeholder() -> None:
        """Not available yet."""
        typer.echo("apigwops: error: 'diagnose' is not available in this build yet", err=True)
        raise typer.Exit(2)
