"""Live usage (`--api NAME --stage S`) read from a real moto server over HTTP.

The account is built with plain boto3 clients (writes are fine in tests): a REST API whose method calls a
Lambda function, a `prod` stage with a 0.5 GB cache, two usage plans bound to it (free: 1,000/month, 5/s;
premium: 1,000,000/month, 1,000/s) with API keys, and 10 days of `Count`, `Invocations` and `Duration`
datapoints. moto answers GetUsage with 404 "Not yet implemented", exactly the case where the estimator must
fall back to sharing the stage's Count across plans, and say so.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import boto3
import pytest

from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.cost.catalog import load_catalog
from apigwops.cost.estimator import estimate
from apigwops.cost.live import usage_from_stage
from apigwops.progress import RecordingProgress
from apigwops.runtime import Runtime

REGION = "us-east-1"
NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
DAYS = 10
DAILY_REQUESTS = 100_000


def _client(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
    return buf.getvalue()


def build_account(endpoint: str, now: datetime = NOW) -> None:
    iam = _client(endpoint, "iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}  # fmt: skip
    role = iam.create_role(RoleName="cost-fn-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    fn = _client(endpoint, "lambda").create_function(
        FunctionName="pricing-fn",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": _zip()},
        MemorySize=1024,
        Architectures=["arm64"],
    )
    apig = _client(endpoint, "apigateway")
    api_id = apig.create_rest_api(name="shop-api")["id"]
    root = next(r["id"] for r in apig.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    items = apig.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    apig.put_method(
        restApiId=api_id, resourceId=items, httpMethod="GET", authorizationType="NONE", apiKeyRequired=True
    )
    apig.put_integration(
        restApiId=api_id,
        resourceId=items,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn['FunctionArn']}/invocations",
    )
    apig.create_deployment(restApiId=api_id, stageName="prod")
    apig.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
            {"op": "replace", "path": "/cacheClusterSize", "value": "0.5"},
        ],
    )
    for name, quota, rate, burst, keys in (
        ("free", 1000, 5.0, 10, 3),
        ("premium", 1_000_000, 1000.0, 2000, 1),
    ):
        plan = apig.create_usage_plan(
            name=name,
            apiStages=[{"apiId": api_id, "stage": "prod"}],
            throttle={"rateLimit": rate, "burstLimit": burst},
            quota={"limit": quota, "period": "MONTH"},
        )
        for n in range(keys):
            key = apig.create_api_key(name=f"{name}-{n}", enabled=True)
            apig.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    waf = _client(endpoint, "wafv2")
    visibility = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}
    rules = [
        {"Name": "rate", "Priority": 1, "Action": {"Block": {}}, "VisibilityConfig": visibility,
         "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}}},
        {"Name": "common", "Priority": 2, "OverrideAction": {"None": {}}, "VisibilityConfig": visibility,
         "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}}},
    ]  # fmt: skip
    acl = waf.create_web_acl(
        Name="shop-acl",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig=visibility,
        Rules=rules,
    )
    waf.associate_web_acl(
        WebACLArn=acl["Summary"]["ARN"],
        ResourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/prod",
    )
    http = _client(endpoint, "apigatewayv2")
    http_id = http.create_api(Name="shop-http", ProtocolType="HTTP")["ApiId"]
    integration = http.create_integration(
        ApiId=http_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=fn["FunctionArn"],
        PayloadFormatVersion="2.0",
    )
    http.create_route(
        ApiId=http_id, RouteKey="GET /items", Target=f"integrations/{integration['IntegrationId']}"
    )
    http.create_stage(ApiId=http_id, StageName="$default", AutoDeploy=True)
    cw = _client(endpoint, "cloudwatch")
    for day in range(DAYS):
        cw.put_metric_data(
            Namespace="AWS/ApiGateway",
            MetricData=[{"MetricName": "Count", "Timestamp": now - timedelta(days=day, hours=1), "Value": 7000,
                         "Dimensions": [{"Name": "ApiId", "Value": http_id}, {"Name": "Stage", "Value": "$default"}]}],
        )  # fmt: skip
    for day in range(DAYS):
        stamp = now - timedelta(days=day, hours=1)
        cw.put_metric_data(
            Namespace="AWS/ApiGateway",
            MetricData=[{"MetricName": "Count", "Timestamp": stamp, "Value": DAILY_REQUESTS, "Unit": "Count",
                         "Dimensions": [{"Name": "ApiName", "Value": "shop-api"}, {"Name": "Stage", "Value": "prod"}]}],
        )  # fmt: skip
        fn_dims = [{"Name": "FunctionName", "Value": "pricing-fn"}]
        cw.put_metric_data(
            Namespace="AWS/Lambda",
            MetricData=[
                {"MetricName": "Invocations", "Timestamp": stamp, "Value": DAILY_REQUESTS, "Dimensions": fn_dims},
                {"MetricName": "Duration", "Timestamp": stamp, "Value": 80.0, "Unit": "Milliseconds",
                 "Dimensions": fn_dims},
            ],
        )  # fmt: skip
    # noise that must not be counted: another stage's Count
    cw.put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[{"MetricName": "Count", "Timestamp": now - timedelta(hours=2), "Value": 999_999,
                     "Dimensions": [{"Name": "ApiName", "Value": "shop-api"}, {"Name": "Stage", "Value": "dev"}]}],
    )  # fmt: skip


@pytest.fixture
def runtime(moto_endpoint: str) -> Runtime:
    build_account(moto_endpoint)
    aws = AwsContext(AwsSettings(region=REGION, endpoint_url=moto_endpoint))
    return Runtime(aws=aws, progress=RecordingProgress(), clock=lambda: NOW)


def test_live_usage_from_the_sandbox_account(runtime: Runtime) -> None:
    usage = usage_from_stage(runtime, "shop-api", "prod", days=DAYS)
    assert usage.api_type == "rest"
    assert usage.region == REGION
    assert usage.requests == DAILY_REQUESTS * 30  # 10 days of 100,000 scaled to a 30-day month
    assert usage.cache_gb == D("0.5")
    assert usage.waf is not None
    assert (usage.waf.web_acls, usage.waf.rules) == (1, 2)
    fn = usage.lambda_
    assert fn is not None
    assert (fn.memory_mb, fn.duration_ms, fn.arch, fn.requests) == (1024, 80, "arm64", DAILY_REQUESTS * 30)
    tiers = {t.name: t for t in usage.tiers}
    assert {n: t.keys for n, t in tiers.items()} == {"free": 3, "premium": 1}
    assert tiers["free"].quota_per_key == 1000
    assert tiers["premium"].rate_per_second == 1000
    # GetUsage is unavailable in moto: the Count is shared by keys x quota (3,000 : 1,000,000)
    assert sum(t.requests for t in usage.tiers) == pytest.approx(DAILY_REQUESTS * 30, abs=1)
    assert tiers["free"].requests == round(D(3_000_000) * 3000 / 1_003_000)
    assert any("per-key usage unavailable" in n and "GetUsage" in n for n in usage.notes)

    est = estimate(usage, load_catalog(use_cache=False))
    lines = {c.component: round(c.usd, 2) for c in est.components}
    assert any("per-key usage unavailable" in a for a in est.assumptions)
    # 3M requests x $3.50/M; 0.5 GB cache 730 h x $0.02; 3M x $0.20/M; 3M x 0.08 s x 1 GB x $0.0000133334;
    # WAF: $5 web ACL + 2 rules x $1 + 3M x $0.60/M
    assert lines == {
        "api-requests": D("10.50"),
        "cache-0.5gb": D("14.60"),
        "lambda-requests": D("0.60"),
        "lambda-duration": D("3.20"),
        "waf-web-acls": D("5.00"),
        "waf-rules": D("2.00"),
        "waf-requests": D("1.80"),
    }


def test_live_usage_of_an_http_api(runtime: Runtime) -> None:
    """HTTP API metrics are keyed by ApiId; its Lambda is found through GetRoutes + GetIntegrations."""
    usage = usage_from_stage(runtime, "shop-http", "$default", days=DAYS)
    assert usage.api_type == "http"
    assert usage.requests == 7000 * 30
    assert usage.tiers == ()
    assert usage.waf is None
    assert usage.lambda_ is not None
    assert usage.lambda_.memory_mb == 1024


def test_unknown_api_is_a_usage_error(runtime: Runtime) -> None:
    from apigwops.errors import UsageError

    with pytest.raises(UsageError):
        usage_from_stage(runtime, "no-such-api", "prod", days=DAYS)


def test_per_key_usage_from_get_usage(runtime: Runtime) -> None:
    """GetUsage, which moto lacks, answered by a before-call hook with an AWS-shaped payload (validated
    against the service model) while moto serves every other call. Shape per
    https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html: `items` maps each key id to one
    `[used, remaining]` pair per day."""
    from botocore.awsrequest import AWSResponse
    from botocore.validate import ParamValidator

    from apigwops.cost.allocation import UNATTRIBUTED
    from apigwops.cost.estimator import estimate

    apig = runtime.aws.client("apigateway")
    plans = {p["name"]: p["id"] for p in apig.get_usage_plans()["items"]}
    per_day = {"free": 30, "premium": 20_000}
    asked: list[dict[str, Any]] = []

    def get_usage(model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if model.name != "GetUsage":
            return None
        # before-call sees the serialized request: GET /usageplans/{usagePlanId}/usage?startDate=&endDate=
        plan_id = params["url_path"].split("/")[2]
        query = params["query_string"]
        asked.append(query)
        name = next(n for n, pid in plans.items() if pid == plan_id)
        keys = [k["id"] for k in apig.get_usage_plan_keys(usagePlanId=plan_id)["items"]]
        quota = 1000 if name == "free" else 1_000_000
        # two pages: the first key, then (after `position`) the others
        page_keys = keys[1:] if query.get("position") else keys[:1]
        payload: dict[str, Any] = {
            "usagePlanId": plan_id,
            "startDate": query["startDate"],
            "endDate": query["endDate"],
            "items": {
                k: [[per_day[name], quota - per_day[name] * (d + 1)] for d in range(DAYS)] for k in page_keys
            },
        }
        if not query.get("position") and len(keys) > 1:
            payload["position"] = "next-page"
        report = ParamValidator().validate(payload, model.output_shape)
        assert not report.has_errors(), report.generate_report()
        return AWSResponse("https://stub", 200, {}, None), payload

    apig.meta.events.register("before-call.api-gateway.GetUsage", get_usage)
    usage = usage_from_stage(runtime, "shop-api", "prod", days=DAYS)
    assert len(asked) == 3  # free: two pages, premium: one
    assert [p.get("position") for p in asked].count("next-page") == 1
    assert {p["startDate"] for p in asked} == {"2026-11-14"}
    assert {p["endDate"] for p in asked} == {"2026-11-24"}
    tiers = {t.name: t.requests for t in usage.tiers}
    assert tiers == {"free": 3 * 30 * DAYS * 3, "premium": 20_000 * DAYS * 3}  # x3: 10 days -> 30
    assert not any("per-key usage unavailable" in n for n in usage.notes)
    est = estimate(usage, load_catalog(use_cache=False))
    rows = {t.tier: t for t in est.tiers}
    assert rows[UNATTRIBUTED].requests == usage.requests - sum(tiers.values())
    assert round(sum((t.usd for t in est.tiers), D(0)), 2) == round(est.total_usd, 2)
