"""What apigwops writes is safe: no 0-byte report on a full disk, no terminal sequences from user input.

The full disk is real: the console script runs with RLIMIT_FSIZE set below the report's size, so the kernel
refuses the write (EFBIG, SIGXFSZ ignored) exactly where a full disk would refuse it (ENOSPC).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from apigwops.evidence.bundle import write_bundle
from tests.builders.incident import make_evidence
from tests.cli.test_bad_inputs import assert_one_line_exit_2
from tests.conftest import CliResult, run_cli

EXE = Path(sys.executable).with_name("apigwops")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bundle(make_evidence(n_requests=200), tmp_path_factory.mktemp("b") / "bundle", fmt="jsonl")


def _limited(max_file_bytes: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write then fails with EFBIG instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))


def run_with_file_limit(*args: str, max_file_bytes: int) -> CliResult:
    proc = subprocess.run(
        [str(EXE), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=120,
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: _limited(max_file_bytes),
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def test_report_on_a_full_disk_leaves_nothing(bundle: Path, tmp_path: Path) -> None:
    report = tmp_path / "incident.html"
    result = run_with_file_limit(
        "-o", "json", "diagnose", "--bundle", str(bundle), "--report", str(report), max_file_bytes=4096
    )
    assert_one_line_exit_2(result, f"cannot write {report}: File too large")
    assert not report.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left either


def test_a_failed_report_keeps_the_previous_one(bundle: Path, tmp_path: Path) -> None:
    report = tmp_path / "incident.html"
    report.write_text("<html>the previous report</html>")
    result = run_with_file_limit(
        "-o", "json", "diagnose", "--bundle", str(bundle), "--report", str(report), max_file_bytes=4096
    )
    assert result.exit_code == 2
    assert report.read_text() == "<html>the previous report</html>"
    assert [p.name for p in tmp_path.iterdir()] == ["incident.html"]


def test_report_is_written_whole(bundle: Path, tmp_path: Path) -> None:
    report = tmp_path / "incident.html"
    result = run_cli("-o", "json", "diagnose", "--bundle", str(bundle), "--report", str(report))
    assert result.exit_code in (0, 1), result.stderr
    assert report.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert [p.name for p in tmp_path.iterdir()] == ["incident.html"]


def test_progress_and_errors_do_not_print_terminal_sequences_from_arguments(tmp_path: Path) -> None:
    api, stage = "\x1b[31mred\x1b]0;owned\x07", "prod\rFAKE OK"
    result = run_cli(
        "diagnose", "--api", api, "--stage", stage, "--since", "5m",
        env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_REGION": "us-east-1"},
    )  # fmt: skip
    assert result.exit_code in (2, 254), result.stderr
    for control in ("\x1b", "\x07", "\r"):
        assert control not in result.stderr
    assert "resolving \\x1b[31mred\\x1b]0;owned\\x07 / prod\\rFAKE OK" in result.stderr
