"""The sandbox's parts on their own: fault specs, the token bucket, tokens, access-log rendering, masking,
the loopback guard, and the shipper's batching (against a recording fake of the Logs/CloudWatch clients)."""

from __future__ import annotations

from typing import Any

import pytest

from apigwops.errors import UsageError


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        (["lambda-timeout=0.3"], {"lambda-timeout": 0.3}),
        (["cold-starts", "waf-sqli=0"], {"cold-starts": 1.0, "waf-sqli": 0.0}),
        (["lambda-error=0.1,backend-5xx=0.2"], {"lambda-error": 0.1, "backend-5xx": 0.2}),
    ],
)
def test_fault_specs(specs: list[str], expected: dict[str, float]) -> None:
    from apigwops.sandbox.faults import parse_fault_specs

    assert parse_fault_specs(specs) == expected


@pytest.mark.parametrize("spec", ["nope=0.1", "lambda-error=1.5", "lambda-error=-1", "lambda-error=abc"])
def test_bad_fault_specs_are_usage_errors(spec: str) -> None:
    from apigwops.sandbox.faults import parse_fault_specs

    with pytest.raises(UsageError) as err:
        parse_fault_specs([spec])
    assert "\n" not in err.value.message


def test_token_bucket_and_quota() -> None:
    from apigwops.sandbox.constants import Tier
    from apigwops.sandbox.limits import UsagePlanLimiter

    now = [0.0]
    limiter = UsagePlanLimiter({"t": Tier("t", 12, 2.0, 3)}, clock=lambda: now[0])
    assert [limiter.check("k", "t") for _ in range(4)] == ["ok", "ok", "ok", "throttled"]
    now[0] += 1.0  # two tokens back at 2/s
    assert [limiter.check("k", "t") for _ in range(3)] == ["ok", "ok", "throttled"]
    assert limiter.check("other", "t") == "ok"  # buckets are per key
    assert limiter.check("other", "t", quota_exhausted=True) == "quota"
    quota = UsagePlanLimiter({"q": Tier("q", 5, 100.0, 100)}, clock=lambda: now[0])
    assert [quota.check("k", "q") for _ in range(7)] == ["ok"] * 5 + ["quota"] * 2


def test_tokens_checked_like_the_authorizers() -> None:
    from apigwops.sandbox.tokens import TokenAuthority

    authority = TokenAuthority("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool", "client123")
    tokens = authority.sample_tokens()
    other = TokenAuthority(authority.issuer, "client123")
    assert authority.check(tokens["valid"], require_id_token=True).ok
    assert authority.check("Bearer " + tokens["valid"], require_id_token=True).ok
    assert authority.check(tokens["expired"], require_id_token=True).problem == "expired"
    assert authority.check(tokens["wrong-audience"], require_id_token=False).problem == "audience"
    assert authority.check(tokens["wrong-issuer"], require_id_token=False).problem == "issuer"
    assert authority.check(tokens["access"], require_id_token=True).problem == "token_use"
    assert authority.check(tokens["access"], require_id_token=False).ok
    assert authority.check(other.mint(), require_id_token=False).problem == "invalid"  # another key pair
    assert authority.check(None, require_id_token=False).problem == "missing"


def test_access_log_rendering_and_masking() -> None:
    from apigwops.sandbox.telemetry import mask_api_key, render_access_log

    line = render_access_log(
        '{"status":"$context.status","err":"$context.error.responseType","ip":"$context.identity.sourceIp"}',
        {"status": "200", "identity.sourceIp": "10.0.0.1"},
    )
    assert line == '{"status":"200","err":"-","ip":"10.0.0.1"}'
    assert mask_api_key("abcdefghijklmnopqrstuvwxyz0123456789ABCD") == "*" * 34 + "6789ABCD"[-6:]


@pytest.mark.parametrize(
    "url", ["https://logs.us-east-1.amazonaws.com", "http://10.0.0.5:5000", "http://example.com"]
)
def test_write_clients_refuse_non_loopback(url: str) -> None:
    from apigwops.sandbox.loopback import loopback_client

    with pytest.raises(UsageError):
        loopback_client("logs", url, "us-east-1")


