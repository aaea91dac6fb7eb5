"""The closed vocabulary playbooks are written in: request fields, signals and symptom families.

Keeping the names in one table lets `apigwops playbooks validate` reject a typo offline, lets
`apigwops playbooks show --signals` document them, and keeps the engine the only place that computes them.
"""

from __future__ import annotations

from apigwops.evidence.model import ACCESS_LOG_FIELDS, DERIVED_COLUMNS

# Symptom families: a finding's `share` is over the failing requests of its family.
SYMPTOM_FAMILIES = ("401", "403", "429", "5xx", "latency", "any")
# The SYMPTOM argument of `apigwops diagnose` and the family each narrows to.
CLI_SYMPTOMS: dict[str, str] = {
    "auto": "",
    "401": "401",
    "403": "403",
    "429": "429",
    "5xx": "5xx",
    "502": "5xx",
    "504": "5xx",
    "latency": "latency",
}

# Columns the engine adds to the requests table before playbooks look at it (see diagnose/features.py).
FEATURE_COLUMNS: dict[str, str] = {
    "authorizer_type": "type of the authorizer on the request's route (TOKEN, REQUEST, COGNITO_USER_POOLS, JWT, AWS_IAM)",
    "authorization": "the route's authorization (NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS, JWT)",
    "integration_type": "the route's integration type (AWS_PROXY, AWS, HTTP_PROXY, HTTP, MOCK)",
    "connection_type": "the route's connection type (INTERNET, VPC_LINK)",
    "lambda_integration": "true when the route integrates with a Lambda function",
    "api_key_required": "true when the route requires an API key",
    "timeout_ms": "the route's integration timeout (default 29000 on REST, 30000 on HTTP APIs)",
    "near_timeout": "response or integration latency within 100 ms of the integration timeout",
    "usage_plan_rate": "rate limit of the usage plan holding the request's API key",
    "over_key_rate": "the request's API key sent more requests in that second than its usage plan's rate",
    "over_stage_rate": "the stage received more requests in that second than its throttle rate",
    "lambda_timed_out": "the Lambda invocation behind the request logged 'Task timed out'",
    "lambda_completed": "the Lambda invocation behind the request logged its REPORT without 'Task timed out'",
    "cold_start": "the Lambda invocation behind the request had an Init Duration (cold start)",
    "gateway_overhead": "responseLatency minus integration latency, in ms",
    "slow": "response latency at or above the latency threshold",
    "failed": "status 400 or above",
}
REQUEST_COLUMNS = frozenset(ACCESS_LOG_FIELDS) | frozenset(DERIVED_COLUMNS) | frozenset(FEATURE_COLUMNS)

