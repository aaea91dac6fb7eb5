"""Conformance: what the sandbox writes for every fault, read back from moto with plain boto3, has the shapes of
the verbatim samples in the signals reference (§8.1/§8.2 access logs, §9 execution logs, §7.2 and §15.6 WAF
records, §15.1-15.3 Lambda logs of each generation, §15.4/§15.5 the timeout rules), so the sandbox's model of AWS
cannot drift from AWS again without a test failing.

The samples are copied here (section named beside each), not read from the reference file, so the test runs
wherever the repository does. Every line of every log group is checked, not only the lines of chosen requests:
a value the sandbox invents in any fault fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from tests.functional.sandbox.helpers import call, client

from apigwops.sandbox import FAULTS, Sandbox

pytestmark = pytest.mark.xdist_group("sandbox-conformance")

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
REST_ONLY = {"mapping-error", "missing-api-key", "waf-sqli", "waf-rate-limit", "quota-exhausted"}
REST_ONLY |= {"resource-policy-deny", "waf-captcha", "waf-challenge", "waf-count"}
LAMBDA_FAULTS = (
    "lambda-timeout",
    "integration-timeout",
    "lambda-error",
    "lambda-init-failure",
    "cold-starts",
)

# §15.1 verbatim (tabs as Lambda writes them): REPORT of a timeout, and with a cold start
REPORT_SAMPLE = (
    "REPORT RequestId: 1b2c3d4e-0000-4000-8000-000000000001\tDuration: 180000.00 ms\tBilled Duration: 180000 ms\t"
    "Memory Size: 1280 MB\tMax Memory Used: 1201 MB\tStatus: timeout"
)
REPORT = re.compile(
    rf"^REPORT RequestId: {UUID}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: \d+ MB\t"
    r"Max Memory Used: \d+ MB(\tInit Duration: \d+\.\d\d ms)?"
    r"(\tStatus: (timeout|error)(\tError Type: [\w.]+)?)?$"
)
TEXT_LINES = (
    re.compile(rf"^START RequestId: {UUID} Version: \$LATEST$"),
    re.compile(rf"^END RequestId: {UUID}$"),
    REPORT,
    # §4.5 C50 / §11.5: the old generation's own timeout line
    re.compile(rf"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z {UUID} Task timed out after \d+\.00 seconds$"),
    # §15.1: INIT_REPORT of a failed init
    re.compile(
        r"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: (init|invoke)\tStatus: (error|timeout)(\tError Type: [\w.]+)?$"
    ),
    re.compile(
        r"^INIT_START Runtime Version: [\w:.]+\tRuntime Version ARN: arn:aws:lambda:[\w-]+::runtime:\w+$"
    ),
    # the Python runtime's own lines (§4.5 C47 shapes): [INFO]/[ERROR] with time and request id, or a traceback
    re.compile(rf"^\[INFO\]\t\d{{4}}-\d\d-\d\dT[\d:.]+Z\t{UUID}\t.+$"),
    re.compile(r"^\[ERROR\] [\w.]+: .+\nTraceback \(most recent call last\):", re.S),
)
PLATFORM_TYPES = {"platform.start", "platform.report", "platform.initStart", "platform.initReport"}
REPORT_METRICS = {
    "durationMs",
    "billedDurationMs",
    "memorySizeMB",
    "maxMemoryUsedMB",
    "initDurationMs",
}  # §15.3

# §9.2 line format and the §9.3 / §9.4 messages (exact text, `<…>` variable parts as patterns)
EXEC_LINE = re.compile(r"^\(([0-9a-zA-Z-]+)\) (.+)$", re.S)
EXEC_MESSAGES = tuple(
    re.compile(p, re.S)
    for p in (
        r"^Extended Request Id: [\w+/=-]+$",
        r"^Starting execution for request: " + UUID + "$",
        r"^HTTP Method: (GET|POST), Resource Path: /[\w/{}]*$",
        r"^Endpoint request URI: https://lambda\.[\w-]+\.amazonaws\.com/2015-03-31/functions/arn:aws:lambda:.+/invocations$",
        r"^Sending request to https://lambda\.[\w-]+\.amazonaws\.com/2015-03-31/functions/.+/invocations$",
        r"^Received response\. Status: 200, Integration latency: \d+ ms$",
        r"^Endpoint response headers: \{.+\}$",
        r"^Endpoint response body before transformations: .+$",
        r"^Method response body after transformations: .+$",
        r"^Method response headers: \{.+\}$",
        r"^Successfully completed execution$",
        r"^Method completed with status: \d{3}$",
        r"^Execution failed due to a timeout error$",
        r"^Execution failed due to configuration error: .+$",
        r"^Lambda execution failed with status 200 due to customer function error: .+\. Lambda request id: "
        + UUID
        + "$",
        r"^Lambda invocation failed with status: 429\. Lambda request id: " + UUID + "$",
        r"^Network error communicating with endpoint$",
        r"^Starting authorizer: \w+ for request: " + UUID + "$",
        r"^Successfully completed authorizer execution$",
        r"^Unauthorized request: " + UUID + "$",
        # the masked key is empty when the caller sent none (INF: §9.3 shows only a sent key)
        r"^Verifying Usage Plan for request: " + UUID + r"\. API Key: .* API Stage: \w+/\w+$",
        r"^Usage Plan check succeeded for API Key .+ and API Stage \w+/\w+$",
        r"^API Key .+ exceeded (throttle|quota) limit for API Stage \w+/\w+: Key .+$",
        r"^Invalid API Key identifier specified$",
        r"^API Key .+ authorized because method .+ does not require API Key\..*$",
        r"^User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:.+ "
        r"with an explicit deny$",
        r"^Incoming identity: .+$",
        r"^Authorizer result body before parsing: .+$",
        r"^Using valid authorizer policy for principal: .+$",
        r"^Endpoint request (headers|body after transformations): .+$",
        r"^Method request (path|query string|headers|body before transformations): .+$",
        r"^API Key: .+$",
    )
)

# §7.2 [DOC WLE] verbatim example's top-level keys, and the rest of the [DOC WLF] field list (§15.6 adds the
# CAPTCHA/Challenge outcomes)
WLE_KEYS = {
    "timestamp",
    "formatVersion",
    "webaclId",
    "terminatingRuleId",
    "terminatingRuleType",
    "action",
    "terminatingRuleMatchDetails",
    "httpSourceName",
    "httpSourceId",
    "ruleGroupList",
    "rateBasedRuleList",
    "nonTerminatingMatchingRules",
    "httpRequest",
    "labels",
}
WLF_OPTIONAL = {"requestHeadersInserted", "responseCodeSent", "captchaResponse", "challengeResponse"}
WLE_REQUEST_KEYS = {"clientIp", "country", "headers", "uri", "args", "httpVersion", "httpMethod", "requestId"}

# §8.1 / §8.2: API Gateway renders a missing value as "-" (§15.7); the request id shapes of §3.2
EXTENDED_ID = re.compile(r"^[A-Za-z0-9+/=_-]{12,20}$")


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, Any]]:
    started: dict[str, Any] = {}
    try:
        for log_format in ("text", "old-text", "json"):
            started[log_format] = Sandbox.start(
                seed=5, time_scale=0.005, ship_interval_s=0.5, lambda_log_format=log_format
            )
        yield started
    finally:
        for sb in started.values():
            sb.stop()


def _requests(sb: Any, api: str) -> list[Any]:
    stage = sb.rest if api == "REST" else sb.http
    key = {"x-api-key": sb.keys["internal"]} if api == "REST" else {}
    token = sb.tokens["valid"]
    auth = {"authorization": token if api == "REST" else f"Bearer {token}"}
    return [
        call(stage.url + "/users/3", headers=key),
        call(stage.url + "/orders", method="POST", headers={**key, **auth}, body=b'{"item":1}'),
    ]


def _drive(sb: Any, faults: list[str]) -> dict[str, list[tuple[str, Any]]]:
    """Each fault at full rate, alone, on both routes and both API types where it applies."""
    replies: dict[str, list[tuple[str, Any]]] = {}
    for fault in faults:
        sb.set_faults({fault: 1.0})
        replies[fault] = [
            (api, reply)
            for api in ("REST", "HTTP")
            if api == "REST" or fault not in REST_ONLY
            for reply in _requests(sb, api)
        ]
    sb.set_faults({})
    sb.flush()
    return replies


def _messages(sb: Any, group: str) -> list[str]:
    pages = client(sb, "logs").get_paginator("filter_log_events").paginate(logGroupName=group)
    return [event["message"] for page in pages for event in page["events"]]


@pytest.fixture(scope="module")
def driven(sandboxes: dict[str, Any]) -> dict[str, Any]:
    """Every fault through the default (current text) sandbox; the Lambda faults through the other two."""
    out: dict[str, Any] = {}
    for log_format, sb in sandboxes.items():
        faults = list(FAULTS) if log_format == "text" else list(LAMBDA_FAULTS)
        out[log_format] = (sb, _drive(sb, faults))
    return out


def _groups(sb: Any, prefix: str) -> list[str]:
    return [name for key, name in sb.provisioned.log_groups.items() if key.startswith(prefix)]


def test_the_sample_patterns_accept_the_reference_samples() -> None:
    """The patterns below are the reference's samples: the §15.1 REPORT and the §9.4 lines match them."""
    assert REPORT.match(REPORT_SAMPLE)
    assert REPORT.match(
        REPORT_SAMPLE.replace("\tStatus: timeout", "\tInit Duration: 578.07 ms\tStatus: timeout")
    )
    assert not REPORT.match(REPORT_SAMPLE.replace("\t", " "))
    line = "(394365dc-1b10-411f-9668-70521cec1205) Method completed with status: 500"  # §9.2 [OBS]
    found = EXEC_LINE.match(line)
    assert found is not None
    assert any(p.match(found.group(2)) for p in EXEC_MESSAGES)


