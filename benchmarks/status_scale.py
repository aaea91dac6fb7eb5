"""How `apigwops status` scales with the number of APIs: every AWS call delayed ~100 ms, wall time per size.

    .venv/bin/python benchmarks/status_scale.py [--sizes 10,100,300] [--delay-ms 100] [--quick] [--json FILE]

For each size, an empty moto account gets that many APIs (half REST, half HTTP, stage `prod` each), and
`read_status` runs through the delaying proxy (`delay_proxy.py`). Reported per size: wall time, calls by
operation, GetMetricData calls (the batching: one call per 500 queries of each kind), and the wall time over
the smallest size's (the faster of two runs per size: the first also loads botocore's service models). GetStages is one call per API (both control planes list stages per API), run 16 at a
time, so it grows in waves of 16; the metrics do not grow beyond the batching. `--quick`: sizes 4 and 20,
10 ms delay. Prints numbers measured in this one run; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from delay_proxy import DelayProxy, tag_operations
from sandbox_traffic import note, quiet_loggers, table, write_json


def _writer(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
    )


def _account(endpoint: str, size: int) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30)
    apig, v2 = _writer(endpoint, "apigateway"), _writer(endpoint, "apigatewayv2")
    for i in range(size // 2):
        api = apig.create_rest_api(name=f"rest-{i:03d}")["id"]
        root = apig.get_resources(restApiId=api)["items"][0]["id"]
        apig.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
        apig.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        apig.create_deployment(restApiId=api, stageName="prod")
    for i in range(size - size // 2):
        api = v2.create_api(Name=f"http-{i:03d}", ProtocolType="HTTP")["ApiId"]
        v2.create_stage(ApiId=api, StageName="prod")


def _measure(proxy: DelayProxy) -> dict[str, Any]:
    from apigwops.aws.session import AwsContext
    from apigwops.aws.settings import AwsSettings
    from apigwops.status.read import read_status
    from apigwops.timewindow import Window

    session = boto3.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1")
    tag_operations(session)
    aws = AwsContext(AwsSettings(region="us-east-1", endpoint_url=proxy.url), session=session)
    now = datetime.now(UTC)
    proxy.reset()
    started = time.perf_counter()
    report = read_status(aws, Window(now - timedelta(minutes=15), now), "15m")
    wall = time.perf_counter() - started
    calls = proxy.calls()
    ops = Counter(c.operation for c in calls)
    return {
        "stages": len(report.stages()),
        "wall_s": wall,
        "calls": sum(ops.values()),
        "by_operation": dict(ops),
        # first start to last end per operation, and its slowest single call (delay included)
        "span_s_by_operation": {
            op: max(c.end for c in calls if c.operation == op)
            - min(c.start for c in calls if c.operation == op)
            for op in ops
        },
        "slowest_call_s": {op: max(c.seconds for c in calls if c.operation == op) for op in ops},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,300")
    parser.add_argument("--delay-ms", type=float, default=100.0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()
    sizes = [4, 20] if args.quick else [int(s) for s in args.sizes.split(",")]
    delay = (10.0 if args.quick else args.delay_ms) / 1000
    quiet_loggers()
    os.environ["AWS_MAX_ATTEMPTS"] = "1"  # moto answers 500 for p99; AWS would answer it
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    results: dict[str, Any] = {"delay_s": delay, "sizes": {}}
    try:
        with DelayProxy(endpoint, delay) as proxy:
            for size in sizes:
                note(f"{size} APIs: creating them in moto")
                _account(endpoint, size)
                note(f"{size} APIs: apigwops status through the delaying proxy")
                # twice, keeping the faster: the first run also loads botocore's service models
                runs = [_measure(proxy) for _ in range(2)]
                results["sizes"][str(size)] = min(runs, key=lambda r: r["wall_s"])
    finally:
        server.stop()
    base = results["sizes"][str(sizes[0])]["wall_s"]
    rows = []
    for size in sizes:
        r = results["sizes"][str(size)]
        rows.append(
            (
                str(size),
                str(r["stages"]),
                f"{r['wall_s']:.2f}",
                f"{r['wall_s'] / base:.1f}x",
                str(r["calls"]),
                str(r["by_operation"].get("cloudwatch:GetMetricData", 0)),
                f"{r['wall_s'] / delay:.0f}",
            )
        )
    print(f"apigwops status, every AWS call delayed {delay * 1000:.0f} ms")
    print(
        table(
            rows,
            (
                "APIs",
                "stages",
                "wall s",
                "vs smallest",
                "AWS calls",
                "GetMetricData",
                "round trips (wall/delay)",
            ),
        )
    )
    write_json(args.json_path, results)


if __name__ == "__main__":
    main()
