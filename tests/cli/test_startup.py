"""Start-up discipline: a paged engineer waits for `apigwops --help` on every call.

`--help` (and the help of every command) must not import boto3, pandas, locust or moto; checked in a fresh
interpreter, since this test process has imported them all already.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("boto3", "botocore", "pandas", "locust", "moto", "gevent", "matplotlib", "pyarrow")

PROBE = """
import json, sys
sys.argv = ["apigwops", *json.loads(sys.argv[1])]
from apigwops.cli import run
code = run(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy})
print("\\n@@" + json.dumps({{"code": int(code), "heavy": heavy}}))
"""


def _probe(args: list[str]) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    marker = proc.stdout.rsplit("@@", 1)
    assert len(marker) == 2, proc.stdout + proc.stderr
    result: dict[str, object] = json.loads(marker[1])
    return result


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["diagnose", "--help"],
        ["cost", "--help"],
        ["loadtest", "--help"],
        ["sandbox", "--help"],
        ["playbooks", "--help"],
    ],
)
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    result = _probe(args)
    assert result["code"] == 0
    assert result["heavy"] == [], f"'apigwops {' '.join(args)}' imported {result['heavy']}"
