"""Why the scan engine slices the window: one FilterLogEvents scan reads its pages one after another.

Starts moto's server on 127.0.0.1, writes EVENTS access-log lines over an hour, then reads them with 1 slice
(sequential pages) and with 8 slices in parallel, with an added per-call delay standing in for the network
round trip to AWS (moto on loopback answers in ~1 ms). Prints seconds, calls and the speed-up.
Run: .venv/bin/python benchmarks/logs_scan.py [EVENTS] [RTT_MS]. Not a test.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.evidence.logs import scan
from apigwops.evidence.logs.scan import ScanEngine
from apigwops.timewindow import Window


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rtt = (float(sys.argv[2]) if len(sys.argv) > 2 else 60.0) / 1000
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[key] = "testing"
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        end = datetime.now(UTC).replace(microsecond=0)
        window = Window(end - timedelta(hours=1), end)
        writer: Any = boto3.client("logs", region_name="us-east-1", endpoint_url=endpoint)
        writer.create_log_group(logGroupName="/bench")
        writer.create_log_stream(logGroupName="/bench", logStreamName="s")
        start_ms = int(window.start.timestamp() * 1000)
        step = 3_600_000 // events
        lines = [
            {"timestamp": start_ms + i * step, "message": f'{{"requestId":"r{i}","status":"200"}}'}
            for i in range(events)
        ]
        for first in range(0, events, 10_000):
            writer.put_log_events(
                logGroupName="/bench", logStreamName="s", logEvents=lines[first : first + 10_000]
            )
        scan.PAGE_LIMIT = 1_000  # pages of 1,000 events: a long scan has many round trips
        for slices in (1, 8):
            aws = AwsContext(AwsSettings(region="us-east-1", endpoint_url=endpoint))
            client = aws.client("logs")
            client.meta.events.register("before-send.cloudwatch-logs", lambda **_: time.sleep(rtt))
            begin = time.perf_counter()
            got = ScanEngine(client, max_workers=slices, slice_seconds=60).read_events("/bench", window)
            seconds = time.perf_counter() - begin
            calls = aws.calls["logs:FilterLogEvents"]
            print(f"{slices} slice(s): {len(got.messages):,} events, {calls} calls, {seconds:.2f} s")
            if slices == 1:
                sequential = seconds
        print(
            f"speed-up with 8 parallel slices: {sequential / seconds:.1f}x (simulated RTT {rtt * 1000:.0f} ms)"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
