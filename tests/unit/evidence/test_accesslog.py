"""Access-log formats from the AWS docs (reference §8.1–8.4, verbatim) compiled and parsed into canonical rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from apigwops.errors import UsageError
from apigwops.evidence.parse.accesslog import REQUEST_COLUMNS, parse_access_lines, request_counts
from apigwops.evidence.parse.logformat import compile_format

# §8.1 REST console examples, with the console's `\` continuations as shown in the docs.
REST_CLF = (
    "$context.identity.sourceIp $context.identity.caller  \\\n$context.identity.user [$context.requestTime] \\\n"
    '"$context.httpMethod $context.resourcePath $context.protocol" \\\n'
    "$context.status $context.responseLength $context.requestId $context.extendedRequestId"
)
REST_CLF_ZH = (
    "$context.identity.sourceIp $context.identity.caller $context.identity.user "
    '[$context.requestTime]"$context.httpMethod $context.resourcePath $context.protocol" $context.status '
    "$context.responseLength $context.requestId $context.extendedRequestId"
)
REST_XML = """<request id="$context.requestId"> \\
    <extendedRequestId>$context.extendedRequestId</extendedRequestId>
    <ip>$context.identity.sourceIp</ip> \\
    <caller>$context.identity.caller</caller> \\
    <user>$context.identity.user</user> \\
    <requestTime>$context.requestTime</requestTime> \\
    <httpMethod>$context.httpMethod</httpMethod> \\
    <resourcePath>$context.resourcePath</resourcePath> \\
    <status>$context.status</status> \\
    <protocol>$context.protocol</protocol> \\
    <responseLength>$context.responseLength</responseLength> \\
