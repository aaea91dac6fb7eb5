"""The AWS CLI's habits (issue 12, item 3), through the installed console script and the in-process entry point.

Global options anywhere on the line, `--output yaml|text`, `--query` (JMESPath), a clear error for a format a
result does not have, a profile's retry settings and `--cli-*-timeout` reaching the botocore client, and a bad
`--endpoint-url` as a usage error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from apigwops.runtime import Runtime
from tests.conftest import run_cli

ESTIMATE = ("cost", "estimate", "--requests", "5M")


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("apigwops: error: ")
    return lines[0]


@pytest.mark.parametrize(
    "options",
    [
        ["-o", "json"],
        ["--output=json", "--debug", "--no-color"],
        ["--region", "us-east-1", "--profile", "default", "--output", "json"],
        ["--endpoint-url", "http://127.0.0.1:1", "-o", "json", "--cli-read-timeout", "3"],
        ["-ojson", "--cli-connect-timeout", "0"],
    ],
)
def test_global_options_after_the_command(options: list[str]) -> None:
    before = run_cli(*options, *ESTIMATE)
    after = run_cli(*ESTIMATE, *options)
    assert after.exit_code == 0, after.stderr
    assert json.loads(after.stdout) == json.loads(before.stdout)


def test_global_options_between_group_and_command_and_after_a_subcommand() -> None:
    result = run_cli("playbooks", "-o", "json", "list")
    assert result.exit_code == 0, result.stderr
    assert {row["id"] for row in json.loads(result.stdout)} >= {"429-throttling", "5xx-integration"}
    result = run_cli("loadtest", "scenarios", "--output", "json")
    assert [row["name"] for row in json.loads(result.stdout)][:2] == ["smoke", "ramp"]


def test_the_later_global_option_wins_and_a_commands_own_option_is_its_own() -> None:
    result = run_cli("-o", "text", *ESTIMATE, "-o", "json")
    assert json.loads(result.stdout)["region"] == "us-east-1"
    # `cost prices --region` is the command's own option (the Region to price), not the global one
    own = run_cli("cost", "prices", "--region", "us-east-1", "-o", "json")
    assert own.exit_code == 0, own.stderr
    assert json.loads(own.stdout)["region"] == "us-east-1"


def test_json_loadtest_scenarios_prints_json() -> None:
    from apigwops.loadtest.scenarios import SCENARIOS

    result = run_cli("-o", "json", "loadtest", "scenarios")
    assert result.exit_code == 0, result.stderr
    assert [row["name"] for row in json.loads(result.stdout)] == list(SCENARIOS)


def test_query_is_applied_to_the_json_document_before_rendering() -> None:
    whole = json.loads(run_cli(*ESTIMATE, "-o", "json").stdout)
    total = run_cli(*ESTIMATE, "--query", "total_usd", "-o", "json")
    assert total.exit_code == 0, total.stderr
    assert json.loads(total.stdout) == whole["total_usd"]
    names = run_cli(*ESTIMATE, "--query", "components[].component", "-o", "text")
    assert names.stdout.rstrip("\n") == "\t".join(c["component"] for c in whole["components"])
    rows = run_cli(*ESTIMATE, "--query", "components[].{c: component, usd: usd}", "-o", "csv")
    assert rows.stdout.splitlines()[0] == "c,usd"
    assert (
        rows.stdout.splitlines()[1]
        == f"{whole['components'][0]['component']},{whole['components'][0]['usd']}"
    )


def test_bad_query_is_a_usage_error() -> None:
    result = run_cli(*ESTIMATE, "--query", "components[?", "-o", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--query" in _one_error_line(result.stderr)


def test_yaml_output_is_the_json_document() -> None:
    as_json = json.loads(run_cli(*ESTIMATE, "-o", "json").stdout)
    result = run_cli(*ESTIMATE, "--output", "yaml")
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout) == as_json


def test_text_output_is_tab_separated_like_the_aws_cli() -> None:
    from apigwops.loadtest.scenarios import SCENARIOS

    result = run_cli("loadtest", "scenarios", "-o", "text")
    assert result.exit_code == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    # a list of objects: one line each, columns in sorted key order (name, summary)
    assert rows == [[s.name, s.summary] for s in SCENARIOS.values()]


def test_a_format_a_result_does_not_have_is_one_line_exit_2() -> None:
    result = run_cli("playbooks", "list", "-o", "csv")
    assert result.exit_code == 2
    line = _one_error_line(result.stderr)
    assert "--output csv is not available for playbooks list" in line
    assert "json" in line
    # CSV of a --query result that is not rows
    result = run_cli(*ESTIMATE, "--query", "prices", "-o", "csv")
    assert result.exit_code == 2
    assert "--output csv needs rows" in _one_error_line(result.stderr)


@pytest.mark.parametrize("url", ["notaurl", "http://[::1", "ftp://example.com", "http://127.0.0.1:port"])
def test_bad_endpoint_url_is_a_usage_error(url: str) -> None:
    result = run_cli("diagnose", "--api", "a", "--stage", "b", "--region", "us-east-1", "--endpoint-url", url)
    assert result.exit_code == 2, result.stderr
    assert "--endpoint-url" in _one_error_line(result.stderr)


# --- retries and timeouts reach the client: the runtime the CLI builds, captured in-process ---------------


def _runtime_for(monkeypatch: pytest.MonkeyPatch, *args: str) -> Runtime:
    """Run `apigwops diagnose --bundle <missing> ARGS` in-process and return the Runtime it built.

    The missing bundle ends the command right after the Runtime is made, without any AWS call.
    """
    from apigwops.cli import context, run

    made: list[Runtime] = []
    original = context.make_runtime

    def spy(*a: Any, **kw: Any) -> Runtime:
        made.append(original(*a, **kw))
        return made[-1]

    monkeypatch.setattr(context, "make_runtime", spy)
    code = run(["diagnose", "--bundle", "/nonexistent/bundle", "--region", "us-east-1", *args])
    assert code == 2, "the command should stop at the missing bundle"
    assert made, "the command should build its Runtime first"
    return made[0]


def _profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: str) -> None:
    """A profile `ops` with `body`; the suite's AWS_MAX_ATTEMPTS is removed so that the profile can speak."""
    config = tmp_path / "config"
    config.write_text(f"[profile ops]\nregion = us-east-1\n{body}")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)


