"""The CLI's contract with shells and scripts: exit codes, one-line errors, stdout/stderr split."""

from __future__ import annotations

import json

from tests.conftest import run_cli


def test_version_and_help_exit_zero() -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("apigwops ")
    result = run_cli("--help")
    assert result.exit_code == 0
    for command in ("diagnose", "cost", "loadtest", "sandbox", "playbooks", "demo", "capture", "iam-policy"):
        assert command in result.stdout


def test_unknown_option_is_one_line_exit_2() -> None:
    result = run_cli("--bogus")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("apigwops: error:")
    assert "--bogus" in lines[0]


def test_bad_output_value_exit_2() -> None:
    result = run_cli("--output", "xml", "iam-policy")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_iam_policy_is_the_allowlist() -> None:
    from apigwops.aws.allowlist import ALLOWED_OPERATIONS

    result = run_cli("iam-policy")
    assert result.exit_code == 0
    policy = json.loads(result.stdout)
    actions = set(policy["Statement"][0]["Action"])
    expected = {a for ops in ALLOWED_OPERATIONS.values() for a in ops.values()} - {"sts:GetCallerIdentity"}
    assert actions == expected
    # read-only by construction: no action that writes
    assert not any(a.split(":")[1].startswith(("Put", "Create", "Delete", "Update")) for a in actions)
    assert "apigateway:POST" not in actions
