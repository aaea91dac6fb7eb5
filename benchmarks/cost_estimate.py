"""How fast `apigwops cost` prices: estimates per second in-process, and the CLI's wall time per call.

Prints numbers and ratios; nothing here passes or fails. Run: .venv/bin/python benchmarks/cost_estimate.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from apigwops.cost.catalog import load_catalog
from apigwops.cost.estimator import estimate
from apigwops.cost.model import Usage
from apigwops.cost.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]


def per_second(label: str, fn: object, rounds: int) -> float:
    assert callable(fn)
    start = time.perf_counter()
    for _ in range(rounds):
        fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<48} {rounds / elapsed:10.0f}/s  ({elapsed / rounds * 1e3:.3f} ms each)")
    return elapsed / rounds


def main() -> None:
    catalog = load_catalog(use_cache=False)
    scenario = load_scenario(REPO / "examples" / "tiers.yaml", catalog)
    usage, options = scenario.to_usage(), scenario.to_options()
    simple = Usage(api_type="rest", requests=Decimal(15_000_000_000), response_kb=Decimal(4))
    a = per_second("estimate: one REST API, 15B requests", lambda: estimate(simple, catalog), 2000)
    b = per_second(
        "estimate: tiers.yaml (4 tiers + worst case)", lambda: estimate(usage, catalog, options), 500
    )
    per_second("load_catalog (snapshot JSON)", lambda: load_catalog(use_cache=False), 200)
    per_second(
        "load_scenario (YAML + pydantic)", lambda: load_scenario(REPO / "examples" / "tiers.yaml"), 200
    )
    print(f"ratio tiers.yaml / single API: {b / a:.1f}x")
    exe = Path(sys.executable).with_name("apigwops")
    for args in (
        ["cost", "--help"],
        ["-o", "json", "cost", "estimate", "--scenario", str(REPO / "examples" / "tiers.yaml")],
    ):
        start = time.perf_counter()
        for _ in range(3):
            subprocess.run([str(exe), *args], capture_output=True, check=True)
        print(f"CLI apigwops {' '.join(args[:4]):<40} {(time.perf_counter() - start) / 3 * 1e3:8.0f} ms wall")


if __name__ == "__main__":
    main()
