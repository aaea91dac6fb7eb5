"""The local stage without faults: routing, API keys, usage-plan throttling, the JWT authorizers and the WAF
rules decide as API Gateway would (signals reference §1.1, §4.1-§4.3)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.functional.sandbox.helpers import access_record, call, log_messages

pytestmark = pytest.mark.xdist_group("sandbox-stage")  # one sandbox per module and worker


def test_healthy_routes_answer_on_both_apis(sb: Any) -> None:
    key = {"x-api-key": sb.keys["internal"]}
    assert call(sb.rest.url + "/health").json == {"status": "ok"}
    user = call(sb.rest.url + "/users/42", headers=key)
    assert (user.status, user.json["id"]) == (200, "42")
    assert call(sb.http.url + "/users/42").json["id"] == "42"
    order = call(
        sb.rest.url + "/orders",
        method="POST",
        body=b"{}",
        headers={**key, "Authorization": sb.tokens["valid"]},
    )
    assert order.status == 201
    sb.flush()
    record = access_record(sb, "REST", user.request_id)
    assert record["resourcePath"] == "/users/{id}"
    assert record["path"] == "/prod/users/42"
    assert record["apiKeyId"] == sb.provisioned.key_ids["internal"]
    assert record["errorType"] == "-"
    assert access_record(sb, "REST", order.request_id)["principalId"] != "-"


def test_metric_names_and_dimensions_per_api_type(sb: Any) -> None:
    """§6.1/§6.2: REST metrics by ApiName (name, not id), HTTP metrics by ApiId, with their own names."""
    from tests.functional.sandbox.helpers import client, metric_sum

    call(sb.rest.url + "/health")
    call(sb.http.url + "/health")
    sb.flush()
    listed = client(sb, "cloudwatch").get_paginator("list_metrics").paginate(Namespace="AWS/ApiGateway")
    seen = {
        (m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
        for page in listed
        for m in page["Metrics"]
    }
    rest_dims = [(("ApiName", "user-api"),), (("ApiName", "user-api"), ("Stage", "prod"))]
    http_dims = [(("ApiId", sb.http.api_id),), (("ApiId", sb.http.api_id), ("Stage", "prod"))]
    expected = {
        (n, d) for n in ("Count", "4XXError", "5XXError", "Latency", "IntegrationLatency") for d in rest_dims
    }
    expected |= {
        (n, d)
        for n in ("Count", "4xx", "5xx", "Latency", "IntegrationLatency", "DataProcessed")
        for d in http_dims
    }
    assert seen == expected
    waf = {"Region": "us-east-1", "Rule": "ALL", "WebACL": "user-api-acl"}
    assert metric_sum(sb, "AWS/WAFV2", "AllowedRequests", waf) >= 1


def test_unknown_path_method_or_stage(sb: Any) -> None:
    """§4.2 C11: REST 403 Missing Authentication Token, never in execution logs; HTTP APIs 404."""
    for url, method in (
        (sb.rest.url + "/nope", "GET"),
        (sb.rest.url + "/users", "DELETE"),
        (sb.rest.url.replace("/prod", "/staging") + "/users", "GET"),
    ):
        reply = call(url, method=method)
        assert reply.status == 403
        assert reply.raw == b'{"message":"Missing Authentication Token"}'
        assert reply.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    http = call(sb.http.url + "/nope")
    assert (http.status, http.raw) == (404, b'{"message":"Not Found"}')
    sb.flush()
    assert access_record(sb, "REST", reply.request_id)["errorType"] == "MISSING_AUTHENTICATION_TOKEN"
    assert log_messages(sb, "execution", reply.request_id) == []


def test_api_key_unknown_is_forbidden(sb: Any) -> None:
    reply = call(sb.rest.url + "/users", headers={"x-api-key": "not-a-key-0123456789"})
    assert (reply.status, reply.raw) == (403, b'{"message":"Forbidden"}')
    assert call(sb.rest.url + "/users").status == 403


def test_usage_plan_burst_then_throttle(sb: Any) -> None:
    """Free tier: burst 10, 5 requests/s (a token bucket per key); then 429 Too Many Requests (§4.3 C32)."""
    key = {"x-api-key": sb.keys["free"]}
    replies = [call(sb.rest.url + "/users", headers=key) for _ in range(16)]
    statuses = [r.status for r in replies]
    assert statuses[:10] == [200] * 10
    throttled = [r for r in replies if r.status == 429]
    assert len(throttled) >= 4
    assert throttled[0].raw == b'{"message":"Too Many Requests"}'
    assert throttled[0].headers["x-amzn-errortype"] == "TooManyRequestsException"
    sb.flush()
    lines = log_messages(sb, "execution", throttled[0].request_id)
    plan = sb.provisioned.usage_plan_ids["free"]
    assert any(
        f"Key throttle limit exceeded for Usage Plan ID {plan}, RestApi {sb.rest.api_id}, Stage prod" in line
        and line.endswith("HttpMethod GET. Limit: 5.00 Burst: 10")
        for line in lines
    )


def test_identity_source_missing_is_not_logged_by_the_authorizer(sb: Any) -> None:
    """§4.1 C01: 401 without invoking (or logging) the authorizer."""
    reply = call(
        sb.rest.url + "/orders", method="POST", body=b"{}", headers={"x-api-key": sb.keys["internal"]}
    )
    assert (reply.status, reply.raw) == (401, b'{"message":"Unauthorized"}')
    sb.flush()
    assert not any("authorizer" in line for line in log_messages(sb, "execution", reply.request_id))


def test_cognito_authorizer_needs_an_id_token_from_the_right_pool(sb: Any) -> None:
    """§4.1 C05/C06: access token without scopes, wrong issuer, garbage -> 401 Unauthorized on REST."""
    key = sb.keys["internal"]
    for token in (sb.tokens["access"], sb.tokens["wrong-issuer"], "not.a.jwt"):
        reply = call(
            sb.rest.url + "/orders",
            method="POST",
            body=b"{}",
            headers={"x-api-key": key, "Authorization": token},
        )
        assert (reply.status, reply.raw) == (401, b'{"message":"Unauthorized"}')
    # The HTTP JWT authorizer accepts an access token whose client_id is the audience (HJWT).
    ok = call(
        sb.http.url + "/orders",
        method="POST",
        body=b"{}",
        headers={"Authorization": "Bearer " + sb.tokens["access"]},
    )
    assert ok.status == 201


def test_waf_rules_without_faults(sb: Any) -> None:
    """SQL injection and XSS patterns, a blocked country, and the rate-based rule per forwarded IP."""
    key = {"x-api-key": sb.keys["internal"]}
    sqli = call(sb.rest.url + "/users?name=x%27%20OR%201%3D1--", headers=key)
    xss = call(sb.rest.url + "/users?q=%3Cscript%3Ealert(1)%3C/script%3E", headers=key)
    geo = call(sb.rest.url + "/users", headers={**key, "x-sandbox-country": "KP"})
    for reply in (sqli, xss, geo):
        assert (reply.status, reply.raw) == (403, b'{"message":"Forbidden"}')
    sb.flush()
    rules = {  # WAF's requestId is the extended request id (§15.6)
        r.request_id: json.loads(log_messages(sb, "waf", r.headers["x-amz-apigw-id"])[0])
        for r in (sqli, xss, geo)
    }
    assert rules[sqli.request_id]["terminatingRuleMatchDetails"][0]["conditionType"] == "SQL_INJECTION"
    assert rules[xss.request_id]["terminatingRuleId"] == "AWS-AWSManagedRulesCommonRuleSet"
    assert (rules[geo.request_id]["terminatingRuleId"], rules[geo.request_id]["httpRequest"]["country"]) == (
        "GeoBlock",
        "KP",
    )
    forwarded = {**key, "X-Forwarded-For": "198.51.100.77"}
    statuses = [call(sb.rest.url + "/health", headers=forwarded).status for _ in range(101)]
    assert statuses[:100] == [200] * 100
    assert statuses[100] == 403
    # Other clients are not affected by one IP's rate.
    assert call(sb.rest.url + "/health", headers={"X-Forwarded-For": "198.51.100.78"}).status == 200


def test_waf_interstitial_and_count_rules_without_faults(sb: Any) -> None:
    """The CAPTCHA rule answers headless browsers 405, the Challenge rule scrapers 202 (§15.6), each with
    x-amzn-waf-action; a Host naming localhost matches the known-bad-inputs rule in COUNT and goes on."""
    key = {"x-api-key": sb.keys["internal"]}
    headless = call(sb.rest.url + "/users", headers={**key, "User-Agent": "Mozilla/5.0 HeadlessChrome/120.0"})
    scraper = call(sb.rest.url + "/users", headers={**key, "User-Agent": "Scrapy/2.11 (+https://scrapy.org)"})
    local = call(sb.rest.url + "/users", headers={**key, "Host": "localhost"})
    assert (headless.status, headless.headers["x-amzn-waf-action"]) == (405, "captcha")
    assert (scraper.status, scraper.headers["x-amzn-waf-action"]) == (202, "challenge")
    assert local.status == 200
    sb.flush()
    record = json.loads(log_messages(sb, "waf", local.headers["x-amz-apigw-id"])[0])
    counted = [r for g in record["ruleGroupList"] for r in g["nonTerminatingMatchingRules"]]
    assert [(r["ruleId"], r["action"]) for r in counted] == [("Host_localhost_HEADER", "COUNT")]


def test_http_api_has_no_waf_or_keys(sb: Any) -> None:
    assert call(sb.http.url + "/users?name=x%27%20OR%201%3D1--").status == 200
    assert call(sb.http.url + "/users", headers={"x-sandbox-country": "KP"}).status == 200


def test_concurrent_traffic_loses_no_log_line(sb: Any) -> None:
    """Many client threads at once: every request answered and logged exactly once (access + Lambda)."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.functional.sandbox.helpers import client, metric_sum

    key = {"x-api-key": sb.keys["internal"], "user-agent": "concurrency-probe/1.0"}
    sb.flush()
    invocations = metric_sum(sb, "AWS/Lambda", "Invocations", {"FunctionName": "user-api-handler"})
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda i: call(f"{sb.rest.url}/users/{i}", headers=key), range(300)))
    assert [r.status for r in replies] == [200] * 300
    assert [r.json["id"] for r in replies] == [str(i) for i in range(300)]
    sb.flush()
    logs = client(sb, "logs")
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName="/aws/apigateway/user-api/prod", filterPattern='"concurrency-probe/1.0"'
    )
    ids = [json.loads(e["message"])["requestId"] for page in pages for e in page["events"]]
    assert sorted(ids) == sorted(r.request_id for r in replies)
    assert (
        metric_sum(sb, "AWS/Lambda", "Invocations", {"FunctionName": "user-api-handler"}) == invocations + 300
    )
