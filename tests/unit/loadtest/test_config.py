"""Guardrails: every run bounded, production-looking stages refused unless allowed or on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigwops.errors import UsageError
from apigwops.loadtest.config import (
    Limits,
    RunPlan,
    check_guardrails,
    is_loopback,
    parse_run_time,
    stage_from_url,
)


def plan(url: str = "http://127.0.0.1:8080", **kw: object) -> RunPlan:
    values: dict = {"users": 10, "spawn_rate": 10.0, "duration_s": 30.0, **kw}
    return RunPlan(locustfile=Path("x.py"), url=url, **values)


def test_run_time() -> None:
    assert parse_run_time("30s") == 30
    assert parse_run_time("1m30s") == 90
    assert parse_run_time("45") == 45
    for bad in ("0", "0s", "later", "-5s"):
        with pytest.raises(UsageError):
            parse_run_time(bad)


def test_caps() -> None:
    check_guardrails(plan(users=1000), Limits(), allow_prod=False)
    with pytest.raises(UsageError, match="cap"):
        check_guardrails(plan(users=11), Limits(max_users=10), allow_prod=False)
    with pytest.raises(UsageError, match="cap"):
        check_guardrails(plan(duration_s=61), Limits(max_duration_s=60), allow_prod=False)
    with pytest.raises(UsageError):
        check_guardrails(plan(users=0), Limits(), allow_prod=False)


AWS_PROD = "https://a1b2c3.execute-api.eu-west-1.amazonaws.com/prod"


def test_prod_stage() -> None:
    assert stage_from_url(AWS_PROD + "/users") == "prod"
    assert stage_from_url("https://api.example.com/prod") is None
    with pytest.raises(UsageError, match="production"):
        check_guardrails(plan(AWS_PROD), Limits(), allow_prod=False)
    with pytest.raises(UsageError, match="production"):
        check_guardrails(plan("https://api.example.com", stage="Production-eu"), Limits(), allow_prod=False)
    check_guardrails(plan(AWS_PROD), Limits(), allow_prod=True)
    check_guardrails(plan(AWS_PROD.replace("/prod", "/staging")), Limits(), allow_prod=False)
    # the local sandbox names its stage prod
    check_guardrails(plan("http://127.0.0.1:4510/prod", stage="prod"), Limits(), allow_prod=False)
    with pytest.raises(UsageError, match="pattern"):
        check_guardrails(plan(stage="x"), Limits(prod_pattern="("), allow_prod=False)


def test_loopback() -> None:
    assert is_loopback("http://localhost:1")
    assert is_loopback("http://127.0.0.2/")
    assert is_loopback("http://[::1]:80/")
    assert not is_loopback("https://example.com")
