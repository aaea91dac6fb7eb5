"""Each diagnose benchmark runs in its `--quick` smoke mode and prints its table; run_all finds the scripts.

The benchmarks report numbers, not verdicts, so these tests check what would make the numbers wrong or
missing: the script exits 0 and prints its table, every request sent is found again by diagnose (a window or
flush mistake would lose some), the proxy sees exactly one HTTP attempt per AWS call when retries are off
(its operation names are the client's own), and the measured wall time is at least the delay times the
longest chain of calls that ran one after another (the bound a correct clock must respect).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"


def _run(script: str, tmp_path: Path, *args: str) -> tuple[str, dict[str, Any]]:
    out = tmp_path / f"{script}.json"
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", "--json", str(out), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, json.loads(out.read_text())


@pytest.mark.slow
def test_volume_quick_finds_every_request_in_process_and_from_the_cli(tmp_path: Path) -> None:
    stdout, r = _run("diagnose_volume.py", tmp_path)
    assert "CLI (fresh process)" in stdout
    assert "engine (diagnose)" in stdout
    assert r["requests_sent"] == 500
    assert r["diagnosed_requests"] == 500
    assert r["cli_requests"] == 500
    assert r["rows"]["requests"] == 500
    assert "lambda-function-error" in r["findings"]
    assert r["cli_findings"] == r["findings"]
    assert r["cli_exit"] == 1  # a high-severity finding
    assert r["api_calls"] == r["cli_api_calls"]
    assert 0 < r["resolve_config_s"] < r["collect_s"]


@pytest.mark.slow
def test_concurrency_quick_counts_every_call_through_the_delaying_proxy(tmp_path: Path) -> None:
    stdout, r = _run("diagnose_concurrency.py", tmp_path)
    assert "collect_evidence (in-process)" in stdout
    assert "wafv2:GetWebACL" in stdout
    one = r["one_attempt"]
    assert one["calls"] == one["client_counted_calls"] > 10
    assert all(":" in op["operation"] for op in one["by_operation"])  # named by the client, not guessed
    assert sum(op["calls"] for op in one["by_operation"]) == one["calls"]
    for measured in (r["in_process"], one):
        assert measured["wall_s"] >= r["delay_s"] * measured["sequential_chain"]
        assert measured["latency_sum_s"] >= r["delay_s"] * measured["calls"]
        assert measured["peak_in_flight"] >= 2  # the fan-out overlaps calls
    phases = [p["phase"] for p in one["phases"]]
    assert phases == ["resolve", "configuration", "fan-out + merge"]
    assert sum(p["calls"] for p in one["phases"]) == one["calls"]


@pytest.mark.slow
def test_startup_quick_times_three_commands_and_lists_non_stdlib_imports(tmp_path: Path) -> None:
    stdout, r = _run("diagnose_startup.py", tmp_path)
    assert set(r["median_s"]) == {"python -c pass", "apigwops --help", "apigwops diagnose --help"}
    assert all(value > 0 for value in r["median_s"].values())
    modules = [t["module"] for t in r["top_cumulative_ms"]]
    assert len(modules) == 10
    assert "apigwops.cli" in modules
    assert not any(m.split(".")[0] in sys.stdlib_module_names for m in modules)
    assert not any(m.split(".")[0] in {"boto3", "botocore", "pandas"} for m in modules)
    assert "vs python -c pass" in stdout


def test_run_all_lists_the_scripts_and_not_the_helpers() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run_all.py"), "--list"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    listed = proc.stdout.split()
    for script in ("diagnose_volume.py", "diagnose_concurrency.py", "diagnose_startup.py"):
        assert script in listed
    assert "(--quick)" in proc.stdout
    for helper in ("run_all.py", "delay_proxy.py", "sandbox_traffic.py"):
        assert helper not in listed


def test_run_all_names_an_unknown_benchmark_in_one_line() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run_all.py"), "no_such_bench"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("run_all: no benchmark named no_such_bench")