def test_profile_retry_settings_reach_the_client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _profile(monkeypatch, tmp_path, "max_attempts = 2\nretry_mode = adaptive\n")
    runtime = _runtime_for(monkeypatch, "--profile", "ops")
    retries = runtime.aws.client("logs").meta.config.retries
    assert retries == {"mode": "adaptive", "total_max_attempts": 2}


def test_environment_beats_profile_beats_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from apigwops.aws.config import DEFAULT_MAX_ATTEMPTS

    _profile(monkeypatch, tmp_path, "max_attempts = 2\nretry_mode = adaptive\n")
    assert _runtime_for(monkeypatch, "--profile", "ops").aws.client("logs").meta.config.retries == {
        "mode": "adaptive",
        "total_max_attempts": 2,
    }
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    retries = _runtime_for(monkeypatch, "--profile", "ops").aws.client("logs").meta.config.retries
    assert retries == {"mode": "legacy", "total_max_attempts": 7}
    _profile(monkeypatch, tmp_path, "")
    retries = _runtime_for(monkeypatch, "--profile", "ops").aws.client("logs").meta.config.retries
    assert retries == {"mode": "standard", "total_max_attempts": DEFAULT_MAX_ATTEMPTS}


def test_profile_attempts_also_hold_against_an_emulator(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An emulator gets 1 attempt by default, but what the user configured wins there too."""
    _profile(monkeypatch, tmp_path, "max_attempts = 3\n")
    runtime = _runtime_for(monkeypatch, "--profile", "ops", "--endpoint-url", "http://127.0.0.1:1")
    assert runtime.aws.client("logs").meta.config.retries["total_max_attempts"] == 3
    _profile(monkeypatch, tmp_path, "retry_mode = adaptive\n")
    runtime = _runtime_for(monkeypatch, "--profile", "ops", "--endpoint-url", "http://127.0.0.1:1")
    assert runtime.aws.client("logs").meta.config.retries == {"mode": "adaptive", "total_max_attempts": 1}


def test_cli_timeouts_reach_the_client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from apigwops.aws.config import CONNECT_TIMEOUT_S, READ_TIMEOUT_S

    _profile(monkeypatch, tmp_path, "")
    config = (
        _runtime_for(monkeypatch, "--cli-read-timeout", "120", "--cli-connect-timeout", "0")
        .aws.client("logs")
        .meta.config
    )
    assert config.read_timeout == 120
    assert config.connect_timeout is None  # 0 means no timeout, as in the AWS CLI
    default = _runtime_for(monkeypatch).aws.client("logs").meta.config
    assert (default.connect_timeout, default.read_timeout) == (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)


def test_negative_timeout_is_a_usage_error() -> None:
    result = run_cli("--cli-read-timeout", "-1", *ESTIMATE)
    assert result.exit_code == 2
    _one_error_line(result.stderr)


@pytest.mark.parametrize("name", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"])
def test_bad_endpoint_url_in_the_environment_is_a_usage_error(name: str) -> None:
    result = run_cli(
        "diagnose", "--api", "a", "--stage", "b", "--region", "us-east-1", env={name: "http://[::1"}
    )
    assert result.exit_code == 2, result.stderr
    assert name in _one_error_line(result.stderr)


@pytest.mark.parametrize("command", [["diagnose"], ["cost", "estimate"], ["loadtest", "scenarios"]])
def test_every_command_help_names_the_global_options(command: list[str]) -> None:
    result = run_cli(*command, "--help")
    assert result.exit_code == 0
    tail = result.stdout.split("Global options, before or after the command", 1)[1]
    for option in ("--output", "--query", "--region", "--profile", "--endpoint-url", "--cli-read-timeout"):
        assert option in tail
