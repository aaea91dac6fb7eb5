"""One sandbox per test module (its own moto server); each test sets the faults it needs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    from apigwops.sandbox import Sandbox

    sb = Sandbox.start(seed=7, time_scale=0.005, ship_interval_s=0.5)
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def sb(sandbox: Any) -> Iterator[Any]:
    """The module's sandbox, healed before and after the test."""
    sandbox.set_faults({})
    yield sandbox
    sandbox.set_faults({})
