"""`apigwops iam-policy`: the least-privilege IAM policy for running apigwops on a real account."""

from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    @app.command("iam-policy")
    def iam_policy() -> None:
        """Print the IAM policy (JSON) that grants exactly the read-only calls apigwops makes."""
        from apigwops.aws.allowlist import least_privilege_policy

        typer.echo(json.dumps(least_privilege_policy(), indent=2))
