"""Every fault of the issue, on both API types: the reply (status, body, headers) over real HTTP, then the
matching access-log record, execution-log lines, Lambda log lines, WAF records and metrics read back from
moto with plain boto3. Expected values are the signals reference's (section noted per case).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.functional.sandbox.helpers import access_record, call, log_messages, metric_sum

pytestmark = pytest.mark.xdist_group("sandbox-faults")  # one sandbox per module and worker

REST_DIMS = {"ApiName": "user-api", "Stage": "prod"}
FN_DIMS = {"FunctionName": "user-api-handler"}


def rest_get(sb: Any, path: str = "/users/7", **headers: str) -> Any:
    return call(sb.rest.url + path, headers={"x-api-key": sb.keys["internal"], **headers})


def http_get(sb: Any, path: str = "/users/7") -> Any:
    return call(sb.http.url + path)


def rest_order(sb: Any, token: str = "valid", key: str = "internal") -> Any:
    headers = {"x-api-key": sb.keys[key], "Authorization": sb.tokens[token]}
    return call(sb.rest.url + "/orders", method="POST", headers=headers, body=b"{}")


def http_order(sb: Any, token: str = "valid") -> Any:
    headers = {"Authorization": "Bearer " + sb.tokens[token]}
    return call(sb.http.url + "/orders", method="POST", headers=headers, body=b"{}")


def exec_lines(sb: Any, request_id: str) -> list[str]:
    lines = log_messages(sb, "execution", request_id)
    assert all(line.startswith(f"({request_id}) ") for line in lines)  # §9.2 line format
    return [line.split(") ", 1)[1] for line in lines]


def assert_rest_error(reply: Any, status: int, body: bytes, error_type: str) -> None:
    assert reply.status == status
    assert reply.raw == body
    assert reply.headers["x-amzn-errortype"] == error_type
    assert reply.headers["x-amzn-requestid"]
    assert reply.headers["x-amz-apigw-id"]


def assert_http_error(reply: Any, status: int, body: bytes) -> None:
    assert reply.status == status
    assert reply.raw == body
    assert "x-amzn-errortype" not in reply.headers
    assert reply.headers["apigw-requestid"]


INTERNAL_REST = b'{"message": "Internal server error"}'
INTERNAL_HTTP = b'{"message":"Internal Server Error"}'


def test_lambda_error(sb: Any) -> None:
    """§4.5 C47: 502 REST with the customer-function-error line; 500 HTTP."""
    before = metric_sum(sb, "AWS/Lambda", "Errors", FN_DIMS)
    sb.set_faults({"lambda-error": 1.0})
    rest, http = rest_get(sb), http_get(sb)
    sb.flush()
    assert_rest_error(rest, 502, INTERNAL_REST, "InternalServerErrorException")
    assert_http_error(http, 500, INTERNAL_HTTP)
    record = access_record(sb, "REST", rest.request_id)
    assert record["status"] == "502"
    assert record["errorType"] == "INTEGRATION_FAILURE"
    assert record["integrationError"] == "Lambda Customer Function Error:upstream users-db unavailable"
    assert record["integrationServiceStatus"] == "200"
    lines = exec_lines(sb, rest.request_id)
    lambda_rid = record["integrationRequestId"]
    assert (
        "Lambda execution failed with status 200 due to customer function error: upstream users-db unavailable. "
        f"Lambda request id: {lambda_rid}"
    ) in lines
    assert lines[-1] == "Method completed with status: 502"
    assert f"START RequestId: {lambda_rid} Version: $LATEST" in log_messages(sb, "lambda", lambda_rid)
    errors = log_messages(sb, "lambda", "RuntimeError: upstream users-db unavailable")
    assert any(m.startswith("[ERROR] RuntimeError: upstream users-db unavailable\nTraceback") for m in errors)
    http_record = access_record(sb, "HTTP", http.request_id)
    assert http_record["integrationError"].startswith(
        "The Lambda function returned the following error: upstream users-db unavailable."
    )
    assert metric_sum(sb, "AWS/Lambda", "Errors", FN_DIMS) == before + 2
    assert metric_sum(sb, "AWS/ApiGateway", "5XXError", REST_DIMS) >= 1
    assert metric_sum(sb, "AWS/ApiGateway", "5xx", {"ApiId": sb.http.api_id, "Stage": "prod"}) >= 1


def test_lambda_timeout(sb: Any) -> None:
    """§4.5 C50, §15.4, §15.1: the users function's own 10 s Timeout comes first: 502 REST / 500 HTTP with the
    timeout in the integration error and the execution log's customer-function-error line (which names the
    Lambda request id); the function's current-text log has no `Task timed out` line, only REPORT `Status:
    timeout` with a Duration at its Timeout."""
    sb.set_faults({"lambda-timeout": 1.0})
    rest, http = rest_get(sb), http_get(sb)
    sb.flush()
    assert_rest_error(rest, 502, INTERNAL_REST, "InternalServerErrorException")
    assert_http_error(http, 500, INTERNAL_HTTP)
    record = access_record(sb, "REST", rest.request_id)
    lambda_rid = record["integrationRequestId"]
    timed_out = f"RequestId: {lambda_rid} Error: Task timed out after 10.00 seconds"
    assert record["errorType"] == "INTEGRATION_FAILURE"
    assert record["integrationError"] == f"Lambda Customer Function Error:{timed_out}"
    assert record["integrationServiceStatus"] == "200"
    assert 10_000 < int(record["integrationLatency"]) < 29_000
    lines = exec_lines(sb, rest.request_id)
    assert (
        f"Lambda execution failed with status 200 due to customer function error: {timed_out}. "
        f"Lambda request id: {lambda_rid}"
    ) in lines
    assert lines[-1] == "Method completed with status: 502"
    lambda_lines = log_messages(sb, "lambda", lambda_rid)
    assert not any("Task timed out" in line for line in lambda_lines)  # current text (§15.1)
    report = [line for line in lambda_lines if line.startswith("REPORT")]
    assert len(report) == 1
    assert report[0].endswith("\tStatus: timeout")
    assert 10_000 <= float(report[0].split("Duration: ")[1].split(" ms")[0]) < 10_100
    http_record = access_record(sb, "HTTP", http.request_id)
    assert http_record["integrationError"] == (
        "The Lambda function returned the following error: RequestId: "
        f"{http_record['integrationRequestId']} Error: Task timed out after 10.00 seconds. "
        "Check your Lambda function code and try again."
    )  # §4.5 C50 [OBS]
    assert log_messages(sb, "lambda-orders", lambda_rid) == []  # the orders function was not involved


def test_integration_timeout(sb: Any) -> None:
    """§4.7 C55, §4.6 C52, §15.5: the orders function (60 s Timeout) runs past the integration timeout: 504 REST
    / 503 HTTP, and nothing from the function's response on the request (no integration request id, status or
    integration status); the function's own log shows it running on past 29 s."""
    before = metric_sum(sb, "AWS/Lambda", "Invocations", {"FunctionName": "orders-api-handler"})
    sb.set_faults({"integration-timeout": 1.0})
    rest, http = rest_order(sb), http_order(sb)
    sb.flush()
    assert_rest_error(rest, 504, b'{"message": "Endpoint request timed out"}', "InternalServerErrorException")
    assert_http_error(http, 503, b'{"message":"Service Unavailable"}')
    for api_type, reply in (("REST", rest), ("HTTP", http)):
        record = access_record(sb, api_type, reply.request_id)
        assert record["errorType"] == "INTEGRATION_TIMEOUT"
        for field in ("integrationRequestId", "integrationStatus", "integrationServiceStatus"):
            assert record[field] == "-", (api_type, field)  # §15.5
    record = access_record(sb, "REST", rest.request_id)
    assert record["errorMessage"] == "Endpoint request timed out"
    assert 29_000 <= int(record["responseLatency"]) <= 29_100  # logged as AWS would, though it took 0.15 s
    assert record["integrationLatency"] == "29000"
    assert exec_lines(sb, rest.request_id)[-2:] == [
        "Execution failed due to a timeout error",
        "Method completed with status: 504",
    ]
    reports = log_messages(sb, "lambda-orders", "REPORT")
    durations = [float(m.split("Duration: ")[1].split(" ms")[0]) for m in reports]
    assert len([d for d in durations if d > 29_000]) >= 2  # the function ran on after API Gateway gave up
    for message, duration in zip(reports, durations, strict=True):
        if duration > 29_000:  # finished (no Status), or stopped at its own 60 s Timeout
            assert ("Status: timeout" in message) == (duration >= 60_000)
    assert metric_sum(sb, "AWS/Lambda", "Invocations", {"FunctionName": "orders-api-handler"}) == before + 2


def test_lambda_init_failure(sb: Any) -> None:
    """§15.1 and issue 10: a runtime that cannot import its module: 502 REST / 500 HTTP, INIT_REPORT
    `Status: error Error Type: Runtime.ImportModuleError` (init and invoke phase), REPORT with the same."""
    sb.set_faults({"lambda-init-failure": 1.0})
    rest, http = rest_get(sb), http_get(sb)
    sb.flush()
    assert_rest_error(rest, 502, INTERNAL_REST, "InternalServerErrorException")
    assert_http_error(http, 500, INTERNAL_HTTP)
    record = access_record(sb, "REST", rest.request_id)
    assert record["integrationError"] == (
        "Lambda Customer Function Error:Unable to import module 'app': No module named 'requests'"
    )
    lines = log_messages(sb, "lambda", "INIT_REPORT")
    phases = {line.split("Phase: ")[1].split("\t")[0] for line in lines}
    assert phases == {"init", "invoke"}
    assert all(line.endswith("Status: error\tError Type: Runtime.ImportModuleError") for line in lines)
    report = [m for m in log_messages(sb, "lambda", record["integrationRequestId"]) if m.startswith("REPORT")]
    assert report[0].endswith("Status: error\tError Type: Runtime.ImportModuleError")


def _waf_record(sb: Any, extended_request_id: str) -> dict[str, Any]:
    records = [json.loads(m) for m in log_messages(sb, "waf", extended_request_id)]
    assert len(records) == 1
    return records[0]


@pytest.mark.parametrize(
    ("fault", "status", "action", "rule", "token_key"),
    [
        ("waf-captcha", 405, "CAPTCHA", "CaptchaHeadlessBrowsers", "captchaResponse"),
        ("waf-challenge", 202, "CHALLENGE", "ChallengeScrapers", "challengeResponse"),
    ],
)
def test_waf_interstitials(sb: Any, fault: str, status: int, action: str, rule: str, token_key: str) -> None:
    """§15.6: CAPTCHA answers 405, Challenge 202, each with x-amzn-waf-action; the WAF record has the action,
    the token outcome with its failure reason, the API Gateway source and the extended request id."""
    sb.set_faults({fault: 1.0})
    reply = rest_get(sb)
    sb.flush()
    assert reply.status == status
    assert reply.headers["x-amzn-waf-action"] == action.lower()
    assert "x-amzn-errortype" not in reply.headers
    extended = reply.headers["x-amz-apigw-id"]
    record = _waf_record(sb, extended)
    assert (record["action"], record["terminatingRuleId"], record["terminatingRuleType"]) == (
        action,
        rule,
        "REGULAR",
    )
    assert record[token_key] == {"responseCode": status, "failureReason": "TOKEN_MISSING"}
    assert record["httpSourceName"] == "APIGW"
    assert record["httpSourceId"] == f"123456789012:{sb.rest.api_id}:prod"
    assert record["httpRequest"]["requestId"] == extended
    access = access_record(sb, "REST", reply.request_id)
    assert (access["status"], access["wafStatus"]) == (str(status), str(status))
    assert access["integrationRequestId"] == "-"  # WAF answered: the function never ran


def test_waf_count_rule(sb: Any) -> None:
    """§7.3, §15.6: a managed rule overridden to Count matches, is logged with the action it would have taken,
    and the request goes on (200)."""
    sb.set_faults({"waf-count": 1.0})
    reply = rest_get(sb)
    sb.flush()
    assert reply.status == 200
    record = _waf_record(sb, reply.headers["x-amz-apigw-id"])
    assert record["action"] == "ALLOW"
    assert record["terminatingRuleId"] == "Default_Action"
    group = next(
        g for g in record["ruleGroupList"] if g["ruleGroupId"] == "AWS#AWSManagedRulesKnownBadInputsRuleSet"
    )
    assert group["nonTerminatingMatchingRules"] == [
        {
            "ruleId": "Host_localhost_HEADER",
            "action": "COUNT",
            "overriddenAction": "BLOCK",
            "ruleMatchDetails": [],
        }
    ]
    assert {"name": "awswaf:managed:aws:known-bad-inputs:Host_Localhost_Header"} in record["labels"]


def test_malformed_response(sb: Any) -> None:
    """§4.5 C48."""
    sb.set_faults({"malformed-response": 1.0})
    rest, http = rest_get(sb), http_get(sb)
    sb.flush()
    assert_rest_error(rest, 502, INTERNAL_REST, "InternalServerErrorException")
    assert_http_error(http, 500, INTERNAL_HTTP)
    lines = exec_lines(sb, rest.request_id)
    assert "Execution failed due to configuration error: Malformed Lambda proxy response" in lines
    assert any(line.startswith("Endpoint response body before transformations: ") for line in lines)
    assert lines[-1] == "Method completed with status: 502"


def test_lambda_throttled(sb: Any) -> None:
    """§4.4 C38: Lambda's 429 becomes a 500; Throttles counted, no invocation logged."""
    before = metric_sum(sb, "AWS/Lambda", "Throttles", FN_DIMS)
    sb.set_faults({"lambda-throttled": 1.0})
    rest, http = rest_get(sb), http_get(sb)
    sb.flush()
    assert_rest_error(rest, 500, INTERNAL_REST, "InternalServerErrorException")
    assert_http_error(http, 500, INTERNAL_HTTP)
    record = access_record(sb, "REST", rest.request_id)
    assert record["integrationError"] == "Execution failed due to configuration error: Rate Exceeded."
    assert record["errorType"] == "INTEGRATION_FAILURE"
    lines = exec_lines(sb, rest.request_id)
    assert (
        f"Lambda invocation failed with status: 429. Lambda request id: {record['integrationRequestId']}"
        in lines
    )
    assert lines[-2:] == [
        "Execution failed due to configuration error: Rate Exceeded.",
        "Method completed with status: 500",
    ]
    assert log_messages(sb, "lambda", record["integrationRequestId"]) == []
    assert metric_sum(sb, "AWS/Lambda", "Throttles", FN_DIMS) == before + 2


def test_permission_missing(sb: Any) -> None:
    """§4.4 C37."""
    sb.set_faults({"permission-missing": 1.0})
    rest, http = rest_get(sb), http_get(sb)
    sb.flush()
    assert_rest_error(rest, 500, INTERNAL_REST, "InternalServerErrorException")
    assert_http_error(http, 500, INTERNAL_HTTP)
    assert (
        "Execution failed due to configuration error: Invalid permissions on Lambda function"
        in exec_lines(sb, rest.request_id)
    )
    assert access_record(sb, "HTTP", http.request_id)["integrationError"].startswith(
        "The IAM role configured on the integration or API Gateway doesn't have permissions"
    )


def test_expired_tokens(sb: Any) -> None:
    """§4.1 C04 (Cognito message on REST) and the JWT authorizer's challenge on HTTP."""
    sb.set_faults({"expired-tokens": 1.0})
    rest, http = rest_order(sb), http_order(sb)
    sb.flush()
    assert_rest_error(rest, 401, b'{"message":"The incoming token has expired"}', "UnauthorizedException")
    assert_http_error(http, 401, b'{"message":"Unauthorized"}')
    assert 'error_description="the token has expired"' in http.headers["www-authenticate"]
    assert f"Unauthorized request: {rest.request_id}" in exec_lines(sb, rest.request_id)
    assert access_record(sb, "REST", rest.request_id)["errorType"] == "UNAUTHORIZED"
    assert access_record(sb, "HTTP", http.request_id)["authorizerError"] == "the token has expired"
    # The real expired token is refused the same way without any fault.
    sb.set_faults({})
    assert rest_order(sb, "expired").raw == b'{"message":"The incoming token has expired"}'


def test_wrong_audience(sb: Any) -> None:
    """§4.1 C07: the one www-authenticate description AWS documents."""
    sb.set_faults({"wrong-audience": 1.0})
    rest, http = rest_order(sb), http_order(sb)
    assert_rest_error(rest, 401, b'{"message":"Unauthorized"}', "UnauthorizedException")
    assert_http_error(http, 401, b'{"message":"Unauthorized"}')
    assert http.headers["www-authenticate"] == (
        'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"'
    )
    sb.set_faults({})
    assert http_order(sb, "wrong-audience").status == 401
    assert http_order(sb).status == 201


def test_missing_api_key(sb: Any) -> None:
    """§4.2 C23: REST only; HTTP APIs have no API keys."""
    sb.set_faults({"missing-api-key": 1.0})
    rest, http = rest_get(sb), http_get(sb)
    sb.flush()
    assert_rest_error(rest, 403, b'{"message":"Forbidden"}', "ForbiddenException")
    assert http.status == 200
    record = access_record(sb, "REST", rest.request_id)
    assert record["errorType"] == "INVALID_API_KEY"
    assert "Invalid API Key identifier specified" in exec_lines(sb, rest.request_id)


def test_quota_exhausted(sb: Any) -> None:
    """§4.3 C33: 429 Limit Exceeded and the quota line with the usage plan id."""
    sb.set_faults({"quota-exhausted": 1.0})
    rest = rest_get(sb, **{"x-api-key": sb.keys["premium"]})
    sb.flush()
    assert_rest_error(rest, 429, b'{"message":"Limit Exceeded"}', "LimitExceededException")
    plan = sb.provisioned.usage_plan_ids["premium"]
    lines = exec_lines(sb, rest.request_id)
    assert any(f"Key quota exhausted for Usage Plan ID {plan}." in line for line in lines)
    assert any(line.startswith("API Key ****") and sb.keys["premium"] not in line for line in lines)
    assert access_record(sb, "REST", rest.request_id)["errorType"] == "QUOTA_EXCEEDED"
    assert http_get(sb).status == 200


def test_waf_sqli(sb: Any) -> None:
    """§4.2 C24 and §7.2: 403 WAF_FILTERED; the WAF log names the managed rule group and inner rule."""
    dims = {"Region": "us-east-1", "Rule": "AWS-AWSManagedRulesSQLiRuleSet", "WebACL": "user-api-acl"}
    before = metric_sum(sb, "AWS/WAFV2", "BlockedRequests", dims)
    sb.set_faults({"waf-sqli": 1.0})
    rest, http = rest_get(sb), http_get(sb)
    sb.flush()
    assert_rest_error(rest, 403, b'{"message":"Forbidden"}', "ForbiddenException")
    assert http.status == 200
    record = access_record(sb, "REST", rest.request_id)
    assert (record["errorType"], record["wafResponseCode"]) == ("WAF_FILTERED", "WAF_BLOCK")
    waf = [
        json.loads(m) for m in log_messages(sb, "waf", rest.headers["x-amz-apigw-id"])
    ]  # §15.6 extended id
    assert len(waf) == 1
    assert waf[0]["action"] == "BLOCK"
    assert waf[0]["terminatingRuleType"] == "MANAGED_RULE_GROUP"
    group = next(g for g in waf[0]["ruleGroupList"] if g["terminatingRule"])
    assert group["ruleGroupId"] == "AWS#AWSManagedRulesSQLiRuleSet"
    assert {"name": "x-api-key", "value": "REDACTED"} in waf[0]["httpRequest"]["headers"]
    assert exec_lines(sb, rest.request_id) == []  # blocked before the method runs
    assert metric_sum(sb, "AWS/WAFV2", "BlockedRequests", dims) == before + 1


def test_waf_rate_limit(sb: Any) -> None:
    sb.set_faults({"waf-rate-limit": 1.0})
    rest = rest_get(sb, **{"X-Forwarded-For": "203.0.113.9"})
    sb.flush()
    assert_rest_error(rest, 403, b'{"message":"Forbidden"}', "ForbiddenException")
    waf = json.loads(log_messages(sb, "waf", rest.headers["x-amz-apigw-id"])[0])
    assert waf["terminatingRuleType"] == "RATE_BASED"
    assert waf["rateBasedRuleList"][0]["limitValue"] == "203.0.113.9"
    assert access_record(sb, "REST", rest.request_id)["ip"] == "203.0.113.9"


def test_cold_starts(sb: Any) -> None:
    """§4.7 C56: REPORT carries Init Duration, and the request is slower by it."""
    sb.set_faults({"cold-starts": 1.0})
    rest = rest_get(sb)
    sb.flush()
    assert rest.status == 200
    record = access_record(sb, "REST", rest.request_id)
    report = [m for m in log_messages(sb, "lambda", record["integrationRequestId"]) if m.startswith("REPORT")]
    assert "Init Duration: " in report[0]
    assert int(record["integrationLatency"]) >= 250


def test_slow_authorizer(sb: Any) -> None:
    sb.set_faults({"slow-authorizer": 1.0})
    rest, http = rest_order(sb), http_order(sb)
    sb.flush()
    assert (rest.status, http.status) == (201, 201)
    record = access_record(sb, "REST", rest.request_id)
    assert int(record["authorizerLatency"]) >= 1000
    assert int(record["responseLatency"]) - int(record["integrationLatency"]) >= 1000


def test_backend_5xx(sb: Any) -> None:
    """§4.6 C53: the integration's own 5xx is passed through, with no gateway error type."""
    sb.set_faults({"backend-5xx": 1.0})
    rest, http = rest_get(sb), http_get(sb)
    sb.flush()
    assert rest.status == http.status == 500
    assert rest.json == {"error": "internal error in user service"}
    assert "x-amzn-errortype" not in rest.headers
    record = access_record(sb, "REST", rest.request_id)
    assert (record["errorType"], record["integrationStatus"]) == ("-", "500")


@pytest.mark.parametrize("rate", [0.0, 0.5])
def test_fault_rate_is_a_share_of_requests(sb: Any, rate: float) -> None:
    sb.set_faults({"backend-5xx": rate})
    statuses = [rest_get(sb, "/users").status for _ in range(60)]
    failed = statuses.count(500)
    if rate == 0.0:
        assert failed == 0
    else:
        assert 12 <= failed <= 48
        assert statuses.count(200) == 60 - failed


EXTRA_REST = [
    # fault, status, body, x-amzn-ErrorType, errorType, execution-log line (signals reference §4, §9.4)
    (
        "resource-policy-deny",
        403,
        None,
        "AccessDeniedException",
        "ACCESS_DENIED",
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:",
    ),
    (
        "mapping-error",
        500,
        INTERNAL_REST,
        "InternalServerErrorException",
        "API_CONFIGURATION_ERROR",
        "Execution failed due to configuration error: Unable to transform request",
    ),
    (
        "vpc-link-failure",
        500,
        INTERNAL_REST,
        "InternalServerErrorException",
        "INTEGRATION_FAILURE",
        "Execution failed due to configuration error: There was an internal error while executing your request",
    ),
    (
        "backend-tls-error",
        500,
        INTERNAL_REST,
        "InternalServerErrorException",
        "INTEGRATION_FAILURE",
        "Execution failed due to configuration error: PKIX path building failed",
    ),
    (
        "backend-unreachable",
        502,
        INTERNAL_REST,
        "InternalServerErrorException",
        "INTEGRATION_FAILURE",
        "Network error communicating with endpoint",
    ),
    (
        "stage-throttled",
        429,
        b'{"message":"Too Many Requests"}',
        "TooManyRequestsException",
        "THROTTLED",
        None,
    ),
    (
        "account-throttled",
        429,
        b'{"message":"Too Many Requests"}',
        "TooManyRequestsException",
        "THROTTLED",
        None,
    ),
    (
        "response-too-large",
        502,
        INTERNAL_REST,
        "InternalServerErrorException",
        "INTEGRATION_FAILURE",
        "Lambda execution failed with status 200 due to customer function error: Response payload size exceeded",
    ),
    (
        "lambda-throttled",
        500,
        INTERNAL_REST,
        "InternalServerErrorException",
        "INTEGRATION_FAILURE",
        "Lambda invocation failed with status: 429.",
    ),
]


@pytest.mark.parametrize(("fault", "status", "body", "error_type", "response_type", "line"), EXTRA_REST)
def test_extra_faults_rest(
    sb: Any,
    fault: str,
    status: int,
    body: bytes | None,
    error_type: str,
    response_type: str,
    line: str | None,
) -> None:
    sb.set_faults({fault: 1.0})
    reply = rest_get(sb)
    sb.flush()
    assert reply.status == status
    assert reply.headers["x-amzn-errortype"] == error_type
    if body is not None:
        assert reply.raw == body
    record = access_record(sb, "REST", reply.request_id)
    assert record["errorType"] == response_type
    lines = exec_lines(sb, reply.request_id)
    assert lines[-1] == f"Method completed with status: {status}"
    if line is not None:
        assert any(entry.startswith(line) for entry in lines)


@pytest.mark.parametrize(
    ("fault", "status", "body"),
    [
        ("vpc-link-failure", 500, INTERNAL_HTTP),
        ("backend-unreachable", 500, INTERNAL_HTTP),
        ("stage-throttled", 429, b'{"message":"Too Many Requests"}'),
        ("response-too-large", 500, INTERNAL_HTTP),
        ("mapping-error", 200, None),  # no mapping templates on HTTP APIs
        ("resource-policy-deny", 200, None),  # no resource policies on HTTP APIs
    ],
)
def test_extra_faults_http(sb: Any, fault: str, status: int, body: bytes | None) -> None:
    sb.set_faults({fault: 1.0})
    reply = http_get(sb)
    assert reply.status == status
    if body is not None:
        assert reply.raw == body


def test_authorizer_faults(sb: Any) -> None:
    sb.set_faults({"authorizer-deny": 1.0})
    rest, http = rest_order(sb), http_order(sb)
    assert_rest_error(
        rest,
        403,
        b'{"message":"User is not authorized to access this resource with an explicit deny"}',
        "AccessDeniedException",
    )
    assert (http.status, http.raw) == (403, b'{"message":"Forbidden"}')
    sb.set_faults({"authorizer-error": 1.0})
    rest, http = rest_order(sb), http_order(sb)
    assert_rest_error(rest, 500, b'{"message": null}', "AuthorizerConfigurationException")
    assert http.status == 500
    sb.set_faults({"missing-identity-source": 1.0})
    rest, http = rest_order(sb), http_order(sb)
    assert (rest.status, http.status) == (401, 401)
    sb.set_faults({"authorizer-unauthorized": 1.0})
    assert rest_order(sb).raw == b'{"message":"Unauthorized"}'
    sb.flush()
    assert access_record(sb, "REST", rest.request_id)["authorizerStatus"] == "-"  # never invoked (C01)


def test_concurrency_and_passthrough_429(sb: Any) -> None:
    sb.set_faults({"backend-429": 1.0})
    reply = rest_get(sb)
    assert (reply.status, reply.json) == (429, {"error": "rate limited by user service"})
    assert "x-amzn-errortype" not in reply.headers  # the backend's 429, not API Gateway's (C35)
    sb.flush()
    assert metric_sum(sb, "AWS/Lambda", "ConcurrentExecutions", FN_DIMS) >= 1


# fault -> (REST request, REST status class, HTTP request or None when the fault cannot apply there, HTTP class)
FAULT_CLASSES = {
    "lambda-timeout": ("get", "5", "get", "5"),
    "lambda-error": ("get", "5", "get", "5"),
    "malformed-response": ("get", "5", "get", "5"),
    "lambda-throttled": ("get", "5", "get", "5"),
    "permission-missing": ("get", "5", "get", "5"),
    "integration-timeout": ("order", "5", "order", "5"),
    "expired-tokens": ("order", "4", "order", "4"),
    "wrong-audience": ("order", "4", "order", "4"),
    "missing-api-key": ("get", "4", None, None),
    "quota-exhausted": ("get", "4", None, None),
    "waf-sqli": ("get", "4", None, None),
    "waf-rate-limit": ("get", "4", None, None),
    "cold-starts": ("get", "2", "get", "2"),
    "slow-authorizer": ("order", "2", "order", "2"),
    "backend-5xx": ("get", "5", "get", "5"),
    "lambda-init-failure": ("get", "5", "get", "5"),
    "waf-captcha": ("get", "4", None, None),  # 405
    "waf-challenge": ("get", "2", None, None),  # 202: WAF's, but a 2xx to the metrics (INF)
    "waf-count": ("get", "2", None, None),
}


@pytest.mark.parametrize("fault", list(FAULT_CLASSES))
def test_every_fault_counts_in_the_api_metrics(sb: Any, fault: str) -> None:
    """Each fault's requests land in AWS/ApiGateway under the right name for the API type (§6.1, §6.2)."""
    rest_call, rest_class, http_call, http_class = FAULT_CLASSES[fault]
    http_dims = {"ApiId": sb.http.api_id, "Stage": "prod"}
    rest_names = {"4": "4XXError", "5": "5XXError"}
    http_names = {"4": "4xx", "5": "5xx"}
    sb.flush()
    before = {
        name: metric_sum(sb, "AWS/ApiGateway", name, REST_DIMS) for name in ("Count", "4XXError", "5XXError")
    } | {
        f"http-{name}": metric_sum(sb, "AWS/ApiGateway", name, http_dims) for name in ("Count", "4xx", "5xx")
    }
    sb.set_faults({fault: 1.0})
    quota_key = {"x-api-key": sb.keys["premium"]} if fault == "quota-exhausted" else {}
    forwarded = {"X-Forwarded-For": "192.0.2.10"} if fault == "waf-rate-limit" else {}
    rest = rest_order(sb) if rest_call == "order" else rest_get(sb, **quota_key, **forwarded)
    http = None
    if http_call is not None:
        http = http_order(sb) if http_call == "order" else http_get(sb)
    sb.flush()
    assert str(rest.status)[0] == rest_class
    assert metric_sum(sb, "AWS/ApiGateway", "Count", REST_DIMS) == before["Count"] + 1
    for cls, name in rest_names.items():
        expected = before[name] + (1 if cls == rest_class else 0)
        assert metric_sum(sb, "AWS/ApiGateway", name, REST_DIMS) == expected, name
    if http is not None:
        assert str(http.status)[0] == http_class
        assert metric_sum(sb, "AWS/ApiGateway", "Count", http_dims) == before["http-Count"] + 1
        for cls, name in http_names.items():
            expected = before[f"http-{name}"] + (1 if cls == http_class else 0)
            assert metric_sum(sb, "AWS/ApiGateway", name, http_dims) == expected, name


def test_configuration_faults_show_in_the_configuration(sb: Any) -> None:
    """What diagnose reads to confirm C37/C38/C31 on AWS changes with the fault, and is restored on healing."""
    from tests.functional.sandbox.helpers import client

    lam, apig = client(sb, "lambda"), client(sb, "apigateway")

    def invoke_sources() -> set[str]:
        try:
            policy = json.loads(lam.get_policy(FunctionName="user-api-handler")["Policy"])
        except lam.exceptions.ResourceNotFoundException:
            return set()
        return {s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"]}

    def stage_rate() -> float:
        return float(
            apig.get_stage(restApiId=sb.rest.api_id, stageName="prod")["methodSettings"]["*/*"][
                "throttlingRateLimit"
            ]
        )

    rest_source = f"arn:aws:execute-api:us-east-1:123456789012:{sb.rest.api_id}/*"
    assert rest_source in invoke_sources()
    normal_rate = stage_rate()
    sb.set_faults({"permission-missing": 0.5, "lambda-throttled": 0.2, "stage-throttled": 0.1})
    assert rest_source not in invoke_sources()
    assert lam.get_function_concurrency(FunctionName="user-api-handler")["ReservedConcurrentExecutions"] == 2
    assert stage_rate() == 1.0
    sb.set_faults({})
    assert rest_source in invoke_sources()
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="user-api-handler")
    assert stage_rate() == normal_rate


def test_slow_integration_stays_under_the_timeout(sb: Any) -> None:
    """§4.9 C63: IntegrationLatency ≈ Latency, 2-8 s, and the request still succeeds."""
    sb.set_faults({"slow-integration": 1.0})
    rest, http = rest_get(sb), http_get(sb)
    sb.flush()
    assert (rest.status, http.status) == (200, 200)
    record = access_record(sb, "REST", rest.request_id)
    assert 2_000 <= int(record["integrationLatency"]) <= 9_000
    assert int(record["responseLatency"]) - int(record["integrationLatency"]) < 50
    assert 2_000 <= int(access_record(sb, "HTTP", http.request_id)["integrationLatency"]) <= 9_000
