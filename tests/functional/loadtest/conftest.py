"""Load-test runs under CI must not write into the CI job's own step summary."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_ci_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
