"""The diagnose engine alone on a big access log: seconds, rows/s and peak memory for 100k and 1M rows.

The evidence is `bundle_offline.make_evidence` (synthetic access-log rows with 4xx, 429, 5xx and 504 timeouts
over two hours), built in a child process per size so each peak RSS is that size's own. The engine's peak is
reported both as the process's high-water mark (VmHWM) and as the increase over the evidence alone.
Issue 6 §3 target: 1,000,000 rows in at most 3 s on 2 cores, peak well under 1 GB.

Usage: python benchmarks/diagnose_engine.py [--rows 100000 1000000] [--profile]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(rows: int, profile: bool) -> dict[str, Any]:
    from bundle_offline import make_evidence

    from apigwops.diagnose.engine import diagnose
    from apigwops.diagnose.loader import load_playbooks

    evidence = make_evidence(rows)
    playbooks = load_playbooks()
    before_mb = peak_rss_mb()
    began = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        with cProfile.Profile() as prof:
            report = diagnose(evidence, playbooks=playbooks)
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    else:
        report = diagnose(evidence, playbooks=playbooks)
    seconds = time.perf_counter() - began
    doc = report.as_json()
    return {
        "rows": rows,
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
        "evidence_mb": before_mb,
        "findings": [(f["id"], f["count"]) for f in doc["findings"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--profile", action="store_true", help="cProfile the engine (to stderr)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.rows[0], args.profile)))
        return
    print(f"{'rows':>10} {'seconds':>8} {'rows/s':>12} {'peak MB':>8} {'engine MB':>9}")
    for rows in args.rows:
        cmd = [sys.executable, __file__, "--child", "--rows", str(rows)] + (
            ["--profile"] if args.profile else []
        )
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
        if args.profile:
            sys.stderr.write(proc.stderr)
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        engine_mb = out["peak_mb"] - out["evidence_mb"]
        print(
            f"{rows:>10,} {out['seconds']:>8.2f} {rows / out['seconds']:>12,.0f} {out['peak_mb']:>8.0f} "
            f"{engine_mb:>9.0f}"
        )
        print(f"{'':>10} findings: {out['findings']}")


if __name__ == "__main__":
    main()
