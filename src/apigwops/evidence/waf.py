"""The stage's WAF web ACL: its rules (with metric names and sampling flags) and GetSampledRequests per rule.

Sampling answers "which rule, which IPs, countries and URIs" when WAF logging is off. AWS samples only from
the previous three hours (and from the first 5,000 requests of the window), so the window is clipped to that
and the clipping is said in the check; rules with sampling off are named rather than silently missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apigwops.evidence.parse.waflog import sample_rows, waf_frame
from apigwops.timewindow import Window
from apigwops.workers import DaemonPool

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_LOOKBACK = timedelta(hours=3)
MAX_SAMPLES = 500
DEFAULT_ACTION_RULE = "Default_Action"


@dataclass(frozen=True)
class WafRule:
    name: str
    metric_name: str
    type: str  # REGULAR | RATE_BASED | MANAGED_RULE_GROUP | GROUP
    sampled: bool


@dataclass(frozen=True)
class WebAcl:
    arn: str
    name: str
    metric_name: str
    sampled: bool  # sampling of requests that reached the default action
    rules: tuple[WafRule, ...]


def parse_web_acl_arn(arn: str) -> tuple[str, str, str]:
    """`arn:aws:wafv2:us-east-1:123:regional/webacl/NAME/ID` -> (scope, name, id)."""
    resource = arn.split(":", 5)[5]
    scope, kind, name, acl_id = resource.split("/", 3)
    if kind != "webacl":
        raise ValueError(f"not a web ACL ARN: {arn}")
    return ("CLOUDFRONT" if scope == "global" else "REGIONAL"), name, acl_id


def _rule_type(statement: dict[str, Any]) -> str:
    if "ManagedRuleGroupStatement" in statement:
        return "MANAGED_RULE_GROUP"
    if "RuleGroupReferenceStatement" in statement:
        return "GROUP"
    if "RateBasedStatement" in statement:
        return "RATE_BASED"
    return "REGULAR"


def describe_web_acl(client: Any, arn: str) -> WebAcl:
    scope, name, acl_id = parse_web_acl_arn(arn)
    acl = client.get_web_acl(Name=name, Scope=scope, Id=acl_id)["WebACL"]
    visibility = acl.get("VisibilityConfig", {})
    rules = tuple(
        WafRule(
            name=rule["Name"],
            metric_name=rule.get("VisibilityConfig", {}).get("MetricName", rule["Name"]),
            type=_rule_type(rule.get("Statement", {})),
            sampled=bool(rule.get("VisibilityConfig", {}).get("SampledRequestsEnabled")),
        )
        for rule in sorted(acl.get("Rules", []), key=lambda r: r.get("Priority", 0))
    )
    return WebAcl(
        arn=arn,
        name=acl.get("Name", name),
        metric_name=visibility.get("MetricName", name),
        sampled=bool(visibility.get("SampledRequestsEnabled")),
        rules=rules,
    )


def sample_window(window: Window, now: datetime) -> Window | None:
    """The part of the window GetSampledRequests can still see (the previous three hours), or None."""
    start = max(window.start, now - SAMPLE_LOOKBACK + timedelta(minutes=1))
    end = min(window.end, now)
    return Window(start, end) if start < end else None


@dataclass
class SampledResult:
    frame: pd.DataFrame
    window: Window | None
    unsampled_rules: tuple[str, ...]  # rules whose sampling is off: nothing to ask for
    population: int  # requests the samples were drawn from, summed over rules


def sampled_requests(client: Any, acl: WebAcl, window: Window, now: datetime) -> SampledResult:
    """Samples per rule with sampling on (and for the default action), fetched in parallel."""
    visible = sample_window(window, now)
    targets: list[tuple[str, str, str | None]] = [
        (r.name, r.metric_name, r.type) for r in acl.rules if r.sampled
    ]
    if acl.sampled:
        targets.append((DEFAULT_ACTION_RULE, acl.metric_name, None))
    unsampled = tuple(r.name for r in acl.rules if not r.sampled)
    if visible is None or not targets:
        return SampledResult(waf_frame([]), visible, unsampled, 0)

    def one(target: tuple[str, str, str | None]) -> tuple[list[dict[str, Any]], int]:
        rule_name, metric_name, rule_type = target
        answer = client.get_sampled_requests(
            WebAclArn=acl.arn,
            RuleMetricName=metric_name,
            Scope=parse_web_acl_arn(acl.arn)[0],
            TimeWindow={"StartTime": visible.start, "EndTime": visible.end},
            MaxItems=MAX_SAMPLES,
        )
        rows = sample_rows(answer.get("SampledRequests", []), rule_name=rule_name, rule_type=rule_type)
        return rows, int(answer.get("PopulationSize", 0))

    with DaemonPool(max_workers=min(8, len(targets)), thread_name_prefix="waf") as pool:
        answers = list(pool.map(one, targets))
    rows = [row for part, _ in answers for row in part]
    return SampledResult(waf_frame(rows), visible, unsampled, sum(n for _, n in answers))
