"""Offline diagnosis of a big bundle: read_bundle (+ diagnose when the engine runs) against DuckDB, same run.

Generates N synthetic access-log rows (canonical columns, default 1,000,000), writes a bundle with
`write_bundle` (redaction included), then measures in fresh child processes, so each peak RSS is its own:

  * apigwops: `read_bundle` (sha256 check, Parquet decode) + the status-class breakdown in pandas,
    then `diagnose(evidence)` when the engine is importable;
  * duckdb:   the same status-class breakdown straight from the bundle's Parquet file.

Prints seconds, peak RSS (ru_maxrss) and the ratios. Usage: python benchmarks/bundle_offline.py [--rows N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def make_evidence(rows: int) -> Any:
    import numpy as np
    import pandas as pd

    from apigwops.evidence.bundle import TABLES, _empty_table
    from apigwops.model import (
        ACCESS_LOG_FIELDS,
        ACCESS_LOG_FLOAT_COLUMNS,
        ACCESS_LOG_INT_COLUMNS,
        DERIVED_COLUMNS,
        ApiConfig,
        ApiInfo,
        Check,
        Evidence,
        StageConfig,
    )
    from apigwops.timewindow import Window

    rng = np.random.default_rng(1)
    start = pd.Timestamp("2026-11-24T00:00:00Z")
    window = Window(start.to_pydatetime(), (start + pd.Timedelta(hours=2)).to_pydatetime())
    offsets = np.sort(rng.integers(0, 7_200_000, rows))
    status = rng.choice(
        [200, 201, 400, 403, 429, 500, 502, 504], rows, p=[0.8, 0.05, 0.02, 0.02, 0.04, 0.01, 0.02, 0.04]
    )
    latency = np.where(status == 504, 29000 + rng.random(rows) * 50, rng.gamma(2.0, 40.0, rows))
    ips = np.array([f"198.51.{i // 256}.{i % 256}" for i in range(5000)])
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(start.value // 1_000_000 + offsets, unit="ms", utc=True).astype(
                "datetime64[ms, UTC]"
            ),
            "request_id": ("r-" + pd.Series(np.arange(rows)).astype(str)).astype("string"),
            "http_method": pd.Series(rng.choice(["GET", "POST"], rows), dtype="string"),
            "resource_path": pd.Series(
                rng.choice(["/users/{id}", "/orders", "/health"], rows), dtype="string"
            ),
            "status": pd.array(status, dtype="Int64"),
            "response_latency": pd.array(latency.round(1), dtype="Float64"),
            "integration_latency": pd.array((latency - 3).round(1), dtype="Float64"),
            "integration_error": pd.Series(
                np.where(status == 504, "Endpoint request timed out", None), dtype="string"
            ),
            "error_type": pd.Series(
                np.where(status == 429, "THROTTLED", np.where(status == 504, "INTEGRATION_TIMEOUT", None)),
                dtype="string",
            ),
            "ip": pd.Series(rng.choice(ips, rows), dtype="string"),
            "user_agent": pd.Series(
                rng.choice(["curl/8.5.0", "okhttp/4.12", "Mozilla/5.0"], rows), dtype="string"
            ),
        }
    )
    for column in (*ACCESS_LOG_FIELDS, *DERIVED_COLUMNS):
        if column in frame:
            continue
        if column in ACCESS_LOG_INT_COLUMNS:
            frame[column] = pd.array([pd.NA] * rows, dtype="Int64")
        elif column in ACCESS_LOG_FLOAT_COLUMNS:
            frame[column] = pd.array([pd.NA] * rows, dtype="Float64")
        else:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame["route"] = (frame["http_method"] + " " + frame["resource_path"]).astype("string")
    empty = {name: _empty_table(name) for name in TABLES if name != "requests"}
    return Evidence(
        api=ApiInfo("bench12345", "bench-api", "REST", "prod", "us-east-1"),
        window=window,
        config=ApiConfig(stage=StageConfig(name="prod", logging_level="ERROR")),
        requests=frame,
        checks=[Check("access-logs", "ok", detail={"lines": rows})],
        **empty,
    )


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM; unlike ru_maxrss it is not inherited from the parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_apigwops(bundle: Path) -> dict[str, Any]:
    import pandas as pd
    import pyarrow.parquet  # noqa: F401  (imported before the clock starts, as duckdb is)

    from apigwops.evidence.bundle import read_bundle

    began = time.perf_counter()
    evidence = read_bundle(bundle)
    read_s = time.perf_counter() - began
    breakdown = (evidence.requests["status"] // 100).value_counts().sort_index()
    breakdown_s = time.perf_counter() - began
    out: dict[str, Any] = {
        "read_s": read_s,
        "read_breakdown_s": breakdown_s,
        "breakdown": {f"{int(k)}xx": int(v) for k, v in breakdown.items()},
        "rows": len(evidence.requests),
    }
    out["peak_rss_read_mb"] = peak_rss_mb()
    try:
        from apigwops.diagnose.engine import diagnose

        began = time.perf_counter()
        report = diagnose(evidence).as_json()
        out["diagnose_s"] = time.perf_counter() - began
        out["findings"] = [f["id"] for f in report["findings"]]
    except Exception as exc:  # the engine is optional here; say why it did not run
        out["diagnose_error"] = f"{type(exc).__name__}: {exc}"[:200]
    out["pandas"] = pd.__version__
    return out


def child_duckdb(bundle: Path) -> dict[str, Any]:
    import duckdb

    began = time.perf_counter()
    table = bundle / "tables" / "requests.parquet"
    rows = duckdb.sql(
        f"SELECT status // 100 AS class, count(*) FROM read_parquet('{table}') WHERE status IS NOT NULL "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    out: dict[str, Any] = {
        "read_breakdown_s": time.perf_counter() - began,
        "breakdown": {f"{int(k)}xx": int(v) for k, v in rows},
        "peak_rss_breakdown_mb": peak_rss_mb(),
    }
    began = time.perf_counter()  # like for like: every column into a pandas DataFrame, as read_bundle does
    frame = duckdb.sql(f"SELECT * FROM read_parquet('{table}')").df()
    out["read_all_s"] = time.perf_counter() - began
    out["rows"] = len(frame)
    return out


def run_child(kind: str, bundle: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--bundle", str(bundle)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", choices=["apigwops", "duckdb"])
    parser.add_argument("--bundle", type=Path)
    args = parser.parse_args()
    if args.child:
        result = child_apigwops(args.bundle) if args.child == "apigwops" else child_duckdb(args.bundle)
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return

    from apigwops.evidence.bundle import read_manifest, write_bundle

    began = time.perf_counter()
    evidence = make_evidence(args.rows)
    print(f"generated {args.rows:,} access-log rows in {time.perf_counter() - began:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "bundle"
        began = time.perf_counter()
        write_bundle(evidence, bundle, redact_ips=True)
        size = read_manifest(bundle)["tables"]["requests"]["bytes"]
        print(
            f"write_bundle (redaction, --redact-ips, parquet): {time.perf_counter() - began:.2f} s, "
            f"requests.parquet {size / 1e6:.1f} MB"
        )
        del evidence
        ours, duck = run_child("apigwops", bundle), run_child("duckdb", bundle)
    assert ours["breakdown"] == duck["breakdown"], (ours["breakdown"], duck["breakdown"])
    print(f"status classes (both agree): {ours['breakdown']}")
    ratio = ours["read_breakdown_s"] / duck["read_breakdown_s"]
    print(f"apigwops read_bundle (all columns):    {ours['read_s']:.2f} s")
    print(
        f"apigwops read_bundle + breakdown:      {ours['read_breakdown_s']:.2f} s, peak RSS {ours['peak_rss_read_mb']:.0f} MB"
    )
    print(
        f"duckdb   breakdown from parquet:       {duck['read_breakdown_s']:.2f} s, peak RSS {duck['peak_rss_breakdown_mb']:.0f} MB"
    )
    print(
        f"duckdb   all columns into pandas:      {duck['read_all_s']:.2f} s, peak RSS {duck['peak_rss_mb']:.0f} MB"
    )
    print(f"ratio apigwops/duckdb breakdown:       {ratio:.1f}x time")
    print(
        f"ratio apigwops/duckdb all columns:     {ours['read_s'] / duck['read_all_s']:.1f}x time, "
        f"{ours['peak_rss_read_mb'] / duck['peak_rss_mb']:.1f}x peak RSS"
    )
    if "diagnose_s" in ours:
        total = ours["read_s"] + ours["diagnose_s"]
        print(
            f"apigwops diagnose(evidence):           {ours['diagnose_s']:.2f} s (findings: {', '.join(ours['findings']) or 'none'})"
        )
        print(
            f"offline read_bundle + diagnose:        {total:.2f} s, peak RSS {ours['peak_rss_mb']:.0f} MB; "
            f"{total / duck['read_breakdown_s']:.0f}x the duckdb breakdown"
        )
    else:
        print(f"diagnose not measured: {ours['diagnose_error']}")


if __name__ == "__main__":
    main()
