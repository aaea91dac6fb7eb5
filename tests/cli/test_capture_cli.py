"""`apigwops capture` in-process: options reach the collector, the bundle lands on disk, errors exit 2.

The live collector is replaced at its seam (`apigwops.evidence.collect.collect_evidence`) by one returning
the synthetic incident, so these tests exercise the real CLI, window parsing, bundle writing and summary.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from apigwops.cli import app, run
from apigwops.evidence.bundle import read_bundle, read_manifest
from tests.builders.incident import SECRETS, make_evidence


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace the live collector; record how it was called."""
    seen: list[dict[str, Any]] = []

    def fake_collect(runtime: Any, **kwargs: Any) -> Any:
        seen.append({"runtime": runtime, **kwargs})
        return make_evidence(n_requests=200)

    monkeypatch.setattr("apigwops.evidence.collect.collect_evidence", fake_collect)
    return seen


def test_capture_writes_a_bundle_and_prints_path_and_summary(
    tmp_path: Path, calls: list[dict[str, Any]]
) -> None:
    out = tmp_path / "incident"
    result = CliRunner().invoke(
        app,
        [
            "-o",
            "table",
            "capture",
            "--api",
            "user-api",
            "--stage",
            "prod",
            "--since",
            "2h",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == str(out)
    assert "requests 200" in lines[1]
    assert "parquet" in lines[1]
    assert "waf-sampled-requests skipped" in lines[1]
    (call,) = calls
    assert (call["api"], call["stage"], call["logs_engine"]) == ("user-api", "prod", "auto")
    assert call["window"].end - call["window"].start == timedelta(hours=2)
    assert len(read_bundle(out).requests) == 200


def test_capture_json_output_jsonl_format_and_redacted_ips(
    tmp_path: Path, calls: list[dict[str, Any]]
) -> None:
    out = tmp_path / "b"
    args = ["-o", "json", "capture", "--api", "a1", "--stage", "dev", "--start", "2026-11-24T01:00:00Z"]
    args += ["--end", "2026-11-24T01:30:00Z", "--out", str(out), "--format", "jsonl", "--redact-ips"]
    result = CliRunner().invoke(app, [*args, "--logs-engine", "scan"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["bundle"] == str(out)
    assert doc["format"] == "jsonl"
    assert doc["tables"]["requests"] == 200
    assert doc["redaction"]["ips_replaced"] >= 4
    assert calls[0]["logs_engine"] == "scan"
    assert calls[0]["window"].start.isoformat() == "2026-11-24T01:00:00+00:00"
    assert read_manifest(out)["tables"]["waf"]["file"] == "tables/waf.jsonl"
    everything = b"".join(f.read_bytes() for f in out.rglob("*") if f.is_file())
    for secret in SECRETS:
        assert secret.encode() not in everything


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--since", "2h", "--start", "1h ago"], "use either --since or --start"),
        (["--since", "banana"], "invalid duration"),
        (["--format", "csv"], "Invalid value for '--format'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path,
    calls: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    code = run(["capture", "--api", "a", "--stage", "s", "--out", str(tmp_path / "b"), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not calls
    assert not (tmp_path / "b").exists()


def test_existing_out_dir_is_refused_before_collecting(
    tmp_path: Path, calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "keep.txt").write_text("x")
    code = run(["capture", "--api", "a", "--stage", "s", "--out", str(tmp_path / "b")])
    assert code == 2
    assert "not an empty directory" in capsys.readouterr().err
    assert not calls


def test_capture_help_imports_nothing_heavy() -> None:
    """`capture` imports pandas, pyarrow and boto3 only when it runs (checked in a fresh interpreter)."""
    import subprocess

    probe = (
        "import sys\nfrom apigwops.cli import run\ncode = run(['capture', '--help'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'pandas', 'pyarrow', "
        "'moto', 'locust', 'matplotlib'})\nprint('@@', code, heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert proc.stdout.rsplit("@@", 1)[1].split() == ["0", "[]"], proc.stdout + proc.stderr