SIGNALS: dict[str, str] = {
    # the stage and the window
    "api_id": "API id",
    "api_name": "API name",
    "api_type": "REST, HTTP or WEBSOCKET",
    "stage": "stage name",
    "region": "AWS Region",
    "window_minutes": "length of the window in minutes",
    "onset": "when the error rate left its baseline (ISO 8601) or empty",
    # traffic
    "requests": "requests in the window (access logs, else the Count metric)",
    "failures": "requests with status >= 400",
    "status_4xx": "4xx responses",
    "status_5xx": "5xx responses",
    "failures_since_onset": "failing requests from the onset on",
    "error_rate": "failures / requests",
    "peak_rps": "highest requests in one second (access logs)",
    "slow_requests": "requests at or above the latency threshold",
    "latency_threshold_ms": "the latency threshold in ms",
    "p50_ms": "median response latency",
    "p99_ms": "99th percentile response latency",
    # evidence coverage
    "access_logs": "access-log lines were read",
    "execution_logging": "REST/WebSocket execution logging level (OFF, ERROR, INFO) or empty",
    "missing_field_count": "access-log fields the stage's format lacks",
    "blind_spot_count": "conclusions the evidence could not reach",
    "blind_spot_summary": "what could not be concluded, in one line",
    "logging_format_hint": "the access-log format to set (apigwops recommended format for this API type)",
    # Lambda
    "function_name": "the Lambda function behind the matched requests (else the API's first function)",
    "function_timeout_s": "that function's timeout in seconds",
    "function_reserved_concurrency": "that function's reserved concurrency",
    "function_permission_missing": "a function's resource policy does not let API Gateway invoke it",
    "function_permission_detail": "why the invoke permission looks missing",
    "lambda_throttles": "AWS/Lambda Throttles (Sum) in the window",
    "lambda_errors": "AWS/Lambda Errors (Sum) in the window",
    "lambda_cold_starts": "Lambda REPORT lines with an Init Duration",
    "lambda_max_init_ms": "longest Init Duration in ms",
    "lambda_timeouts": "Lambda 'Task timed out' lines",
    # WAF
    "web_acl_arn": "web ACL associated with the stage",
    "waf_blocked": "WAF BLOCK records (logs or samples) or BlockedRequests",
    "waf_top_rule": "the terminating rule that blocked most (managed group / inner rule)",
    "waf_top_rule_type": "its type (REGULAR, RATE_BASED, MANAGED_RULE_GROUP, GROUP)",
    "waf_top_rule_count": "blocks by that rule",
    "waf_rate_based_blocked": "blocks by RATE_BASED rules",
    # cache
    "cache_enabled": "stage cache enabled",
    "cache_hits": "CacheHitCount (Sum)",
    "cache_misses": "CacheMissCount (Sum)",
    "cache_hit_ratio": "hits / (hits + misses)",
    # throttling configuration
    "stage_throttle_rate": "stage throttle rate (requests/s)",
    "stage_throttle_burst": "stage throttle burst",
    "account_throttle_rate": "account throttle rate in the Region",
    "account_throttle_burst": "account throttle burst",
    "usage_plan_id": "usage plan of the matched requests' top API key (else the first plan)",
    "usage_plan_name": "its name",
    "usage_plan_rate": "its rate limit",
    "usage_plan_burst": "its burst limit",
    "usage_plan_quota": "its quota limit",
    "usage_plan_period": "its quota period",
    # access control configuration
    "has_resource_policy": "the API has a resource policy",
    "resource_policy_vpce": "the resource policy names aws:SourceVpce / aws:SourceVpc (a private API)",
    "authorizer_id": "authorizer on the matched requests' top route (else the first authorizer)",
    "authorizer_name": "its name",
    "authorizer_type": "its type",
    "authorizer_audience": "its JWT audience / client ids",
    "authorizer_issuer": "its issuer",
    "authorizer_ttl_s": "its result cache TTL",
    # --token
    "token_checked": "a token was given with --token and checked",
    "token_expired": "the token had expired",
    "token_audience_mismatch": "the token's aud/client_id is not one the authorizer accepts",
    "token_wrong_type_or_scope": "ID token where an access token is needed, or a scope is missing",
    "token_invalid": "the token is malformed, unsigned by the issuer, or from another issuer",
    "token_detail": "what the token check found, in one line",
    # changes
    "recent_change": "a deployment, stage update or function update close to the onset",
    "change_kind": "deployment, stage-update or function-update",
    "change_subject": "deployment id, stage or function name",
    "change_time": "when (ISO 8601)",
    "change_lead_minutes": "minutes between the change and the onset",
    "change_detail": "what changed",
    # per finding (over the requests its `match` selected)
    "matched": "requests the finding's match selected (and no earlier finding of the playbook explained)",
    "symptom_failures": "failing requests of the finding's symptom family",
    "unexplained": "failing requests of the family no earlier finding of the playbook explained; as a count, the finding claims them",
    "count": "the finding's count",
    "share": "count / symptom_failures",
    "top_route": "route with most matched requests",
    "top_route_count": "matched requests on that route",
    "top_status": "most common status among matched requests",
    "top_message": "most common error text among matched requests",
    "top_api_key": "API key id with most matched requests (last 4 characters only)",
    "matched_keys": "distinct API keys among matched requests",
    "matched_p50_ms": "median response latency of matched requests",
    "matched_p99_ms": "p99 response latency of matched requests",
    "matched_max_ms": "max response latency of matched requests",
    "matched_integration_p50_ms": "median integration latency of matched requests",
    "matched_authorizer_p50_ms": "median authorizer latency of matched requests",
    "matched_overhead_p50_ms": "median gateway overhead of matched requests",
    "timeout_ms": "integration timeout of the top route",
    "exec_log_lines": "execution-log lines of matched requests that the match named",
    "first_seen": "first matched request (ISO 8601)",
    "last_seen": "last matched request (ISO 8601)",
}

# What a playbook may list under `evidence:`: the evidence checks it reads (the `checks[].id` of the JSON report,
# without the `:name` some carry, e.g. `lambda-logs:orders-fn`). Validated offline by the schema; tests tie the
# list to what the collector really reports (tests/unit/diagnose/test_playbook_fields.py and
# tests/functional/evidence/test_collect.py), so a renamed check cannot leave a playbook naming a ghost.
EVIDENCE_CHECKS: dict[str, str] = {
    "access-logs": "the stage's access log (CloudWatch Logs)",
    "execution-logs": "REST execution logs (API-Gateway-Execution-Logs_{api-id}/{stage})",
    "lambda-logs": "each integrated function's log group (/aws/lambda/{name})",
    "waf-logs": "the web ACL's log group (aws-waf-logs-*)",
    "waf-sampled-requests": "AWS WAF GetSampledRequests",
    "waf-metrics": "AWS WAF's CloudWatch metrics (AWS/WAFV2)",
    "metrics": "the stage's and functions' CloudWatch metrics (sums and averages)",
    "metrics-percentiles": "latency percentiles (p50, p90, p99)",
    "token": "the --token checked locally against the authorizer",
    "config-account": "the account's API Gateway settings (throttle)",
    "config-routes": "resources and methods, or routes",
    "config-integrations": "integrations (HTTP and WebSocket APIs)",
    "config-authorizers": "authorizers",
    "config-authorizer": "one authorizer's details",
    "config-usage-plans": "usage plans",
    "config-usage-plan-keys": "the API keys of a usage plan",
    "config-usage": "usage of a usage plan's keys",
    "config-api-keys": "API keys",
    "config-deployments": "deployments (recent changes)",
    "config-waf-acl": "the web ACL associated with the stage",
    "config-waf-logging": "the web ACL's logging configuration",
    "config-lambda": "each integrated function's configuration",
    "config-lambda-concurrency": "each function's reserved concurrency",
    "config-lambda-policy": "each function's resource policy (invoke permission)",
}
