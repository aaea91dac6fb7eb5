"""Wall time of `diagnose auto` against the sandbox with 100,000 requests in the window.

    .venv/bin/python benchmarks/diagnose_volume.py [--requests 100000] [--quick] [--json FILE]

Starts a sandbox (moto's server plus the local stages) with 5% of requests failing as Lambda function errors,
sends the requests to the REST stage from 8 keep-alive `http.client` threads, flushes every log line and
metric into moto, and then diagnoses the window twice:

  * in-process: `collect_evidence` (split into resolve + configuration, and the concurrent fan-out with its
    merge) and the engine (`diagnose`) separately, with the rows each evidence table ended with;
  * as the installed console script in a fresh process, with the sandbox's environment:
    `apigwops -o json --endpoint-url <moto> diagnose --api user-api --stage prod --start .. --end ..`.

Traffic generation and shipping are timed apart from the diagnosis: they stand for what AWS does, not for
what apigwops does. The scan engine reads the logs (moto has no Logs Insights), so every line of the window is
read over HTTP: ~19 log events per request, ~1.9 million for 100,000 requests. `--quick` sends 500 requests.
Prints numbers and ratios measured in this one run; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter
from datetime import datetime
from typing import Any

from sandbox_traffic import (
    iso,
    note,
    quiet_loggers,
    run_cli,
    send_requests,
    status_classes,
    summarize_checks,
    table,
    window_for,
    write_json,
)

FAULTS = {"lambda-error": 0.05}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=None, help="requests to send (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 500 requests")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers to FILE as JSON")
    args = parser.parse_args()
    total = args.requests or (500 if args.quick else 100_000)
    quiet_loggers()

    from apigwops.sandbox import Sandbox

    note("starting the sandbox")
    begin = time.perf_counter()
    sb = Sandbox.start(faults=FAULTS, seed=7)
    boot_s = time.perf_counter() - begin
    try:
        os.environ.update(sb.env())
        note(f"sandbox up in {boot_s:.1f} s; sending {total:,} requests")
        traffic = send_requests(sb.rest.url, sb.keys["internal"], total)
        note(f"sent in {traffic.seconds:.1f} s ({traffic.per_second:,.0f} req/s)")
        note("flushing logs and metrics into moto")
        begin = time.perf_counter()
        sb.flush()
        flush_s = time.perf_counter() - begin
        start, end = window_for(traffic)
        result = {
            "requests_sent": traffic.requests,
            "statuses_sent": {str(k): v for k, v in sorted(traffic.statuses.items())},
            "sandbox_start_s": boot_s,
            "traffic_s": traffic.seconds,
            "traffic_rps": traffic.per_second,
            "flush_s": flush_s,
        }
        note(f"flushed in {flush_s:.1f} s; diagnosing in-process")
        result.update(_in_process(sb.moto_endpoint, start, end))
        note("diagnosing with the CLI")
        result.update(_cli(sb.moto_endpoint, sb.env(), start, end))
    finally:
        sb.stop()
    _print(result, traffic.statuses)
    write_json(args.json, result)


def _in_process(endpoint: str, start: datetime, end: datetime) -> dict[str, Any]:
    import boto3
    from sandbox_traffic import CallTimer, StepClock

    from apigwops.aws.session import AwsContext
    from apigwops.aws.settings import AwsSettings
    from apigwops.diagnose.engine import diagnose
    from apigwops.evidence.collect import collect_evidence
    from apigwops.runtime import Runtime
    from apigwops.timewindow import Window

    clock = StepClock()
    session = boto3.Session(region_name="us-east-1")
    timer = CallTimer(session)
    aws = AwsContext(AwsSettings(region="us-east-1", endpoint_url=endpoint), session=session)
    runtime = Runtime(aws=aws, progress=clock)
    begin = time.perf_counter()
    evidence = collect_evidence(runtime, api="user-api", stage="prod", window=Window(start, end))
    collected = time.perf_counter()
    note(f"collected {len(evidence.requests):,} requests in {collected - begin:.1f} s; running the engine")
    report = diagnose(evidence)
    engine_s = time.perf_counter() - collected
    note(f"engine {engine_s:.2f} s")
    fan_out = clock.since("collecting") or begin
    document = report.as_json()
    return {
        "collect_s": collected - begin,
        "resolve_config_s": fan_out - begin,
        "fan_out_s": collected - fan_out,
        "engine_s": engine_s,
        "api_calls": evidence.api_calls,
        "calls_by_operation": dict(sorted(runtime.aws.calls.items())),
        "slowest_operations": timer.rows()[:5],
        "rows": {
            "requests": len(evidence.requests),
            "execution_logs": len(evidence.execution_logs),
            "lambda_logs": len(evidence.lambda_logs),
            "waf": len(evidence.waf),
            "metrics": len(evidence.metrics),
        },
        "diagnosed_requests": document["traffic"]["requests"],
        "findings": [f["id"] for f in document["findings"]],
        "checks_not_ok": {c["id"]: c["status"] for c in document["checks"] if c["status"] != "ok"},
        "check_notes": {
            c["id"]: c["reason"] for c in document["checks"] if c["status"] == "ok" and c.get("reason")
        },
    }


def _cli(endpoint: str, env: dict[str, str], start: datetime, end: datetime) -> dict[str, Any]:
    args = ["-o", "json", "--endpoint-url", endpoint, "diagnose", "--api", "user-api", "--stage", "prod"]
    args += ["--start", iso(start), "--end", iso(end)]
    seconds, code, out, err = run_cli(args, env)
    note(f"CLI {seconds:.1f} s, exit {code}")
    try:
        document = json.loads(out)
    except ValueError:
        sys.exit(f"the CLI printed no JSON (exit {code}): {err.strip()[-500:]}")
    return {
        "cli_s": seconds,
        "cli_exit": code,
        "cli_requests": document["traffic"]["requests"],
        "cli_findings": [f["id"] for f in document["findings"]],
        "cli_api_calls": document["cost"]["api_calls"],
        "cli_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _print(r: dict[str, Any], statuses: Counter[int]) -> None:
    rows_in, calls = r["rows"], r["calls_by_operation"]
    collect_s, engine_s, n = r["collect_s"], r["engine_s"], r["requests_sent"]
    print(f"diagnose auto, {n:,} requests in the window ({status_classes(statuses)})")
    print()
    print(
        table(
            [
                ("sandbox start", f"{r['sandbox_start_s']:.1f}", "moto's server + provisioning"),
                ("traffic", f"{r['traffic_s']:.1f}", f"{r['traffic_rps']:,.0f} req/s, 8 keep-alive threads"),
                ("final flush into moto", f"{r['flush_s']:.1f}", "pending log events and metrics"),
                ("collect: resolve + config", f"{r['resolve_config_s']:.2f}", "sequential round trips"),
                (
                    "collect: fan-out + merge",
                    f"{r['fan_out_s']:.2f}",
                    f"{calls.get('logs:FilterLogEvents', 0)} FilterLogEvents pages",
                ),
                ("engine (diagnose)", f"{engine_s:.2f}", f"{len(r['findings'])} findings"),
                ("in-process total", f"{collect_s + engine_s:.2f}", f"{r['api_calls']} AWS calls"),
                (
                    "CLI (fresh process)",
                    f"{r['cli_s']:.2f}",
                    f"exit {r['cli_exit']}, {r['cli_api_calls']} AWS calls, peak RSS {r['cli_peak_rss_mb']:,.0f} MB",
                ),
            ],
            ("phase", "seconds", "note"),
            "lrl",
        )
    )
    print()
    print(table([(k, f"{v:,}") for k, v in rows_in.items()], ("evidence table", "rows")))
    print()
    slow = [
        (o["operation"], str(o["calls"]), f"{o['sum_s']:.2f}", f"{o['max_s']:.2f}")
        for o in r["slowest_operations"]
    ]
    print(table(slow, ("operation (in-process, client side)", "calls", "sum s", "max s")))
    print()
    total = collect_s + engine_s
    print(
        f"requests diagnosed: in-process {r['diagnosed_requests']:,}, CLI {r['cli_requests']:,} (sent {n:,})"
    )
    print(f"findings: {', '.join(r['findings']) or 'none'}")
    print(f"checks not ok: {summarize_checks(r['checks_not_ok'])}")
    for check_id, reason in r["check_notes"].items():  # e.g. an event limit reached: the rows are a subset
        print(f"check {check_id}: ok, {reason}")
    print(
        f"ratios: engine / collect {engine_s / collect_s:.2f}; CLI / in-process {r['cli_s'] / total:.2f}; "
        f"in-process per 1,000 requests {total / n * 1000:.3f} s"
    )


if __name__ == "__main__":
    main()
