"""The authorizer step: REST Cognito user-pool authorizer and HTTP JWT authorizer (signals reference §4.1, §4.2).

Identity source missing: 401 without invoking or logging the authorizer (C01). Otherwise the token is checked
(signature, issuer, audience/client_id, expiry, token_use), then the faults that change the outcome apply.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from apigwops.sandbox.exchange import Recorded, StageReply, StageRequest
from apigwops.sandbox.faults import FaultSet
from apigwops.sandbox.responses import gateway_error, http_error
from apigwops.sandbox.tokens import TokenAuthority, TokenCheck


@dataclass(frozen=True)
class AuthorizerContext:
    """What the authorizer step needs from its stage: the authorizer's id, the token checker, faults and dice."""

    authorizer_id: str
    tokens: TokenAuthority
    faults: FaultSet
    rng: random.Random


def authorize(auth: AuthorizerContext, req: StageRequest, rec: Recorded) -> StageReply | None:
    """None when the request may go on; otherwise the 401/403/500 the authorizer causes."""
    ctx = rec.context
    rest = rec.rest
    header = req.headers.get("authorization")
    if auth.faults.hit("missing-identity-source"):
        header = None
    if not header:
        # Identity source missing: 401 without invoking or logging the authorizer (§4.1 C01, LAUTH).
        return _unauthorized(rec, TokenCheck(None, "missing"))
    auth_ms = auth.rng.uniform(4.0, 15.0)
    if auth.faults.hit("slow-authorizer"):
        auth_ms += auth.rng.uniform(1000.0, 3000.0)
    rec.authorizer_latency_ms = auth_ms
    if rest:  # HTTP APIs log only $context.authorizer.error of these (§5)
        ctx["authorizer.latency"] = str(round(auth_ms))
        ctx["authorizer.integrationLatency"] = str(round(auth_ms * 0.8))
        rid = ctx["requestId"]
        rec.exec_lines.append(f"Starting authorizer: {auth.authorizer_id} for request: {rid}")
    if auth.faults.hit("authorizer-error"):
        ctx["authorizer.error"] = "Authorizer configuration error"
        if rest:
            ctx["authorizer.status"] = "500"
            rec.exec_lines.append("Execution failed due to configuration error: Authorizer error")
            return gateway_error(rec, "authorizer-config")
        return http_error(rec, 500, "AUTHORIZER_CONFIGURATION_ERROR", "Internal Server Error")
    check = auth.tokens.check(header, require_id_token=rest)
    if check.ok and auth.faults.hit("expired-tokens"):
        check = TokenCheck(check.claims, "expired")
    if check.ok and auth.faults.hit("wrong-audience"):
        check = TokenCheck(check.claims, "audience")
    if check.ok and auth.faults.hit("authorizer-unauthorized"):
        check = TokenCheck(check.claims, "invalid")
    if not check.ok:
        ctx["authorizer.status"] = "401" if rest else "-"
        return _unauthorized(rec, check)
    claims = check.claims or {}
    ctx["authorizer.status"] = "200" if rest else "-"
    ctx["authorizer.principalId"] = str(claims.get("sub", "-"))
    ctx["authorizer.claims.sub"] = str(claims.get("sub", "-"))
    if auth.faults.hit("authorizer-deny"):
        # The authorizer answered with a Deny policy (§4.2 C21): 403 AccessDeniedException on REST.
        if rest:
            ctx["authorizer.status"] = "403"
            rec.exec_lines.append(
                f'Authorizer result body before parsing: {{"principalId":"{claims.get("sub")}",'
                '"policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke",'
                '"Effect":"Deny","Resource":"*"}]}}'
            )
            return gateway_error(rec, "authorizer-deny")
        return http_error(rec, 403, "ACCESS_DENIED", "Forbidden")
    if rest:
        rec.exec_lines.append("Successfully completed authorizer execution")
    return None


def _unauthorized(rec: Recorded, check: TokenCheck) -> StageReply:
    ctx = rec.context
    if rec.rest:
        if check.problem != "missing":
            rec.exec_lines.append(f"Unauthorized request: {ctx['requestId']}")
        return gateway_error(rec, "token-expired" if check.problem == "expired" else "unauthorized")
    # HTTP JWT authorizer: 401 + www-authenticate (§3.2, §4.1 C07/C08). Only the audience description is
    # documented by AWS; the others are the same style, marked [UNCONFIRMED] in docs/sandbox.md.
    descriptions = {
        "audience": "the token does not have a valid audience",
        "expired": "the token has expired",
        "issuer": "the token does not have a valid issuer",
        "invalid": "the token is not valid",
    }
    challenge = 'Bearer scope="" error="invalid_token"'
    if check.problem in descriptions:
        challenge += f' error_description="{descriptions[check.problem]}"'
        ctx["authorizer.error"] = descriptions[check.problem]
    reply = http_error(rec, 401, "UNAUTHORIZED", "Unauthorized")
    reply.headers.append(("www-authenticate", challenge))
    return reply
