"""Guard rails for every test: no real AWS credentials or config can ever be used, and no network but loopback.

Fixtures shared across the suite live here: a moto server over HTTP (session scoped, reset per test that asks
for a clean account) and helpers to run the CLI in-process or as the installed console script.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SAFE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "NO_COLOR": "1",
    "COLUMNS": "120",
    "TERMINAL_WIDTH": "120",
    "AWS_MAX_ATTEMPTS": "2",
}
UNSET = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "APIGWOPS_OUTPUT",
    "AWS_RETRY_MODE",
)


@pytest.fixture(autouse=True)
def _safe_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    empty = tmp_path_factory.mktemp("awscfg")
    (empty / "config").write_text("")
    (empty / "credentials").write_text("")
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL_"):
            monkeypatch.delenv(name)
    for key, value in SAFE_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A real moto server on 127.0.0.1 (HTTP), shared by the session; yields its endpoint URL. Taught Lambda's
    `LoggingConfig` as the sandbox's own moto process is (`apigwops.sandbox.moto_patches`)."""
    from moto.server import ThreadedMotoServer

    from apigwops.sandbox.moto_patches import add_lambda_logging_config

    add_lambda_logging_config()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_endpoint(moto_server: str) -> str:
    """The moto endpoint with a fresh, empty account for this test."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=10)
    return moto_server


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> CliResult:
    """Run the installed console script in a subprocess (the real entry point, real imports)."""
    exe = Path(sys.executable).with_name("apigwops")
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [str(exe), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli() -> type[CliResult]:
    return CliResult
