"""Run every benchmark script in `benchmarks/` one after another and print their output (`make bench`).

    .venv/bin/python benchmarks/run_all.py [--quick] [--list] [NAME ...]

A benchmark script is a `.py` file here with a `if __name__ == "__main__":` guard; helper modules
(`delay_proxy.py`, `sandbox_traffic.py`) have none and are skipped, and so is this file. Scripts run in
alphabetical order, one at a time (they measure the machine, so running two at once would spoil both), with
the same interpreter, each in its own process. NAME (a file name with or without `.py`) runs only those.
`--quick` passes `--quick` to the scripts that accept it (their smoke mode) and skips the others.
A script that fails does not stop the rest; the exit code is 1 when any failed. Numbers, not verdicts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAIN_GUARD = 'if __name__ == "__main__":'


def benchmark_scripts(directory: Path = HERE) -> list[Path]:
    """The runnable benchmarks in `directory`, alphabetically."""
    return [
        path
        for path in sorted(directory.glob("*.py"))
        if path.name != Path(__file__).name and MAIN_GUARD in path.read_text(encoding="utf-8")
    ]


def accepts_quick(path: Path) -> bool:
    return '"--quick"' in path.read_text(encoding="utf-8")


def select(scripts: list[Path], names: list[str]) -> list[Path]:
    if not names:
        return scripts
    by_name = {p.stem: p for p in scripts}
    unknown = [n for n in names if n.removesuffix(".py") not in by_name]
    if unknown:
        sys.exit(f"run_all: no benchmark named {', '.join(unknown)}; choose from: {', '.join(by_name)}")
    return [by_name[n.removesuffix(".py")] for n in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="only these benchmarks")
    parser.add_argument("--quick", action="store_true", help="smoke runs of the scripts that have one")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args()
    scripts = select(benchmark_scripts(), args.names)
    if args.list:
        for path in scripts:
            print(f"{path.name}{'  (--quick)' if accepts_quick(path) else ''}")
        return 0
    outcomes: list[tuple[str, str, float]] = []
    for path in scripts:
        argv = [sys.executable, str(path)]
        if args.quick:
            if not accepts_quick(path):
                outcomes.append((path.name, "skipped (no --quick)", 0.0))
                continue
            argv.append("--quick")
        print(f"\n===== {path.name} {' '.join(argv[2:])}".rstrip(), flush=True)
        begin = time.perf_counter()
        code = subprocess.run(argv, cwd=HERE.parent, check=False).returncode
        seconds = time.perf_counter() - begin
        outcomes.append((path.name, "ok" if code == 0 else f"failed (exit {code})", seconds))
    print("\n===== summary")
    width = max((len(name) for name, _, _ in outcomes), default=0)
    for name, status, seconds in outcomes:
        print(f"{name.ljust(width)}  {seconds:7.1f} s  {status}")
    return 1 if any(status.startswith("failed") for _, status, _ in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
