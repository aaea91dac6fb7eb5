"""The built wheel is what users install: it must carry playbooks/ and loadtests/ and run in a fresh venv.

The fresh virtual environment gets the wheel itself (no editable install, no source tree on sys.path); its
third-party dependencies are borrowed from the development venv through a .pth file so the test needs no
network. What is checked is the wheel's content and entry point, which is what breaks in practice.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(dist.glob("apigwops-*.whl"))
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    purelib = Path(sysconfig.get_paths(vars={"base": str(env_dir), "platbase": str(env_dir)})["purelib"])
    dev_site = Path(sysconfig.get_paths()["purelib"])
    (purelib / "zz_borrowed_deps.pth").write_text(f"{dev_site}\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(env_dir / "bin" / "python"),
            "install",
            "--no-deps",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return env_dir


def _run(env_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=env_dir, timeout=120)


def test_wheel_runs_help_in_a_fresh_venv(installed: Path) -> None:
    for args in (["--help"], ["sandbox", "--help"]):
        proc = _run(installed, str(installed / "bin" / "apigwops"), *args)
        assert proc.returncode == 0, proc.stderr
        assert "Usage: apigwops" in proc.stdout


def test_wheel_carries_playbooks_and_loadtests(installed: Path) -> None:
    code = (
        "import apigwops, pathlib; root = pathlib.Path(apigwops.__file__).parent / '_data';"
        "print(str(root)); print(sorted(p.name for p in (root / 'playbooks').glob('*.yaml')));"
        "print(sorted(p.name for p in (root / 'loadtests').glob('*.py')))"
    )
    proc = _run(installed, str(installed / "bin" / "python"), "-c", code)
    assert proc.returncode == 0, proc.stderr
    root, playbooks, loadtests = proc.stdout.strip().splitlines()
    assert str(installed) in root, "apigwops was imported from the source tree, not from the wheel"
    shipped_playbooks = sorted(p.name for p in (REPO / "playbooks").glob("*.yaml"))
    shipped_loadtests = sorted(p.name for p in (REPO / "loadtests").glob("*.py"))
    assert shipped_playbooks
    assert playbooks == repr(shipped_playbooks)
    assert shipped_loadtests
    assert loadtests == repr(shipped_loadtests)
