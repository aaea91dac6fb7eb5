"""`apigwops iam-policy`: the least-privilege IAM policy for running apigwops on a real account."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("iam-policy")
    def iam_policy(ctx: typer.Context) -> None:
        """Print the IAM policy (JSON) that grants exactly the read-only calls apigwops makes."""
        from apigwops.aws.allowlist import least_privilege_policy
        from apigwops.cli.context import make_runtime
        from apigwops.render import Result, render

        runtime = make_runtime(ctx, kind="iam-policy")
        render(runtime, Result("iam-policy", least_privilege_policy()))
