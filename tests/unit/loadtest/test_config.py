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
    stage_candidates,
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


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.com/prod/",
        "https://api.example.com/v2/production/users",
        "https://prod.api.example.com",
        "https://payments-live.example.com/",
    ],
)
def test_prod_anywhere_in_a_custom_domain_url(url: str) -> None:
    with pytest.raises(UsageError, match="production"):
        check_guardrails(plan(url), Limits(), allow_prod=False)
    check_guardrails(plan(url), Limits(), allow_prod=True)


def test_stage_candidates() -> None:
    # an execute-api host's labels are the API id and the region, not stage names: only the path's first segment
    assert stage_candidates("https://prdabcdefg.execute-api.us-east-1.amazonaws.com/staging/prod") == []
    assert "prod" in stage_candidates("https://api-prod.example.com/v1")
    # names elsewhere in a URL must match whole: a route or host that merely starts like one is not a stage
    check_guardrails(plan("https://api.example.com/staging/products"), Limits(), allow_prod=False)
    check_guardrails(plan("https://prodigy.example.com/livestream"), Limits(), allow_prod=False)
    check_guardrails(
        plan("https://prdabcdefg.execute-api.us-east-1.amazonaws.com/dev"), Limits(), allow_prod=False
    )


def test_workers_cap() -> None:
    check_guardrails(plan(workers=2), Limits(max_workers=2), allow_prod=False)
    with pytest.raises(UsageError, match="cap of 2"):
        check_guardrails(plan(workers=3), Limits(max_workers=2), allow_prod=False)


def test_loopback() -> None:
    assert is_loopback("http://localhost:1")
    assert is_loopback("http://127.0.0.2/")
    assert is_loopback("http://[::1]:80/")
    assert not is_loopback("https://example.com")
