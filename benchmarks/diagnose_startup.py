"""Start-up time of `apigwops --help` and `apigwops diagnose --help` against `python -c pass`.

    .venv/bin/python benchmarks/diagnose_startup.py [--runs 10] [--quick] [--json FILE]

A paged engineer pays the start-up on every call. Each command runs `--runs` times in a fresh process
(interleaved, so a busy moment of the machine hits all three alike); the table shows the median and the
fastest wall time and the ratio of the medians to the bare interpreter's. Then `python -X importtime` of
`apigwops --help` (median of 3 runs per module) lists the modules it imports beyond the standard library with
their cumulative import time, top 10, and the self time per top-level package for both commands (a command
with options builds typer's parameter types, which may import more than the bare group help). `--quick` runs each command 3
times and importtime once. Prints numbers measured in this one run; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

from sandbox_traffic import APIGWOPS, median, table, write_json

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "apigwops --help": [str(APIGWOPS), "--help"],
    "apigwops diagnose --help": [str(APIGWOPS), "diagnose", "--help"],
}
IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")
ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="fresh processes per command (default 10)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 runs, importtime once")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers to FILE as JSON")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 10)
    times = wall_times(runs)
    imports = import_times(1 if args.quick else 3)
    diagnose_imports = import_times(1 if args.quick else 3, ("diagnose", "--help"))
    result = {
        "diagnose_help_modules_beyond_stdlib": diagnose_imports["modules_beyond_stdlib"],
        "diagnose_help_by_package_ms": diagnose_imports["by_package_ms"],
        "runs": runs,
        "median_s": {name: median(values) for name, values in times.items()},
        "min_s": {name: min(values) for name, values in times.items()},
        **imports,
    }
    _print(result)
    write_json(args.json, result)


def wall_times(runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            begin = time.perf_counter()
            proc = subprocess.run(argv, capture_output=True, env=ENV, check=False, timeout=60)
            times[name].append(time.perf_counter() - begin)
            if proc.returncode != 0:
                sys.exit(f"{name} exited {proc.returncode}: {proc.stderr.decode()[-300:]}")
    return times


def parse_importtime(stderr: str) -> dict[str, tuple[int, int]]:
    """module -> (self µs, cumulative µs) from `python -X importtime` output."""
    modules: dict[str, tuple[int, int]] = {}
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            modules[match.group(4)] = (int(match.group(1)), int(match.group(2)))
    return modules


def is_stdlib(module: str) -> bool:
    top = module.split(".")[0]
    return top in sys.stdlib_module_names or top in sys.builtin_module_names


def import_times(runs: int, args: tuple[str, ...] = ("--help",)) -> dict[str, Any]:
    samples: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", str(APIGWOPS), *args],
            capture_output=True,
            text=True,
            env=ENV,
            check=False,
            timeout=60,
        )
        for module, value in parse_importtime(proc.stderr).items():
            samples[module].append(value)
    third_party = {
        m: (median([float(s) for s, _ in v]), median([float(c) for _, c in v]))
        for m, v in samples.items()
        if not is_stdlib(m)
    }
    by_package: dict[str, float] = defaultdict(float)
    for module, (self_us, _) in third_party.items():
        by_package[module.split(".")[0]] += self_us
    total_us = sum(median([float(s) for s, _ in v]) for v in samples.values())
    top = sorted(third_party.items(), key=lambda kv: -kv[1][1])[:10]
    return {
        "modules_total": len(samples),
        "modules_beyond_stdlib": len(third_party),
        "import_total_ms": total_us / 1000,
        "top_cumulative_ms": [
            {"module": m, "cumulative_ms": c / 1000, "self_ms": s / 1000} for m, (s, c) in top
        ],
        "by_package_ms": dict(sorted(((k, v / 1000) for k, v in by_package.items()), key=lambda kv: -kv[1])),
    }


def _print(r: dict[str, Any]) -> None:
    base = r["median_s"]["python -c pass"]
    rows = [
        (name, f"{r['median_s'][name] * 1000:.0f}", f"{r['min_s'][name] * 1000:.0f}", f"{value / base:.1f}x")
        for name, value in r["median_s"].items()
    ]
    print(f"start-up, {r['runs']} fresh processes per command")
    print()
    print(table(rows, ("command", "median ms", "fastest ms", "vs python -c pass")))
    print()
    print(
        f"`apigwops --help` imports {r['modules_total']} modules, {r['modules_beyond_stdlib']} beyond the "
        f"standard library; importtime sums to {r['import_total_ms']:.0f} ms of self time"
    )
    print()
    top = [(t["module"], f"{t['cumulative_ms']:.1f}", f"{t['self_ms']:.1f}") for t in r["top_cumulative_ms"]]
    print(table(top, ("module (beyond stdlib), top 10", "cumulative ms", "self ms")))
    print()
    names = list(dict.fromkeys([*r["by_package_ms"], *r["diagnose_help_by_package_ms"]]))
    packages = [
        (
            name,
            f"{r['by_package_ms'].get(name, 0.0):.1f}",
            f"{r['diagnose_help_by_package_ms'].get(name, 0.0):.1f}",
        )
        for name in names
    ]
    print(table(packages, ("top-level package (self ms, summed)", "--help", "diagnose --help")))
    print(
        f"`apigwops diagnose --help` imports {r['diagnose_help_modules_beyond_stdlib']} modules beyond the "
        "standard library"
    )


if __name__ == "__main__":
    main()
