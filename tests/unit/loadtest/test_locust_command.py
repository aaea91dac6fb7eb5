"""The argv handed to Locust: what Locust 2.47's parser accepts (checked against its own parser)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from apigwops.loadtest.config import RunPlan
from apigwops.loadtest.runner import locust_command


@pytest.mark.parametrize(("stop_timeout", "expected"), [(1.2, "2s"), (5.0, "5s"), (1.0, "1s")])
def test_stop_timeout_is_whole_seconds(tmp_path: Path, stop_timeout: float, expected: str) -> None:
    plan = RunPlan(
        locustfile=tmp_path / "x.py",
        url="http://127.0.0.1:1",
        users=1,
        spawn_rate=1,
        duration_s=12,
        stop_timeout_s=stop_timeout,
    )
    argv = locust_command(plan, tmp_path)
    assert argv[argv.index("--stop-timeout") + 1] == expected


def test_locust_accepts_a_fractional_stop_timeout_plan(tmp_path: Path) -> None:
    """Locust refuses '1.2s'; run its real argument parser (in a subprocess: never import locust here)."""
    plan = RunPlan(
        locustfile=tmp_path / "x.py",
        url="http://127.0.0.1:1",
        users=1,
        spawn_rate=1,
        duration_s=12,
        stop_timeout_s=1.2,
    )
    value = locust_command(plan, tmp_path)[locust_command(plan, tmp_path).index("--stop-timeout") + 1]
    code = (
        "import sys; from locust.argument_parser import parse_timespan; "
        f"sys.exit(0 if parse_timespan({value!r}) >= 1 else 1)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
