"""The argv handed to Locust: what Locust 2.47's parser accepts (checked against its own parser)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from apigwops.loadtest.config import RunPlan
from apigwops.loadtest.runner import locust_command, locust_env
from apigwops.loadtest.scenarios import launcher_path


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


def test_locust_flags_and_launcher(tmp_path: Path) -> None:
    plan = RunPlan(
        locustfile=tmp_path / "x.py",
        url="http://127.0.0.1:1",
        users=1,
        spawn_rate=1,
        duration_s=2,
        tags=("a", "b"),
        exclude_tags=("c",),
        csv_prefix="out/stats",
    )
    argv = locust_command(plan, tmp_path)
    assert argv[1].endswith("apigwops_locust.py")
    assert argv[argv.index("--tags") + 1 : argv.index("--tags") + 3] == ["a", "b"]
    assert argv[argv.index("--exclude-tags") + 1] == "c"
    assert argv[argv.index("--csv") + 1] == "out/stats"


def test_no_locust_variable_reaches_locust(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCUST_TAGS", "leak")
    plan = RunPlan(
        locustfile=tmp_path / "x.py", url="http://127.0.0.1:1", users=1, spawn_rate=1, duration_s=2
    )
    env = locust_env(plan, tmp_path / "r.json")
    assert not [k for k in env if k.startswith("LOCUST_")]
    assert env["APIGWOPS_LT_PARENT_PID"] == str(os.getpid())


@pytest.mark.parametrize(("patched", "tags"), [(False, "['leaked']"), (True, "None")])
def test_the_launcher_reads_no_locust_conf(tmp_path: Path, patched: bool, tags: str) -> None:
    """Locust's own parser in a directory with a locust.conf, with and without the launcher's patch
    (in a subprocess: never import locust here)."""
    (tmp_path / "locust.conf").write_text("tags = leaked\n")
    patch = "launcher['ignore_config_files'](); " if patched else ""
    code = (
        "import runpy, sys; sys.argv = ['x']; "
        f"launcher = runpy.run_path({str(launcher_path())!r}); {patch}"
        "import locust.argument_parser as p; print(p.get_parser().parse_args([]).tags)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == tags
