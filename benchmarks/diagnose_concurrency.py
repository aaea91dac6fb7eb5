"""How concurrent evidence collection is: every AWS call delayed ~100 ms, wall time against summed latency.

    .venv/bin/python benchmarks/diagnose_concurrency.py [--requests 2000] [--delay-ms 100] [--quick] [--json FILE]

moto on loopback answers in about a millisecond, which hides how many round trips a user would wait for on
AWS. Here a delaying proxy (`delay_proxy.py`) sits between apigwops and the sandbox's moto and holds every
call for `--delay-ms` before forwarding it. A collector that made its calls one after another would take
(calls x delay); one that resolves the API, reads its configuration and then fans everything out waits for a
handful of round trips. Reported, for `collect_evidence` in-process (split by the collector's own phases)
and for the CLI in a fresh process through the same proxy:

  * wall time, the sum of the calls' latencies seen by the proxy, and their ratio (effective concurrency);
  * calls by operation (the in-process client tags each request with its operation name);
  * the critical path: sequential round trips ~ wall / delay, and the longest chain of calls that ran
    strictly one after another, from the proxy's timestamps; the peak number of calls in flight.

The traffic is small (2,000 requests, `--quick` 300) so the numbers are about the call pattern, not the log
volume; `--quick` also leaves out the CLI run. Prints numbers measured in this one run; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from delay_proxy import (
    Call,
    DelayProxy,
    busy_seconds,
    longest_sequential_chain,
    peak_in_flight,
    tag_operations,
)
from sandbox_traffic import (
    StepClock,
    iso,
    note,
    quiet_loggers,
    run_cli,
    send_requests,
    status_classes,
    table,
    window_for,
    write_json,
)

FAULTS = {"lambda-error": 0.05}
PHASES = (("resolve", "resolving"), ("configuration", "reading the API"), ("fan-out + merge", "collecting"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=None, help="requests to send (default 2,000)")
    parser.add_argument("--delay-ms", type=float, default=100.0, help="added to every AWS call (default 100)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 requests, no CLI run")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers to FILE as JSON")
    args = parser.parse_args()
    total = args.requests or (300 if args.quick else 2_000)
    delay = args.delay_ms / 1000
    quiet_loggers()

    from apigwops.sandbox import Sandbox

    note(f"starting the sandbox, sending {total:,} requests")
    with Sandbox.start(faults=FAULTS, seed=11) as sb:
        os.environ.update(sb.env())
        traffic = send_requests(sb.rest.url, sb.keys["internal"], total)
        sb.flush()
        start, end = window_for(traffic)
        with DelayProxy(sb.moto_endpoint, delay) as proxy:
            result: dict[str, Any] = {"requests_sent": traffic.requests, "delay_s": delay}
            note("collecting through the delaying proxy")
            result["in_process"] = _in_process(proxy, start, end)
            proxy.reset()
            # moto answers 500 for what it lacks (GetSampledRequests, percentiles) and botocore retries a 500
            # with backoff; AWS answers those calls, so one attempt per call shows the pattern AWS would see.
            os.environ["AWS_MAX_ATTEMPTS"] = "1"
            result["one_attempt"] = _in_process(proxy, start, end)
            del os.environ["AWS_MAX_ATTEMPTS"]
            proxy.reset()
            if not args.quick:  # the smoke run leaves the CLI to diagnose_volume.py
                result["cli"] = _cli(proxy, sb.env(), start, end)
    print(f"evidence collection with {args.delay_ms:.0f} ms added to every AWS call")
    print(f"({traffic.requests:,} requests in the window: {status_classes(traffic.statuses)})")
    _print(result)
    write_json(args.json, result)


def _in_process(proxy: DelayProxy, start: datetime, end: datetime) -> dict[str, Any]:
    import boto3

    from apigwops.aws.session import AwsContext
    from apigwops.aws.settings import AwsSettings
    from apigwops.evidence.collect import collect_evidence
    from apigwops.runtime import Runtime
    from apigwops.timewindow import Window

    session = boto3.Session(region_name="us-east-1")
    tag_operations(session)
    clock = StepClock()
    aws = AwsContext(AwsSettings(region="us-east-1", endpoint_url=proxy.url), session=session)
    runtime = Runtime(aws=aws, progress=clock)
    begin = time.perf_counter()
    evidence = collect_evidence(runtime, api="user-api", stage="prod", window=Window(start, end))
    finished = time.perf_counter()
    calls = proxy.calls()
    marks = [clock.since(prefix) or begin for _, prefix in PHASES] + [finished]
    phases = []
    for (name, _), phase_start, phase_end in zip(PHASES, marks, marks[1:], strict=False):
        inside = [c for c in calls if phase_start <= c.start < phase_end]
        phases.append({"phase": name, **_summary(inside, phase_end - phase_start, proxy.delay_s)})
    return {
        **_summary(calls, finished - begin, proxy.delay_s),
        "client_counted_calls": evidence.api_calls,
        "requests_in_evidence": len(evidence.requests),
        "phases": phases,
        "by_operation": _by_operation(calls, aws.calls),
    }


def _cli(proxy: DelayProxy, env: dict[str, str], start: datetime, end: datetime) -> dict[str, Any]:
    args = ["-o", "json", "--endpoint-url", proxy.url, "diagnose", "--api", "user-api", "--stage", "prod"]
    args += ["--start", iso(start), "--end", iso(end)]
    seconds, code, out, err = run_cli(args, {**env, "AWS_ENDPOINT_URL": proxy.url})
    try:
        document = json.loads(out)
    except ValueError:
        sys.exit(f"the CLI printed no JSON (exit {code}): {err.strip()[-500:]}")
    calls = proxy.calls()
    # The process's wall time includes start-up and the engine; the calls' span is the collection itself.
    span = max(c.end for c in calls) - min(c.start for c in calls) if calls else 0.0
    return {
        "process_s": seconds,
        "exit": code,
        "reported_api_calls": document["cost"]["api_calls"],
        "requests": document["traffic"]["requests"],
        **_summary(calls, span, proxy.delay_s),
    }


def _summary(calls: list[Call], wall: float, delay: float) -> dict[str, Any]:
    latency = sum(c.seconds for c in calls)
    return {
        "wall_s": wall,
        "calls": len(calls),
        "latency_sum_s": latency,
        "concurrency": latency / wall if wall else 0.0,
        "round_trips": wall / delay,
        "sequential_chain": longest_sequential_chain(calls),
        "peak_in_flight": peak_in_flight(calls),
        "local_s": max(0.0, wall - busy_seconds(calls)),
    }


def _by_operation(calls: list[Call], client_counts: Mapping[str, int]) -> list[dict[str, Any]]:
    """Per operation: calls the client made (before retries) and HTTP attempts the proxy saw."""
    grouped: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        grouped[call.operation].append(call)
    rows = [
        {
            "operation": op,
            "client_calls": client_counts.get(op, 0),
            "calls": len(group),
            "latency_sum_s": sum(c.seconds for c in group),
            "max_s": max(c.seconds for c in group),
            "errors": sum(c.status >= 400 for c in group),
        }
        for op, group in grouped.items()
    ]
    return sorted(rows, key=lambda r: (-r["calls"], r["operation"]))


def _row(name: str, s: dict[str, Any]) -> tuple[str, ...]:
    return (
        name,
        f"{s['wall_s']:.2f}",
        str(s["calls"]),
        f"{s['latency_sum_s']:.2f}",
        f"{s['concurrency']:.1f}x",
        f"{s['round_trips']:.1f}",
        str(s["sequential_chain"]),
        str(s["peak_in_flight"]),
        f"{s['local_s']:.2f}",
    )


def _print(r: dict[str, Any]) -> None:
    ip, one, cli = r["in_process"], r["one_attempt"], r.get("cli")
    header = (
        "",
        "wall s",
        "calls",
        "sum of latencies s",
        "concurrency",
        "wall/delay",
        "chain",
        "peak",
        "no call s",
    )
    rows = [_row(f"  {p['phase']}", p) for p in ip["phases"]]
    rows = [_row("collect_evidence (in-process)", ip), *rows]
    rows += [
        _row("collect_evidence, AWS_MAX_ATTEMPTS=1", one),
        *(_row(f"  {p['phase']}", p) for p in one["phases"]),
    ]
    rows += [_row("CLI (span of its AWS calls)", cli)] if cli else []
    print()
    print(table(rows, header))
    print(
        "\nconcurrency = sum of latencies / wall; wall/delay = sequential round trips on the critical path;"
        "\nchain = longest run of calls strictly one after another; peak = most calls in flight at once;"
        "\nno call s = wall time with no AWS call in flight (client set-up, parsing, merging)"
    )
    print()
    ops = [
        (
            o["operation"],
            str(o["client_calls"]),
            str(o["calls"]),
            f"{o['latency_sum_s']:.2f}",
            f"{o['max_s']:.2f}",
            str(o["errors"]),
        )
        for o in ip["by_operation"]
    ]
    header = ("operation (in-process)", "calls", "HTTP attempts", "sum s", "max s", "4xx/5xx answers")
    print(table(ops, header))
    print()
    print(
        f"HTTP attempts: proxy saw {ip['calls']} for {ip['client_counted_calls']} calls the client counted "
        f"(retries of moto's 500s); with one attempt {one['calls']} for {one['client_counted_calls']}"
    )
    print(
        f"if every call ran one after another: {ip['latency_sum_s']:.1f} s; measured {ip['wall_s']:.2f} s "
        f"({ip['latency_sum_s'] / ip['wall_s']:.1f}x faster)"
    )
    if cli:
        print(
            f"CLI: {cli['process_s']:.2f} s in a fresh process (exit {cli['exit']}, {cli['requests']:,} "
            f"requests); the proxy saw {cli['calls']} HTTP attempts, the report says "
            f"{cli['reported_api_calls']} AWS calls"
        )


if __name__ == "__main__":
    main()