</request>"""
REST_CSV = (
    "$context.identity.sourceIp,$context.identity.caller,\\\n"
    "$context.identity.user,$context.requestTime,$context.httpMethod,\\\n"
    "$context.resourcePath,$context.protocol,$context.status,\\\n"
    "$context.responseLength,$context.requestId,$context.extendedRequestId"
)
# §8.2 HTTP console CLF with AWS's advice applied (integrationErrorMessage appended).
HTTP_CLF = (
    '$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol"'
    " $context.status $context.responseLength $context.requestId $context.integrationErrorMessage"
)
HTTP_JSON = (
    '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime",'
    ' "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status",'
    '"protocol":"$context.protocol", "responseLength":"$context.responseLength" }'
)
# §8.3 serverless-snippets: unquoted numbers (a "-" makes the line invalid JSON) and the raw API key.
SNIPPETS_JSON = """{
"requestId":"$context.requestId",
"ip": "$context.identity.sourceIp",
"apiKey": "$context.identity.apiKey",
"requestTime":"$context.requestTime",
"httpMethod":"$context.httpMethod",
"routeKey":"$context.routeKey",
"path":"$context.path",
"status": $context.status,
"protocol":"$context.protocol",
"integrationStatus": $context.integrationStatus,
"integrationLatency": $context.integrationLatency,
"responseLatency":$context.responseLatency,
"responseLength": $context.responseLength
}"""
# §8.4, the recommended diagnostic format.
DIAG_JSON = (
    '{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId","requestTimeEpoch":"$context.requestTimeEpoch",'
    '"apiId":"$context.apiId","stage":"$context.stage","domainName":"$context.domainName","basePathMatched":"$context.customDomain.basePathMatched",'
    '"httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","path":"$context.path","status":"$context.status",'
    '"responseLength":"$context.responseLength","responseLatency":"$context.responseLatency","errorType":"$context.error.responseType",'
    '"errorMessage":"$context.error.message","validationError":"$context.error.validationErrorString","integrationStatus":"$context.integration.status",'
    '"integrationServiceStatus":"$context.integration.integrationStatus","integrationLatency":"$context.integration.latency",'
    '"integrationError":"$context.integration.error","integrationRequestId":"$context.integration.requestId","authorizerError":"$context.authorizer.error",'
    '"authorizerStatus":"$context.authorizer.status","authorizerLatency":"$context.authorizer.latency",'
    '"authorizerIntegrationLatency":"$context.authorizer.integrationLatency","principalId":"$context.authorizer.principalId",'
    '"authorizeError":"$context.authorize.error","authenticateError":"$context.authenticate.error","wafStatus":"$context.waf.status",'
    '"wafError":"$context.waf.error","wafLatency":"$context.waf.latency","wafResponseCode":"$context.wafResponseCode",'
    '"apiKeyId":"$context.identity.apiKeyId","ip":"$context.identity.sourceIp","userAgent":"$context.identity.userAgent",'
    '"userArn":"$context.identity.userArn","xrayTraceId":"$context.xrayTraceId"}'
)

T0 = datetime(2026, 11, 24, 1, 2, 3, tzinfo=UTC)


def _render(fmt: str, **values: object) -> str:
    """Render a format the way API Gateway does: each $context token replaced by its value or "-"."""
    import re

    one_line = re.sub(r"\s*\\\s*\n\s*", " ", fmt).replace("\n", " ")
    return re.sub(
        r"\$context\.([A-Za-z0-9_.]+)", lambda m: str(values.get(m.group(1).replace(".", "_"), "-")), one_line
    )


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [(REST_CLF, "clf"), (REST_CLF_ZH, "clf"), (REST_XML, "xml"), (REST_CSV, "csv"), (HTTP_JSON, "json")],
)
def test_console_formats_parse_to_the_same_row(fmt: str, kind: str) -> None:
    compiled = compile_format(fmt)
    assert compiled.kind == kind
    line = _render(
        fmt,
        identity_sourceIp="203.0.113.9",
        requestTime="24/Nov/2026:01:02:03 +0000",
        httpMethod="GET",
        resourcePath="/users/{id}",
        routeKey="GET /users/{id}",
        protocol="HTTP/1.1",
        status=502,
        responseLength=36,
        requestId="c0ffee00-1111-2222-3333-444455556666",
        extendedRequestId="AZzecgvEPHcEPew=",
    )
    result = parse_access_lines(compiled, [line])
    assert result.unparsed == 0
    row = result.requests.iloc[0]
    assert row["request_id"] == "c0ffee00-1111-2222-3333-444455556666"
    assert row["status"] == 502
    assert row["ip"] == "203.0.113.9"
    assert row["http_method"] == "GET"
    assert row["route"] == "GET /users/{id}"
    assert row["time"] == pd.Timestamp(T0)
    assert row["caller"] is pd.NA or pd.isna(row["caller"])  # "-" becomes NA
    assert tuple(result.requests.columns) == REQUEST_COLUMNS


def test_route_key_with_space_and_free_text_error_in_clf() -> None:
    fmt = compile_format(HTTP_CLF)
    line = (
        '64.136.145.109 - - [15/Feb/2023:23:08:37 +0000] "GET GET /pets HTTP/1.1" 500 35 AZzecgvEPHcEPew= '
        "The IAM role configured on the integration or API Gateway doesn't have permissions to call the "
        "integration. Check the permissions and try again."
    )
    row = parse_access_lines(fmt, [line]).requests.iloc[0]
    assert row["route_key"] == "GET /pets"
    assert row["route"] == "GET /pets"
    assert row["protocol"] == "HTTP/1.1"
    assert row["status"] == 500
    assert row["integration_error"].startswith("The IAM role configured")
    assert row["integration_error"].endswith("try again.")


def test_diagnostic_format_with_quote_inside_a_value_falls_back_per_field() -> None:
    fmt = compile_format(DIAG_JSON)
    assert fmt.missing_fields("REST") == {"caller", "protocol"}
    good = _render(
        DIAG_JSON,
        requestId="r-good",
        requestTimeEpoch=int(T0.timestamp() * 1000),
        httpMethod="GET",
        resourcePath="/a",
        status=200,
        responseLatency=12,
        integration_latency=10,
    )
    bad = _render(
        DIAG_JSON,
        requestId="r-bad",
        requestTimeEpoch=int(T0.timestamp() * 1000) + 1000,
        httpMethod="POST",
        resourcePath="/orders",
        status=502,
        error_responseType="INTEGRATION_FAILURE",
        integration_error='Lambda said "no, you can\'t", then crashed',
        integration_latency=29000,
        identity_userAgent='curl/8 "quoted"',
    )
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad)
    result = parse_access_lines(fmt, [good, bad, "not a log line at all", ""])
    assert result.lines == 3  # the blank line is not a line
    assert result.unparsed == 1
    assert result.unparsed_examples == ["not a log line at all"]
    rows = result.requests.set_index("request_id")
    assert rows.loc["r-bad", "integration_error"] == 'Lambda said "no, you can\'t", then crashed'
    assert rows.loc["r-bad", "user_agent"] == 'curl/8 "quoted"'
    assert rows.loc["r-bad", "error_type"] == "INTEGRATION_FAILURE"
    assert rows.loc["r-bad", "integration_latency"] == 29000.0
    assert pd.isna(rows.loc["r-good", "error_type"])
    assert rows.loc["r-good", "response_latency"] == 12.0
    assert rows.loc["r-bad", "route"] == "POST /orders"


def test_unquoted_numbers_with_dash_and_secret_api_key_is_never_kept() -> None:
    fmt = compile_format(SNIPPETS_JSON)
    assert all(f.variable != "identity.apiKey" for f in fmt.fields)
    line = _render(
        SNIPPETS_JSON,
        requestId="r1",
        identity_apiKey="supersecretapikeyvalue1234",
        requestTime="24/Nov/2026:01:02:03 +0000",
        httpMethod="GET",
        routeKey="$default",
        status=403,
    ).replace("\n", "")
    result = parse_access_lines(fmt, [line])
    row = result.requests.iloc[0]
    assert row["status"] == 403
    assert pd.isna(row["integration_latency"])
    assert row["route"] == "$default"
    assert "supersecretapikeyvalue1234" not in result.requests.astype(str).to_string()


def test_nested_json_keys_and_templated_values() -> None:
    fmt = compile_format(
        '{"id":"$context.requestId","http":{"status":$context.status,"route":"$context.httpMethod $context.resourcePath"},'
        '"error":{"type":"$context.error.responseType"}}'
    )
    lines = [
        '{"id":"a","http":{"status":429,"route":"GET /things/{id}"},"error":{"type":"THROTTLED"}}',
        '{"id":"b","http":{"status":200,"route":"PUT /things"},"error":{"type":"-"}}',
    ]
    rows = parse_access_lines(fmt, lines, event_times=[1_700_000_000_000, 1_700_000_001_000]).requests
    assert list(rows["request_id"]) == ["a", "b"]
    assert list(rows["status"]) == [429, 200]
    assert list(rows["route"]) == ["GET /things/{id}", "PUT /things"]
    assert rows.loc[0, "error_type"] == "THROTTLED"
    assert pd.isna(rows.loc[1, "error_type"])
    # No time variable in the format: the CloudWatch event time is used.
    assert rows.loc[1, "time"] == pd.Timestamp(1_700_000_001_000, unit="ms", tz="UTC")


def test_missing_fields_name_the_blind_spots_per_api_type() -> None:
    fmt = compile_format(HTTP_CLF)
    missing = fmt.missing_fields("HTTP")
    assert "error_type" in missing
    assert "response_latency" in missing
    assert "integration_error" not in missing
    assert "waf_status" not in missing  # HTTP APIs cannot log WAF fields: not a fixable blind spot
    assert "waf_status" in fmt.missing_fields("REST")


@pytest.mark.parametrize("bad", ["", None, "just text", '{"a": "$context.requestId"'])
def test_bad_formats_are_usage_errors(bad: str | None) -> None:
    with pytest.raises(UsageError):
        compile_format(bad)


def test_request_counts_per_minute_and_status() -> None:
    fmt = compile_format('{"requestId":"$context.requestId","status":"$context.status"}')
    base = 1_700_000_000_000 - 1_700_000_000_000 % 60_000
    lines = [
        '{"requestId":"a","status":"200"}',
        '{"requestId":"b","status":"502"}',
        '{"requestId":"c","status":"200"}',
    ]
    rows = parse_access_lines(fmt, lines, event_times=[base, base + 1000, base + 61_000]).requests
    counts = request_counts(rows)
    assert counts.to_dict("records") == [
        {"minute": pd.Timestamp(base, unit="ms", tz="UTC"), "status": 200, "count": 1},
        {"minute": pd.Timestamp(base, unit="ms", tz="UTC"), "status": 502, "count": 1},
        {"minute": pd.Timestamp(base + 60_000, unit="ms", tz="UTC"), "status": 200, "count": 1},
    ]


def test_unparsed_examples_never_show_credentials() -> None:
    fmt = compile_format('{"requestId":"$context.requestId","status":"$context.status"}')
    result = parse_access_lines(fmt, ["garbage Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2ln trailing"])
    assert result.unparsed == 1
    assert "eyJhbGciOi" not in result.unparsed_examples[0]


def test_error_message_string_renders_its_own_quotes() -> None:
    # AZUL observed `"error_messageString": " "Endpoint request timed out""` (reference §8.4).
    fmt = compile_format(
        '{"requestId":"$context.requestId","error_messageString":" $context.error.messageString"}'
    )
    line = '{"requestId":"r1","error_messageString":" "Endpoint request timed out""}'
    row = parse_access_lines(fmt, [line]).requests.iloc[0]
    assert row["error_message"] == "Endpoint request timed out"


def test_websocket_format_with_connection_and_event_type() -> None:
    fmt = compile_format(
        '{"requestId":"$context.requestId","connectionId":"$context.connectionId","eventType":"$context.eventType",'
        '"routeKey":"$context.routeKey","status":"$context.status","integrationError":"$context.integration.error"}'
    )
    line = '{"requestId":"r1","connectionId":"L0SM9cOFvHcCIhw=","eventType":"MESSAGE","routeKey":"sendmessage","status":"500","integrationError":"boom"}'
    row = parse_access_lines(fmt, [line]).requests.iloc[0]
    assert row["connection_id"] == "L0SM9cOFvHcCIhw="
    assert row["event_type"] == "MESSAGE"
    assert row["route"] == "sendmessage"
    assert "response_latency" not in fmt.missing_fields("WEBSOCKET")