class FakeLogs:
    class exceptions:
        class ResourceAlreadyExistsException(Exception):
            pass

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.streams: list[tuple[str, str]] = []

    def create_log_stream(self, logGroupName: str, logStreamName: str) -> None:
        self.streams.append((logGroupName, logStreamName))

    def put_log_events(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


class FakeCloudWatch:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def put_metric_data(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def test_shipper_batches_by_count_and_size_in_time_order() -> None:
    from apigwops.sandbox.shipper import Shipper

    logs, cw = FakeLogs(), FakeCloudWatch()
    shipper = Shipper(logs, cw)
    for i in range(25_000):
        shipper.log("g", "s", 2_000_000 - i, f"event {i}")
    big = "x" * 200_000
    for i in range(6):
        shipper.log("g", "big", 1_000 + i, big)
    shipper.flush()
    small = [c for c in logs.calls if c["logStreamName"] == "s"]
    assert [len(c["logEvents"]) for c in small] == [10_000, 10_000, 5_000]
    stamps = [e["timestamp"] for c in small for e in c["logEvents"]]
    assert stamps == sorted(stamps)
    sizes = [
        sum(len(e["message"]) + 26 for e in c["logEvents"]) for c in logs.calls if c["logStreamName"] == "big"
    ]
    assert len(sizes) == 2
    assert all(size <= 1_048_576 for size in sizes)
    assert logs.streams == [("g", "s"), ("g", "big")]


def test_shipper_aggregates_one_datapoint_per_minute_per_metric() -> None:
    from apigwops.sandbox.shipper import Shipper

    logs, cw = FakeLogs(), FakeCloudWatch()
    shipper = Shipper(logs, cw)
    dims = (("ApiName", "user-api"),)
    for value, ts in ((10.0, 120.0), (30.0, 150.0), (20.0, 179.9), (5.0, 180.0)):
        shipper.metric("AWS/ApiGateway", "Latency", dims, value, "Milliseconds", ts)
    shipper.flush()
    data = sorted(cw.calls[0]["MetricData"], key=lambda d: d["Timestamp"])
    assert [d["StatisticValues"] for d in data] == [
        {"SampleCount": 3.0, "Sum": 60.0, "Minimum": 10.0, "Maximum": 30.0},
        {"SampleCount": 1.0, "Sum": 5.0, "Minimum": 5.0, "Maximum": 5.0},
    ]
    assert [int(d["Timestamp"].timestamp()) for d in data] == [120, 180]
    assert data[0]["Dimensions"] == [{"Name": "ApiName", "Value": "user-api"}]


class FlakyLogs(FakeLogs):
    """Fails the second PutLogEvents call once, like a moto hiccup."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def put_log_events(self, **kwargs: Any) -> None:
        if len(self.calls) == 1 and not self.failed:
            self.failed = True
            raise ConnectionError("moto went away")
        super().put_log_events(**kwargs)


class FlakyCloudWatch(FakeCloudWatch):
    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def put_metric_data(self, **kwargs: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("moto went away")
        super().put_metric_data(**kwargs)


def test_shipper_keeps_what_it_could_not_send() -> None:
    from apigwops.sandbox.shipper import Shipper

    logs, cw = FlakyLogs(), FlakyCloudWatch()
    shipper = Shipper(logs, cw)
    for i in range(25_000):
        shipper.log("g", "s", i, f"event {i}")
    shipper.metric("AWS/Lambda", "Errors", (("FunctionName", "f"),), 1.0, "Count", 60.0)
    with pytest.raises(ConnectionError):
        shipper.flush()
    shipper.metric("AWS/Lambda", "Errors", (("FunctionName", "f"),), 1.0, "Count", 61.0)
    shipper.flush()
    shipper.flush()
    sent = [e["timestamp"] for c in logs.calls for e in c["logEvents"]]
    assert sorted(sent) == list(range(25_000))  # every event once, none lost, none twice
    (call,) = cw.calls
    assert call["MetricData"][0]["StatisticValues"]["Sum"] == 2.0