@pytest.mark.parametrize("log_format", ["text", "old-text"])
def test_every_text_lambda_line_has_a_reference_shape(driven: dict[str, Any], log_format: str) -> None:
    sb, _ = driven[log_format]
    lines = [m for group in _groups(sb, "lambda:") for m in _messages(sb, group)]
    assert lines
    odd = [m for m in lines if not any(p.search(m) for p in TEXT_LINES)]
    assert odd == []
    timed_out = [m for m in lines if "Task timed out after" in m]
    status_timeout = [m for m in lines if m.startswith("REPORT") and "Status: timeout" in m]
    if log_format == "text":  # §15.1: today the timeout is only in REPORT
        assert (len(timed_out), len(status_timeout) > 0) == (0, True)
    else:  # the old generation: its own line, and no Status on REPORT
        assert (len(timed_out) > 0, len(status_timeout)) == (True, 0)
        assert not any(m.startswith(("INIT_REPORT", "INIT_START")) for m in lines)


def test_every_json_lambda_record_has_the_telemetry_shape(driven: dict[str, Any]) -> None:
    """§15.3: platform records {time, type, record}; the report's metrics and status; application lines with
    level and requestId, errors with errorType/errorMessage. No text platform line at all."""
    sb, _ = driven["json"]
    fn = client(sb, "lambda").get_function_configuration(FunctionName="user-api-handler")
    assert fn["LoggingConfig"]["LogFormat"] == "JSON"
    lines = [m for group in _groups(sb, "lambda:") for m in _messages(sb, group)]
    records = [json.loads(m) for m in lines]  # every line is JSON
    statuses = set()
    for record in records:
        if "type" in record:
            assert set(record) == {"time", "type", "record"}
            assert record["type"] in PLATFORM_TYPES
            body = record["record"]
            if record["type"] == "platform.report":
                assert re.fullmatch(UUID, body["requestId"])
                assert set(body["metrics"]) <= REPORT_METRICS
                assert set(body["metrics"]) >= REPORT_METRICS - {"initDurationMs"}
                assert body["status"] in ("success", "failure", "error", "timeout")
                assert (body["status"] == "success") == ("errorType" not in body)
                statuses.add(body["status"])
            if record["type"] == "platform.initReport":
                assert body["status"] in ("success", "error", "timeout")
        else:
            assert {"timestamp", "level", "message", "requestId"} <= set(record)
            if record["level"] == "ERROR":
                assert {"errorType", "errorMessage"} <= set(record)
    assert {"success", "timeout", "error"} <= statuses


