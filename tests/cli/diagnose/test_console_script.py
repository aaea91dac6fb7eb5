"""The installed `apigwops` console script (real entry point, real imports) on offline inputs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.builders.stage import ONSET_MINUTE, healthy
from tests.conftest import run_cli


def test_validate_points_at_file_and_line_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(
        "id: broken\ntitle: x\nsymptoms: [5xx]\nfindings:\n  - id: Bad_Id\n"
    )
    result = run_cli("-o", "table", "playbooks", "validate", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path / 'broken.yaml'}:5: findings.0.id" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("apigwops: error:")]
    assert len(errors) == 1
    assert "Traceback" not in result.stderr


def test_diagnose_a_bundle_through_the_console_script(tmp_path: Path) -> None:
    from apigwops.evidence.bundle import write_bundle

    stage = healthy("HTTP")
    stage.traffic(
        70,
        status=500,
        start=ONSET_MINUTE,
        error_message="Internal Server Error",
        integration_error="The Lambda function returned the following error: boom. Check your Lambda function code and try again.",
    )
    bundle = write_bundle(stage.build(), tmp_path / "b", fmt="jsonl")
    result = run_cli("-o", "json", "diagnose", "--bundle", str(bundle), "--fail-on", "critical")
    assert result.exit_code == 0, result.stderr  # the finding is high, below --fail-on critical
    top = json.loads(result.stdout)["findings"][0]
    assert (top["id"], top["symptom"], top["count"]) == ("lambda-function-error", "500", 70)
    assert run_cli("-o", "json", "diagnose", "--bundle", str(bundle)).exit_code == 1
