"""The WAF step of REST stages: the web ACL judges the request before API Gateway routes it (§1.1, §7).

A block answers 403 `WAF_FILTERED` (`responses.py`); allowed or blocked, the verdict and the request as WAF saw
it go into the record, for the WAF log and the `AWS/WAFV2` metrics (`records.py`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from apigwops.sandbox.exchange import Recorded, StageRequest
from apigwops.sandbox.faults import FaultSet
from apigwops.sandbox.waf import COUNTRY_HEADER, WafRequest, WebAcl


@dataclass(frozen=True)
class WafContext:
    """What the WAF step needs from its stage: the web ACL, faults and dice."""

    web_acl: WebAcl
    faults: FaultSet
    rng: random.Random


def screen(waf: WafContext, req: StageRequest, rec: Recorded) -> bool:
    """True when the web ACL blocks the request."""
    forwarded = req.headers.get("x-forwarded-for", "").split(",")[0].strip() or None
    wreq = WafRequest(
        client_ip=req.peer_ip,
        forwarded_ip=forwarded,
        country=req.headers.get(COUNTRY_HEADER, "US").upper(),
        method=req.method,
        uri=req.path,
        args=req.query,
        body=req.body.decode("utf-8", "replace"),
        headers=tuple((k, v) for k, v in req.headers.items()),
    )
    verdict = waf.web_acl.evaluate(
        wreq, force_sqli=waf.faults.hit("waf-sqli"), force_rate=waf.faults.hit("waf-rate-limit")
    )
    rec.waf, rec.waf_request = verdict, wreq
    ctx = rec.context
    ctx["waf.latency"] = str(waf.rng.randint(1, 3))
    ctx["waf.status"] = "403" if verdict.blocked else "200"
    ctx["wafResponseCode"] = "WAF_BLOCK" if verdict.blocked else "WAF_ALLOW"
    return verdict.blocked