def test_every_execution_log_line_is_a_reference_line(driven: dict[str, Any]) -> None:
    sb, _ = driven["text"]
    lines = _messages(sb, sb.provisioned.log_groups["execution"])
    assert lines
    odd = []
    for line in lines:
        found = EXEC_LINE.match(line)
        if found is None or not any(p.match(found.group(2)) for p in EXEC_MESSAGES):
            odd.append(line)
    assert odd == []


def test_every_waf_record_has_the_documented_fields(driven: dict[str, Any]) -> None:
    """§7.2 [DOC WLE/WLF], §15.6: the example's keys, the API Gateway source, the extended request id, and the
    CAPTCHA/Challenge outcome only on those actions."""
    sb, replies = driven["text"]
    records = [json.loads(m) for m in _messages(sb, sb.provisioned.log_groups["waf"])]
    assert records
    extended = {
        r.headers["x-amz-apigw-id"] for pairs in replies.values() for api, r in pairs if api == "REST"
    }
    actions = set()
    for record in records:
        assert WLE_KEYS <= set(record) <= WLE_KEYS | WLF_OPTIONAL
        assert set(record["httpRequest"]) == WLE_REQUEST_KEYS
        assert record["action"] in ("ALLOW", "BLOCK", "CAPTCHA", "CHALLENGE")
        assert record["httpSourceName"] == "APIGW"
        assert record["httpSourceId"] == f"123456789012:{sb.rest.api_id}:prod"
        assert record["httpRequest"]["requestId"] in extended  # §15.6: the extended request id
        token = {"CAPTCHA": "captchaResponse", "CHALLENGE": "challengeResponse"}.get(record["action"])
        assert {k for k in ("captchaResponse", "challengeResponse") if k in record} == (
            {token} if token else set()
        )
        if token:
            assert record[token]["responseCode"] == {"CAPTCHA": 405, "CHALLENGE": 202}[record["action"]]
            assert record[token]["failureReason"] in ("TOKEN_MISSING", "TOKEN_EXPIRED", "TOKEN_INVALID")
        for group in record["ruleGroupList"]:
            for rule in group["nonTerminatingMatchingRules"]:
                assert rule["action"] in ("COUNT", "CAPTCHA", "CHALLENGE")
        actions.add(record["action"])
    assert actions == {"ALLOW", "BLOCK", "CAPTCHA", "CHALLENGE"}


