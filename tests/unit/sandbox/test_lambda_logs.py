"""The sandbox's Lambda lines, per log generation (§15.1-15.3), read back by diagnose's own parser: each outcome
is the status, error type and durations the parser takes from AWS's lines, and timeouts follow from the
function's configured Timeout (a slow function is stopped at its limit, not forced to time out)."""

from __future__ import annotations

import random

import pytest

from apigwops.evidence.parse.lambdalog import parse_line
from apigwops.sandbox import constants as c
from apigwops.sandbox.backend import LambdaBackend

USERS, ORDERS = c.FUNCTIONS


def _backend(function: c.Function, log_format: c.LambdaLogFormat) -> LambdaBackend:
    return LambdaBackend(rng=random.Random(3), time_scale=0.01, function=function, log_format=log_format)


def _rows(backend: LambdaBackend, **kw: object) -> list[dict[str, object]]:
    inv = backend.invoke(route_key="GET /users/{id}", path_id="1", **kw)  # type: ignore[arg-type]
    backend.release(inv.environment)
    return [parse_line(line) for _, line in inv.lines]


def _report(rows: list[dict[str, object]]) -> dict[str, object]:
    (report,) = [r for r in rows if r["kind"] == "report"]
    return report


@pytest.mark.parametrize("log_format", c.LAMBDA_LOG_FORMATS)
def test_a_slow_function_is_stopped_at_its_own_timeout(log_format: c.LambdaLogFormat) -> None:
    rows = _rows(_backend(USERS, log_format), outcome="ok", min_duration_ms=25_000.0)
    report = _report(rows)
    assert 10_000 <= float(report["duration_ms"]) < 10_100  # type: ignore[arg-type]
    if log_format == "old-text":  # the timeout is its own line; REPORT has no Status
        assert report["invocation_status"] == "success"
        assert [r["invocation_status"] for r in rows if r["kind"] == "timeout"] == ["timeout"]
    else:
        assert report["invocation_status"] == "timeout"
        assert not any(r["kind"] == "timeout" for r in rows)
    assert {r["log_format"] for r in rows} == {"json" if log_format == "json" else "text"}


@pytest.mark.parametrize("log_format", c.LAMBDA_LOG_FORMATS)
def test_a_function_with_a_long_timeout_finishes_past_the_integration_timeout(
    log_format: c.LambdaLogFormat,
) -> None:
    report = _report(_rows(_backend(ORDERS, log_format), outcome="ok", min_duration_ms=45_000.0))
    assert (report["invocation_status"], report["duration_ms"]) == ("success", pytest.approx(45_000.0))


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_failed_init_names_its_error_type(log_format: c.LambdaLogFormat) -> None:
    rows = _rows(_backend(USERS, log_format), outcome="init-error")
    inits = [r for r in rows if r["kind"] == "init" and r.get("invocation_status")]
    assert inits
    assert {(r["invocation_status"], r["error_type"]) for r in inits} == {
        ("error", "Runtime.ImportModuleError")
    }
    report = _report(rows)
    assert (report["invocation_status"], report["error_type"]) == ("error", "Runtime.ImportModuleError")


@pytest.mark.parametrize("log_format", c.LAMBDA_LOG_FORMATS)
def test_a_cold_start_carries_its_init_duration(log_format: c.LambdaLogFormat) -> None:
    report = _report(_rows(_backend(USERS, log_format), outcome="ok", force_cold=True))
    assert 250.0 <= float(report["init_duration_ms"]) <= 900.0  # type: ignore[arg-type]
