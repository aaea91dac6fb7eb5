"""The CLI takes its choices from the core: what `diagnose` accepts is what the engine knows, no more, no less."""

from __future__ import annotations

import pytest

from apigwops.diagnose.schema import SEVERITY_ORDER
from apigwops.diagnose.vocabulary import CLI_SYMPTOMS
from apigwops.evidence.logs import ENGINE_CHOICES
from tests.conftest import run_cli


def test_help_names_every_choice_the_core_accepts() -> None:
    text = " ".join(run_cli("diagnose", "--help").stdout.split())
    for choice in (*CLI_SYMPTOMS, *SEVERITY_ORDER, *ENGINE_CHOICES):
        assert choice in text


@pytest.mark.parametrize(
    ("option", "value"), [("--fail-on", "severe"), ("--logs-engine", "grep"), ("--symptom", "418")]
)
def test_a_value_the_core_does_not_know_is_one_line_exit_2(option: str, value: str) -> None:
    args = [value] if option == "--symptom" else [option, value]
    result = run_cli("diagnose", *args, "--bundle", "/nonexistent")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert value in lines[0]


def test_capture_logs_engine_choices_come_from_the_core() -> None:
    result = run_cli(
        "capture", "--api", "a", "--stage", "b", "--out", "/nonexistent/x", "--logs-engine", "grep"
    )
    assert result.exit_code == 2
    assert ", ".join(ENGINE_CHOICES) in result.stderr