def _access(sb: Any, api: str) -> dict[str, dict[str, str]]:
    group = sb.provisioned.log_groups["rest-access" if api == "REST" else "http-access"]
    return {(r := json.loads(m))["requestId"]: r for m in _messages(sb, group)}


def _request_id(api: str, reply: Any) -> str:
    return str(reply.headers["x-amzn-requestid" if api == "REST" else "apigw-requestid"])


@pytest.mark.parametrize("log_format", ["text", "old-text", "json"])
def test_the_timeout_rules_hold_in_every_log_format(driven: dict[str, Any], log_format: str) -> None:
    """§15.5 / §15.4: an integration timeout (504 REST, 503 HTTP) carries nothing from the function's response;
    a function timeout (502 REST, 500 HTTP) names the timeout and the Lambda request id, and that id's REPORT
    (or platform.report) says timeout."""
    sb, replies = driven[log_format]
    access = {api: _access(sb, api) for api in ("REST", "HTTP")}
    lambda_lines = [m for group in _groups(sb, "lambda:") for m in _messages(sb, group)]
    for fault in ("integration-timeout", "lambda-timeout"):
        for api, reply in replies[fault]:
            record = access[api][_request_id(api, reply)]
            if fault == "integration-timeout" and "/orders" in record.get(
                "resourcePath", record.get("routeKey", "")
            ):
                assert reply.status == (504 if api == "REST" else 503)
                assert record["errorType"] == "INTEGRATION_TIMEOUT"
                for field in ("integrationRequestId", "integrationStatus", "integrationServiceStatus"):
                    assert record[field] == "-", (api, field)
            if fault == "lambda-timeout" and "/users" in record.get(
                "resourcePath", record.get("routeKey", "")
            ):
                assert reply.status == (502 if api == "REST" else 500)
                lambda_rid = record["integrationRequestId"]
                assert re.fullmatch(UUID, lambda_rid)
                assert "Task timed out after 10.00 seconds" in record["integrationError"]
                mine = [
                    m for m in lambda_lines if lambda_rid in m and ("REPORT" in m or "platform.report" in m)
                ]
                assert len(mine) == 1
                if log_format == "json":
                    assert json.loads(mine[0])["record"]["status"] == "timeout"
                elif log_format == "text":
                    assert mine[0].endswith("Status: timeout")
                else:
                    assert any(
                        lambda_rid in m and "Task timed out after 10.00 seconds" in m for m in lambda_lines
                    )


def test_every_access_record_uses_dash_for_missing_and_aws_ids(driven: dict[str, Any]) -> None:
    """§15.7: a missing value is "-", never empty; §3.2: REST request ids are UUIDs, extended ids base64-ish;
    a request WAF or the gateway answered itself has no integration values (§15.5's rule, generalised: INF)."""
    sb, replies = driven["text"]
    for api in ("REST", "HTTP"):
        for record in _access(sb, api).values():
            assert all(value != "" for value in record.values()), record
            if api == "REST":
                assert re.fullmatch(UUID, record["requestId"])
                assert EXTENDED_ID.match(record["extendedRequestId"])
            if record.get("errorType") in (
                "INTEGRATION_TIMEOUT",
                "WAF_FILTERED",
                "UNAUTHORIZED",
                "THROTTLED",
            ):
                assert record["integrationRequestId"] == "-", record
                assert record["integrationServiceStatus"] == "-", record
    assert replies  # every fault was driven
