"""Playbook loading and validation: schema errors point at file and line; templates can only print signals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apigwops.cli import app
from apigwops.diagnose import template
from apigwops.diagnose.loader import check_file, load_playbooks, shipped_dir, validate_paths
from apigwops.errors import UsageError

GOOD = """\
id: {name}
title: Teapot backends
symptoms: ["5xx"]
findings:
  - id: backend-teapot
    title: The backend is a teapot
    symptom: 5xx
    severity: high
    match: {{field: integration_error, contains: teapot}}
    remediation: {{text: "Brew coffee on {{top_route}}", docs: "https://example.com/teapot"}}
"""


def _write(tmp_path: Path, text: str, name: str = "teapot") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_shipped_playbooks_are_valid() -> None:
    valid, problems = validate_paths([shipped_dir()])
    assert problems == []
    assert len(valid) >= 7


def test_a_good_user_playbook_loads_next_to_the_shipped_ones(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.format(name="teapot"))
    ids = {b.id for b in load_playbooks([tmp_path])}
    assert {"teapot", "5xx-integration"} <= ids


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            GOOD.format(name="teapot").replace("severity: high", "severity: urgent"),
            8,
            "findings.0.severity: Input should be",
        ),
        (
            GOOD.format(name="teapot").replace("field: integration_error", "field: integration_eror"),
            9,
            "unknown field 'integration_eror'",
        ),
        (
            GOOD.format(name="teapot").replace("contains: teapot", "regex: '(teapot'"),
            9,
            "invalid regular expression",
        ),
        (
            GOOD.format(name="teapot").replace("contains: teapot}", "contains: teapot, equals: x}"),
            9,
            "exactly one operator",
        ),
        (
            GOOD.format(name="teapot").replace("{top_route}", "{top_route.__class__}"),
            10,
            "must be a plain signal name",
        ),
        (
            GOOD.format(name="teapot").replace("{top_route}", "{no_such_signal}"),
            10,
            "unknown signal {no_such_signal}",
        ),
        (
            GOOD.format(name="teapot").replace('"https://example.com/teapot"', '"javascript:alert(1)"'),
            10,
            "docs links must be https",
        ),
        (GOOD.format(name="teapot").replace("symptom: 5xx", "symptom: 418"), 7, "unknown symptom '418'"),
        (GOOD.format(name="other"), 1, "id 'other' must equal the file name"),
        (GOOD.format(name="teapot") + "  - {id: x\n", 12, "invalid YAML"),
    ],
)
def test_problems_point_at_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = _write(tmp_path, text)
    playbook, problems = check_file(path)
    assert playbook is None
    assert problems, "expected a problem"
    assert problems[0].line == line, problems
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"{path}:{line}: ")


def test_load_playbooks_raises_one_usage_error_with_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.format(name="teapot").replace("severity: high", "severity: urgent"))
    with pytest.raises(UsageError, match=f"invalid playbook {path}:8: findings.0.severity"):
        load_playbooks([tmp_path])


def test_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_playbooks([tmp_path / "nope"])


def test_template_prints_values_only() -> None:
    assert template.render("{a} of {b:.0%}", {"a": 3, "b": 0.256}) == "3 of 26%"
    assert template.render("{a}", {"a": "{b}", "b": "secret"}) == "{b}"  # values are not re-expanded
    assert template.render("{missing} x", {}) == "? x"
    with pytest.raises(ValueError, match="plain signal name"):
        template.names("{a[0]}")
    with pytest.raises(ValueError, match="conversions are not allowed"):
        template.names("{a!r}")


def test_validate_command_reports_every_problem_and_exits_2(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.format(name="teapot").replace("severity: high", "severity: urgent"))
    _write(tmp_path, GOOD.format(name="fine"), name="fine")
    result = CliRunner().invoke(app, ["-o", "table", "playbooks", "validate", str(tmp_path)])
    assert f"{tmp_path / 'teapot.yaml'}:8: findings.0.severity" in result.stdout
    assert isinstance(result.exception, UsageError)
    assert result.exception.exit_code == 2
    ok = CliRunner().invoke(app, ["-o", "table", "playbooks", "validate"])
    assert ok.exit_code == 0
    assert ok.stdout.startswith("ok: ")


def test_list_show_and_vocabulary_commands() -> None:
    listed = json.loads(CliRunner().invoke(app, ["-o", "json", "playbooks", "list"]).stdout)
    five = next(b for b in listed if b["id"] == "5xx-integration")
    assert "lambda-timeout" in five["findings"]
    shown = CliRunner().invoke(app, ["-o", "table", "playbooks", "show", "lambda-timeout"])
    assert "id: 5xx-integration" in shown.stdout
    missing = CliRunner().invoke(app, ["playbooks", "show", "no-such-thing"])
    assert isinstance(missing.exception, UsageError)
    vocabulary = json.loads(CliRunner().invoke(app, ["-o", "json", "playbooks", "vocabulary"]).stdout)
    assert "near_timeout" in vocabulary["fields"]
    assert "share" in vocabulary["signals"]


def test_shipped_playbooks_ask_only_for_allowlisted_read_only_permissions() -> None:
    """What a playbook says it needs must be something apigwops may call (aws/allowlist.py)."""
    from apigwops.aws.allowlist import least_privilege_policy

    granted = set(least_privilege_policy()["Statement"][0]["Action"])
    for playbook in load_playbooks():
        assert set(playbook.permissions) <= granted, (playbook.id, set(playbook.permissions) - granted)


def test_every_shipped_finding_has_a_fix_an_aws_cli_command_and_a_docs_link() -> None:
    for playbook in load_playbooks():
        for spec in playbook.findings:
            assert spec.remediation.text, spec.id
            assert any(c.startswith("aws ") for c in spec.remediation.cli), spec.id
            assert spec.remediation.docs, spec.id
