"""Region resolution in the AWS CLI's order and the one botocore Config: things boto3 alone gets wrong.

boto3 ignores AWS_REGION (boto/boto3#3620) and changed its default retry mode in 1.44, so both are resolved by
apigwops itself; these tests pin that behaviour (see /work/shared/reference/cli-conventions.md §1.1).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apigwops.aws.config import DEFAULT_MAX_ATTEMPTS, make_config
from apigwops.aws.session import AwsContext, is_aws_endpoint, make_session
from apigwops.aws.settings import AwsSettings
from apigwops.errors import CredentialsError, ExitCode


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        ("eu-north-1", {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-west-1"}, "eu-north-1"),
        (None, {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-west-1"}, "us-west-2"),
        (None, {"AWS_DEFAULT_REGION": "eu-west-1"}, "eu-west-1"),
        (None, {"AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-1"}, "eu-west-1"),
        (None, {}, None),
    ],
)
def test_resolved_region_order(flag: str | None, env: dict[str, str], expected: str | None) -> None:
    assert AwsSettings(region=flag).resolved_region(env) == expected


def _profile_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, region: str | None) -> None:
    config = tmp_path / "config"
    lines = ["[profile ops]"]
    if region:
        lines.append(f"region = {region}")
    config.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))


def test_session_region_aws_region_beats_default_region(monkeypatch: pytest.MonkeyPatch) -> None:
    # boto3 alone would pick AWS_DEFAULT_REGION here; the AWS CLI (and apigwops) pick AWS_REGION.
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert make_session(AwsSettings()).region_name == "us-west-2"
    assert make_session(AwsSettings(region="ap-south-1")).region_name == "ap-south-1"


def test_session_region_falls_back_to_the_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _profile_config(tmp_path, monkeypatch, "sa-east-1")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert make_session(AwsSettings(profile="ops")).region_name == "sa-east-1"
    # the environment still beats the profile, as in the AWS CLI
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    assert make_session(AwsSettings(profile="ops")).region_name == "eu-west-3"


def test_no_region_anywhere_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _profile_config(tmp_path, monkeypatch, None)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(CredentialsError) as info:
        make_session(AwsSettings(profile="ops"))
    assert info.value.exit_code == ExitCode.CONFIG == 253
    assert "--region" in info.value.message


def test_unknown_profile_is_a_config_error_with_a_hint() -> None:
    with pytest.raises(CredentialsError) as info:
        make_session(AwsSettings(profile="does-not-exist"))
    assert info.value.exit_code == 253
    assert "does-not-exist" in info.value.message
    assert info.value.hint
    assert "list-profiles" in info.value.hint


def test_differing_profile_variables_warn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text("[profile a]\nregion = us-east-1\n[profile b]\nregion = us-east-2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "a")
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "b")
    with pytest.warns(UserWarning, match="differ"):
        make_session(AwsSettings())


def test_config_retries_are_explicit_and_overridable() -> None:
    default = make_config({})
    assert default.retries == {"mode": "standard", "total_max_attempts": DEFAULT_MAX_ATTEMPTS}
    assert default.connect_timeout == 5
    assert default.user_agent_appid == "apigwops"
    tuned = make_config({"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "3"})
    assert tuned.retries == {"mode": "adaptive", "total_max_attempts": 3}
    # nonsense falls back to the defaults instead of failing deep inside botocore
    bad = make_config({"AWS_RETRY_MODE": "turbo", "AWS_MAX_ATTEMPTS": "many"})
    assert bad.retries == {"mode": "standard", "total_max_attempts": DEFAULT_MAX_ATTEMPTS}
    assert make_config({"AWS_MAX_ATTEMPTS": "0"}).retries["total_max_attempts"] == 1


def test_clients_carry_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
    client = AwsContext(AwsSettings(region="eu-west-1")).client("logs")
    assert client.meta.config.retries["total_max_attempts"] == 4
    assert client.meta.config.retries["mode"] == "standard"
    assert client.meta.region_name == "eu-west-1"


def test_emulator_clients_try_once_aws_clients_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto answers 500 for operations it lacks; retrying those only multiplies the wait."""
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    emulator = AwsContext(AwsSettings(region="us-east-1", endpoint_url="http://127.0.0.1:5999")).client(
        "wafv2"
    )
    assert emulator.meta.config.retries["total_max_attempts"] == 1
    aws = AwsContext(AwsSettings(region="us-east-1")).client("wafv2")
    assert aws.meta.config.retries["total_max_attempts"] == DEFAULT_MAX_ATTEMPTS
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")  # the user's word wins, emulator or not
    again = AwsContext(AwsSettings(region="us-east-1", endpoint_url="http://127.0.0.1:5999")).client("wafv2")
    assert again.meta.config.retries["total_max_attempts"] == 3


def test_clients_are_cached_per_service() -> None:
    aws = AwsContext(AwsSettings(region="us-east-1"))
    assert aws.client("logs") is aws.client("logs")
    assert aws.client("logs") is not aws.client("cloudwatch")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, True),
        ("https://logs.us-east-1.amazonaws.com", True),
        ("https://apigateway.cn-north-1.amazonaws.com.cn", True),
        ("http://127.0.0.1:5000", False),
        ("http://localhost:4566", False),
        ("https://amazonaws.com.evil.example", False),
    ],
)
def test_is_aws_endpoint(url: str | None, expected: bool) -> None:
    assert is_aws_endpoint(url) is expected
