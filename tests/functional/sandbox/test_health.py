"""What `sandbox status` probes: the stage servers answer a probe outside the stage that never reaches the
pipeline (no log line, no metric), and a recorded sandbox whose processes are gone is reported dead without
probing ports that may belong to someone else by now."""

from __future__ import annotations

from typing import Any

import pytest
from tests.functional.sandbox.helpers import access_record, call, log_messages, metric_sum

from apigwops.sandbox.constants import PROBE_PATH
from apigwops.sandbox.health import check_health, probe_url
from apigwops.sandbox.state import SandboxState, StageInfo

pytestmark = pytest.mark.xdist_group("sandbox-health")


def test_the_stage_probe_answers_and_is_not_api_traffic(sb: Any) -> None:
    # A real request first, so that logging and metrics demonstrably work and the probes' absence means something.
    real = call(sb.http.url + "/health")
    assert real.status == 200
    sb.flush()
    http_dims = {"ApiId": sb.http.api_id, "Stage": "prod"}
    rest_dims = {"ApiName": sb.rest.api_name, "Stage": "prod"}
    counts = (
        metric_sum(sb, "AWS/ApiGateway", "Count", http_dims),
        metric_sum(sb, "AWS/ApiGateway", "Count", rest_dims),
    )
    assert counts[0] >= 1
    for endpoint in (sb.rest, sb.http):
        url = probe_url(endpoint.url)
        assert url.endswith(PROBE_PATH)
        assert not url.startswith(endpoint.url)  # outside the stage
        for _ in range(3):
            reply = call(url)
            assert (reply.status, reply.json) == (200, {"answering": True})
    sb.flush()
    assert access_record(sb, "HTTP", real.request_id)["status"] == "200"
    assert log_messages(sb, "http-access", PROBE_PATH) == []
    assert log_messages(sb, "rest-access", PROBE_PATH) == []
    after = (
        metric_sum(sb, "AWS/ApiGateway", "Count", http_dims),
        metric_sum(sb, "AWS/ApiGateway", "Count", rest_dims),
    )
    assert after == counts


def test_a_dead_sandbox_is_reported_without_probing(sb: Any) -> None:
    # The recorded pids are gone, but the URLs are this live sandbox's: were they probed, they would answer.
    stage = {"api_id": "x", "api_name": "n", "stage": "prod", "api_type": "REST"}
    state = SandboxState(
        pid=2**22 + 1,  # above the default pid_max: no such process
        moto_endpoint=sb.moto_endpoint,
        region=sb.region,
        control_url=sb.control_url,
        rest=StageInfo(url=sb.rest.url, **stage),
        http=StageInfo(url=sb.http.url, **stage),
        keys={},
        tokens={},
        moto_pid=2**22 + 2,
    )
    health = check_health(state)
    assert health.running is False
    assert (health.sandbox.alive, health.sandbox.answering) == (False, False)
    assert (health.moto.alive, health.moto.answering) == (False, False)
    assert health.stages == {sb.rest.url: False, sb.http.url: False}
    assert health.live_faults is None
    assert health.problems() == [
        f"the sandbox process (pid {2**22 + 1}) has exited",
        f"moto's process (pid {2**22 + 2}) has exited",
    ]
