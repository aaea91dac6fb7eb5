"""A playbook's `evidence:` names real evidence checks and its `permissions:` actions the allowlist grants."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from apigwops.diagnose.loader import check_file
from apigwops.diagnose.vocabulary import EVIDENCE_CHECKS
from apigwops.evidence.sources import sources_for
from apigwops.model import ApiConfig, LambdaFunction, StageConfig

PLAYBOOK = """\
id: teapot
title: Teapot backends
symptoms: ["5xx"]
evidence: [access-logs, lambda-logs]
permissions: [logs:FilterLogEvents, apigateway:GET]
findings:
  - id: backend-teapot
    title: The backend is a teapot
    symptom: 5xx
    severity: high
    match: {field: integration_error, contains: teapot}
    remediation: {text: "Brew coffee"}
"""


def test_every_source_the_collector_fans_out_is_in_the_vocabulary() -> None:
    config = ApiConfig(stage=StageConfig(name="prod"), functions=(LambdaFunction("orders-fn"),))
    ctx: Any = SimpleNamespace(config=config, token="a.b.c")
    families = {check_id.split(":")[0] for check_id in sources_for(ctx)}
    assert "lambda-logs" in families
    assert "token" in families
    assert families <= set(EVIDENCE_CHECKS)


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("lambda-logs]", "lambda-metrics]", 4, "evidence.1: unknown evidence check 'lambda-metrics'"),
        (
            "apigateway:GET]",
            "s3:PutObject]",
            5,
            "permissions.1: 's3:PutObject' is not an action apigwops uses",
        ),
        (
            "[logs:FilterLogEvents",
            "[FilterLogEvents",
            5,
            "permissions.0: 'FilterLogEvents' is not an IAM action",
        ),
    ],
)
def test_unknown_checks_and_actions_point_at_their_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    assert old in PLAYBOOK
    path = tmp_path / "teapot.yaml"
    path.write_text(PLAYBOOK.replace(old, new))
    playbook, problems = check_file(path)
    assert playbook is None
    assert [(p.line, p.message.startswith(message)) for p in problems] == [(line, True)], problems


def test_the_valid_fields_load(tmp_path: Path) -> None:
    path = tmp_path / "teapot.yaml"
    path.write_text(PLAYBOOK)
    playbook, problems = check_file(path)
    assert problems == []
    assert playbook is not None
    assert playbook.evidence == ["access-logs", "lambda-logs"]
