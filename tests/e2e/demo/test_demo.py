"""`apigwops demo` is the README's first command: it must run end to end and find what it injected."""

from __future__ import annotations

import json

import pytest
from tests.conftest import run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("demo")]


def test_demo_finds_the_injected_incident() -> None:
    # onset after 10 s: whatever the start's place in the clock-aligned 5 s buckets, at least one full healthy bucket
    # comes first, which the onset needs (docs/diagnose.md "Onset"; after 5 s it was found about half the time)
    result = run_cli("-o", "json", "demo", "--duration", "18s", "--onset-after", "10s", timeout=180)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    ids = [f["id"] for f in report["findings"]]
    # the default incident: function timeouts (502: the function hits its own limit first), function errors (502),
    # expired tokens (401), after a deployment
    for expected in ("lambda-timeout", "lambda-function-error", "auth-token-expired", "recent-change"):
        assert expected in ids, (expected, ids)
    by_id = {f["id"]: f for f in report["findings"]}
    assert by_id["lambda-timeout"]["share"] > by_id["lambda-function-error"]["share"]
    assert report["onset"] is not None
    assert report["traffic"]["requests"] > 100
    # progress went to stderr, data to stdout; the sandbox is gone afterwards
    assert "stopping the sandbox" in result.stderr


def test_demo_rejects_bad_options_in_one_line() -> None:
    result = run_cli("demo", "--fault", "no-such-fault")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    result = run_cli("demo", "--duration", "2s")
    assert result.exit_code == 2


def test_demo_websocket_shows_a_websocket_incident() -> None:
    """`demo --websocket`: chat clients on the WebSocket stage; the authorizer refuses some connects and the
    handler fails some messages; both are diagnosed from what the stage shipped into moto."""
    result = run_cli(
        "-o", "json", "demo", "--websocket", "--duration", "10s", "--onset-after", "4s", "-u", "4", timeout=180
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["api"]["type"] == "WEBSOCKET"
    by_id = {f["id"]: f for f in report["findings"]}
    assert {"ws-connect-authorizer-deny", "lambda-function-error"} <= set(by_id), list(by_id)
    assert by_id["ws-connect-authorizer-deny"]["symptom"] == "connect"
    assert by_id["lambda-function-error"]["symptom"] == "message"
    assert "stopping the sandbox" in result.stderr
