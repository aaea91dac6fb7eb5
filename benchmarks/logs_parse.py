"""How fast access-log lines parse: 100,000 lines per layout (JSON, JSON with broken lines, CLF, CSV).

Run: .venv/bin/python benchmarks/logs_parse.py [LINES]. Prints seconds and lines per second per layout and
the ratio of the JSON fast path to a naive per-line parse (json.loads + dict per row). Not a test.
"""

from __future__ import annotations

import json
import sys
import time

from apigwops.evidence.parse.accesslog import parse_access_lines
from apigwops.evidence.parse.logformat import compile_format

JSON_FMT = (
    '{"requestId":"$context.requestId","requestTimeEpoch":"$context.requestTimeEpoch","httpMethod":"$context.httpMethod",'
    '"resourcePath":"$context.resourcePath","status":"$context.status","responseLatency":"$context.responseLatency",'
    '"errorType":"$context.error.responseType","integrationError":"$context.integration.error","ip":"$context.identity.sourceIp"}'
)
CLF_FMT = (
    '$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol"'
    " $context.status $context.responseLength $context.requestId $context.integrationErrorMessage"
)
CSV_FMT = "$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId"


def json_lines(n: int, broken_every: int = 0) -> list[str]:
    out = []
    for i in range(n):
        err = 'said "no"' if broken_every and i % broken_every == 0 else "-"
        status = 502 if i % 20 == 0 else 200
        out.append(
            f'{{"requestId":"r{i}","requestTimeEpoch":"{1_763_946_000_000 + i}","httpMethod":"GET",'
            f'"resourcePath":"/users/{{id}}","status":"{status}","responseLatency":"{i % 900}","errorType":"-",'
            f'"integrationError":"{err}","ip":"198.51.100.{i % 250}"}}'
        )
    return out


def clf_lines(n: int) -> list[str]:
    return [
        f'198.51.100.{i % 250} - - [24/Nov/2026:01:02:{i % 60:02d} +0000] "GET GET /pets/{{id}} HTTP/1.1" '
        f"{502 if i % 20 == 0 else 200} 35 rid-{i} -"
        for i in range(n)
    ]


def csv_lines(n: int) -> list[str]:
    return [
        f"198.51.100.{i % 250},24/Nov/2026:01:02:{i % 60:02d} +0000,GET,GET /pets,HTTP/1.1,200,35,rid-{i}"
        for i in range(n)
    ]


def measure(label: str, fmt: str, lines: list[str]) -> float:
    compiled = compile_format(fmt)
    start = time.perf_counter()
    result = parse_access_lines(compiled, lines)
    seconds = time.perf_counter() - start
    print(
        f"{label:<28} {len(lines):>8,} lines  {seconds:6.3f} s  {len(lines) / seconds:>10,.0f} lines/s  unparsed={result.unparsed}"
    )
    return seconds


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    measure("warm-up (imports)", JSON_FMT, json_lines(100))
    lines = json_lines(n)
    fast = measure("json (valid)", JSON_FMT, lines)
    measure("json (1% invalid JSON)", JSON_FMT, json_lines(n, broken_every=100))
    measure("clf (route key w/ space)", CLF_FMT, clf_lines(n))
    measure("csv", CSV_FMT, csv_lines(n))
    start = time.perf_counter()
    rows = [json.loads(line) for line in lines]
    naive = time.perf_counter() - start
    print(
        f"json.loads alone for {len(rows):,} lines: {naive:.3f} s; full parse / json.loads = {fast / naive:.1f}x"
    )


if __name__ == "__main__":
    main()
