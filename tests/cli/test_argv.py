"""Global options after the command are moved in front of it, except where the command has its own option."""

from __future__ import annotations

import pytest
from typer.main import get_command

from apigwops.cli import app
from apigwops.cli.argv import hoist_global_options

ROOT = get_command(app)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["diagnose", "--api", "a", "-o", "json"], ["-o", "json", "diagnose", "--api", "a"]),
        (
            ["--debug", "cost", "estimate", "--query=total_usd"],
            ["--debug", "--query=total_usd", "cost", "estimate"],
        ),
        (["playbooks", "-ojson", "list"], ["-ojson", "playbooks", "list"]),
        # the command's own --region (the Region to price) stays where it is
        (
            ["cost", "prices", "--region", "eu-west-1", "--profile", "p"],
            ["--profile", "p", "cost", "prices", "--region", "eu-west-1"],
        ),
        # a value of the command's own option is never read as an option; nothing after `--` moves
        (["diagnose", "--route", "--debug", "--", "-o"], ["diagnose", "--route", "--debug", "--", "-o"]),
        # an unknown command is left to Click's error
        (["nope", "-o", "json"], ["nope", "-o", "json"]),
    ],
)
def test_hoisting(argv: list[str], expected: list[str]) -> None:
    assert hoist_global_options(ROOT, argv) == expected
