"""`benchmarks/status_scale.py --quick` runs and its numbers are consistent with the batching it measures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"


@pytest.mark.slow
def test_status_scale_quick(tmp_path: Path) -> None:
    out = tmp_path / "status.json"
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / "status_scale.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "GetMetricData" in proc.stdout
    sizes = json.loads(out.read_text())["sizes"]
    for size, result in sizes.items():
        assert result["stages"] == int(size)  # every API's stage listed
        assert result["by_operation"]["cloudwatch:GetMetricData"] == 2  # sums + p99s, whatever the size
        assert result["by_operation"]["apigateway:GetStages"] + result["by_operation"][
            "apigatewayv2:GetStages"
        ] == int(size)
