"""smoke with only `--url`: the routes come from API Gateway when the URL names an API it can read.

Against a real moto server over HTTP; no load is sent (only `build_request` runs), so the execute-api host in
the URL is never contacted.
"""

from __future__ import annotations

import boto3

from apigwops.aws.session import AwsContext
from apigwops.aws.settings import AwsSettings
from apigwops.loadtest.request import RunFlags, build_request
from apigwops.progress import RecordingProgress
from apigwops.runtime import Runtime


def _rest_api(endpoint: str) -> str:
    writer = boto3.client("apigateway", endpoint_url=endpoint, region_name="us-east-1")
    api_id = str(writer.create_rest_api(name="orders-api")["id"])
    root = next(r["id"] for r in writer.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    for path, method in (("users", "GET"), ("orders", "POST")):
        resource = writer.create_resource(restApiId=api_id, parentId=root, pathPart=path)
        writer.put_method(
            restApiId=api_id, resourceId=resource["id"], httpMethod=method, authorizationType="NONE"
        )
    return api_id


def test_smoke_with_only_an_execute_api_url_loads_its_get_routes(moto_endpoint: str) -> None:
    api_id = _rest_api(moto_endpoint)
    progress = RecordingProgress()
    runtime = Runtime(
        aws=AwsContext(AwsSettings(endpoint_url=moto_endpoint, region="us-east-1")), progress=progress
    )
    url = f"https://{api_id}.execute-api.us-east-1.amazonaws.com/staging"
    request = build_request(runtime, RunFlags(url=url, run_time="2s", workers=1, locust_config=False))
    assert request.plan.params["routes"] == [["GET", "/users"]]  # POST /orders is never guessed at
    assert not request.default_route
    assert any("routes from API" in step for step in progress.steps)


def test_an_unknown_api_falls_back_to_the_default_path(moto_endpoint: str) -> None:
    runtime = Runtime(aws=AwsContext(AwsSettings(endpoint_url=moto_endpoint, region="us-east-1")))
    url = "https://abcdefghij.execute-api.us-east-1.amazonaws.com/staging"
    request = build_request(runtime, RunFlags(url=url, run_time="2s", workers=1, locust_config=False))
    assert request.plan.params["routes"] == [["GET", "/"]]
    assert request.default_route
