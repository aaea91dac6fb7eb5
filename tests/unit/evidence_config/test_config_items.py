"""Raw API Gateway items to model records, quota periods and change detection, without AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from apigwops.aws.resolve import ResolvedApi
from apigwops.evidence.apigw_items import (
    api_key,
    parse_timestamp,
    plans_for_stage,
    rest_authorizer,
    rest_routes,
    usage_totals,
    v2_authorizer,
    v2_routes,
    with_stage_variables,
)
from apigwops.evidence.config import changes, quota_period
from apigwops.model import ApiInfo, LambdaFunction, StageConfig
from apigwops.timewindow import Window

FN = "arn:aws:lambda:us-east-1:123456789012:function"
END = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
WINDOW = Window(END - timedelta(minutes=30), END)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T12:00:00.000+0000", datetime(2024, 5, 1, 12, tzinfo=UTC)),  # AWS
        ("2026-11-24T07:17:01.986424000Z", datetime(2026, 11, 24, 7, 17, 1, 986424, tzinfo=UTC)),  # moto
        ("2024-05-01T12:00:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
    ],
)
def test_parse_timestamp(raw: str | None, expected: datetime | None) -> None:
    assert parse_timestamp(raw) == expected


def test_stage_variables_in_function_uris() -> None:
    assert with_stage_variables(f"{FN}:${{stageVariables.fn}}", {"fn": "live"}) == f"{FN}:live"
    routes = rest_routes(
        [
            {
                "path": "/pets",
                "resourceMethods": {
                    "GET": {
                        "authorizationType": "NONE",
                        "methodIntegration": {
                            "type": "AWS_PROXY",
                            "uri": f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}:${{stageVariables.fn}}/invocations",
                            "credentials": "arn:aws:iam::123456789012:role/apigw",
                        },
                    }
                },
            },
            {"path": "/"},  # a resource without methods yields no route
        ],
        {"fn": "pets-fn"},
    )
    ((route, role),) = routes
    assert route.key == "GET /pets"
    assert route.function_name == "pets-fn"
    assert role == "arn:aws:iam::123456789012:role/apigw"


def test_v2_routes_join_integrations() -> None:
    routes = v2_routes(
        [
            {"RouteKey": "$default", "Target": "integrations/i1", "AuthorizationType": "NONE"},
            {"RouteKey": "$connect", "AuthorizationType": "CUSTOM", "AuthorizerId": "au1"},
        ],
        [
            {
                "IntegrationId": "i1",
                "IntegrationType": "HTTP_PROXY",
                "IntegrationUri": "https://b.example.com",
                "ConnectionType": "VPC_LINK",
            }
        ],
        {},
    )
    by_key = {r.key: r for r, _ in routes}
    assert by_key["$default"].integration_type == "HTTP_PROXY"
    assert by_key["$default"].connection_type == "VPC_LINK"
    assert by_key["$default"].function_name is None
    assert by_key["$connect"].integration_type is None
    assert by_key["$connect"].authorizer_id == "au1"


def test_authorizers() -> None:
    rest = rest_authorizer(
        {
            "id": "a1",
            "name": "req",
            "type": "REQUEST",
            "identitySource": "method.request.header.Authorization, method.request.querystring.tenant",
            "authorizerUri": f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}:authz/invocations",
        },
        {},
    )
    assert rest.identity_source == (
        "method.request.header.Authorization",
        "method.request.querystring.tenant",
    )
    assert rest.function_name == "authz"
    assert rest.issuer is None
    v2 = v2_authorizer(
        {
            "AuthorizerId": "j1",
            "Name": "jwt",
            "AuthorizerType": "JWT",
            "IdentitySource": ["$request.header.Authorization"],
            "JwtConfiguration": {"Issuer": "https://issuer", "Audience": ["a", "b"]},
        },
        {},
    )
    assert (v2.issuer, v2.audience, v2.function_name) == ("https://issuer", ("a", "b"), None)


def test_plans_usage_and_keys() -> None:
    plans = [
        {"id": "p1", "apiStages": [{"apiId": "a1", "stage": "prod"}]},
        {"id": "p2", "apiStages": [{"apiId": "a1", "stage": "dev"}, {"apiId": "b2", "stage": "prod"}]},
        {"id": "p3"},
    ]
    assert [p["id"] for p in plans_for_stage(plans, "a1", "prod")] == ["p1"]
    assert usage_totals({"k1": [[10, 990], [5, 985]], "k2": []}) == {"k1": 15, "k2": 0}
    key = api_key({"id": "k1", "name": "n", "enabled": False}, "abcdefghijklmnopqrstuvwxyz")
    assert key.value_suffix == "wxyz"
    assert key.enabled is False
    assert api_key({"id": "k2"}, "short").value_suffix == ""  # too short to reveal even 4 characters


def test_quota_period() -> None:
    assert quota_period("DAY", WINDOW) == (date(2026, 11, 24), date(2026, 11, 24))
    assert quota_period("WEEK", WINDOW) == (date(2026, 11, 18), date(2026, 11, 24))
    assert quota_period("MONTH", WINDOW) == (date(2026, 11, 1), date(2026, 11, 24))
    spanning = Window(datetime(2026, 11, 23, 23, 0, tzinfo=UTC), END)
    assert quota_period(None, spanning) == (date(2026, 11, 23), date(2026, 11, 24))


def resolved_with(deployments: list[dict[str, object]], stage_updated: datetime | None) -> ResolvedApi:
    return ResolvedApi(
        info=ApiInfo("a1", "user-api", "REST", "prod", "us-east-1"),
        stage=StageConfig("prod", deployment_id="d2", last_updated=stage_updated),
        raw_api={},
        raw_stage={},
        deployments=tuple(deployments),  # type: ignore[arg-type]
    )


def test_changes_in_and_just_before_the_window() -> None:
    resolved = resolved_with(
        [
            {"id": "d0", "createdDate": END - timedelta(hours=5)},  # long before: not a recent change
            {"id": "d1", "createdDate": END - timedelta(minutes=80), "description": "hotfix"},  # just before
            {"id": "d2", "createdDate": END - timedelta(minutes=10)},
            {"id": "d3", "createdDate": END + timedelta(minutes=10)},  # after the window
            {"id": "d4"},  # no date
        ],
        stage_updated=END - timedelta(minutes=5),
    )
    functions = [
        LambdaFunction("fresh", last_modified=END - timedelta(minutes=20)),
        LambdaFunction("stale", last_modified=END - timedelta(days=3)),
        LambdaFunction("unknown"),
    ]
    found = changes(resolved, functions, WINDOW)
    assert [(c.kind, c.subject) for c in found] == [
        ("deployment", "d1"),
        ("function-update", "fresh"),
        ("deployment", "d2"),
        ("stage-update", "prod"),
    ]
    assert found[0].detail == "hotfix; not on this stage"
    assert found[2].detail == "the stage runs it"


def test_undefined_stage_variable_function() -> None:
    from apigwops.evidence.lambda_config import lambda_function, lambda_tasks

    name = "${stageVariables.fn}"
    resolved = resolved_with([], None)
    assert lambda_tasks(None, {name}) == {}  # type: ignore[arg-type]  # nothing to read, no client needed
    function = lambda_function(resolved, name, {}, [], [])
    assert function.invoke_permission is False
    assert "stage variable" in function.permission_detail


@pytest.mark.parametrize(
    ("logging", "expected"),
    [
        ({"LogFormat": "JSON", "LogGroup": "/aws/lambda/orders-fn"}, "JSON"),
        ({"LogFormat": "Text"}, "Text"),
        (None, None),
    ],
)
def test_function_log_format_comes_from_logging_config(
    logging: dict[str, str] | None, expected: str | None
) -> None:
    """GetFunctionConfiguration's LoggingConfig.LogFormat (Text | JSON) says which Lambda logs to expect (§15.3);
    older answers have no LoggingConfig at all."""
    from apigwops.evidence.lambda_config import lambda_function

    conf = {"FunctionName": "orders-fn", "Timeout": 10, "MemorySize": 512, "Runtime": "python3.12"}
    if logging is not None:
        conf["LoggingConfig"] = logging  # type: ignore[assignment]
    got = {"config-lambda:orders-fn": conf}
    function = lambda_function(resolved_with([], None), "orders-fn", got, [], [])
    assert function.log_format == expected
    assert function.timeout_s == 10
