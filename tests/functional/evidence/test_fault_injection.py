"""One source fails alone: a broken connection, a garbage answer and a hang each cost only their own check.

A fault proxy sits between `apigwops diagnose` and moto's server (tests/functional/evidence/fault_proxy.py):
WAF's GetSampledRequests gets its connection reset, CloudWatch's GetMetricData gets a body no parser accepts,
and FilterLogEvents on one Lambda's log group never answers (the client's read timeout ends it). The command
runs in-process through `apigwops.cli.run`, the console script's own exception-to-exit-code mapping, so an
uncaught exception would show as 255 here exactly as it would for a user.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from tests.functional.aws.moto_world import REGION, fresh_world
from tests.functional.evidence.fault_proxy import FaultProxy, Rule

from apigwops.aws import config as aws_config
from apigwops.cli import run
from apigwops.timewindow import iso

RULES = [
    Rule(("GetSampledRequests",), "reset"),
    Rule(("GetMetricData",), "garbage"),
    Rule(("FilterLogEvents", "/aws/lambda/orders-fn"), "hang"),
]
BROKEN = {"waf-sampled-requests", "metrics", "lambda-logs:orders-fn"}


def _seed_access_logs(world: object, start: datetime) -> None:
    logs = world.client("logs")  # type: ignore[attr-defined]
    group = "/aws/apigateway/user-api"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    events = []
    for i in range(60):
        status = 502 if i % 20 == 0 else 200
        line = {"requestId": f"r{i}", "status": str(status), "integrationError": "-", "responseLatency": "40"}
        at = start + timedelta(seconds=5 * i)
        events.append({"timestamp": int(at.timestamp() * 1000), "message": json.dumps(line)})
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=events)


def test_three_broken_sources_leave_the_rest_of_the_report(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world = fresh_world(moto_endpoint)
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(minutes=10)
    _seed_access_logs(world, start + timedelta(seconds=30))
    monkeypatch.setattr(aws_config, "READ_TIMEOUT_S", 1)  # the hang ends at the client's read timeout
    with FaultProxy(moto_endpoint, RULES) as proxy:
        args = ["--endpoint-url", proxy.url, "--region", REGION, "-o", "json", "--debug", "diagnose"]
        code = run([*args, "--api", "user-api", "--stage", "prod", "--start", iso(start), "--end", iso(end)])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert set(proxy.hits) == {"reset", "garbage", "hang"}
    doc = json.loads(out)
    checks = {c["id"]: c for c in doc["checks"]}
    for check_id in BROKEN:
        assert checks[check_id]["status"] == "error", checks[check_id]
        assert "\n" not in checks[check_id]["reason"]
    assert "did not answer in time" in checks["lambda-logs:orders-fn"]["reason"]
    assert "cannot reach" in checks["waf-sampled-requests"]["reason"]
    assert checks["access-logs"]["status"] == "ok"
    assert doc["traffic"]["requests"] == 60
    # --debug names each call, the failed ones too
    assert "aws: wafv2 GetSampledRequests -> failed (" in err
    assert "aws: logs FilterLogEvents -> 200" in err
    assert "Traceback" not in err
