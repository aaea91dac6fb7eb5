"""The authorizer step: REST Cognito user-pool authorizer and HTTP JWT authorizer (signals reference §4.1, §4.2).

Identity source missing: 401 without invoking or logging the authorizer (C01). Otherwise the token is checked
(signature, issuer, audience/client_id, expiry, token_use), then the faults that change the outcome apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigwops.sandbox.tokens import TokenCheck

if TYPE_CHECKING:
    from apigwops.sandbox.pipeline import Pipeline, Recorded, StageReply, StageRequest


def authorize(stage: Pipeline, req: StageRequest, rec: Recorded) -> StageReply | None:
    ctx = rec.context
    header = req.headers.get("authorization")
    if stage.faults.hit("missing-identity-source"):
        header = None
    if not header:
        # Identity source missing: 401 without invoking or logging the authorizer (§4.1 C01, LAUTH).
        return _unauthorized(stage, rec, TokenCheck(None, "missing"))
    auth_ms = stage.rng.uniform(4.0, 15.0)
    if stage.faults.hit("slow-authorizer"):
        auth_ms += stage.rng.uniform(1000.0, 3000.0)
    rec.authorizer_latency_ms = auth_ms
    if stage.rest:  # HTTP APIs log only $context.authorizer.error of these (§5)
        ctx["authorizer.latency"] = str(round(auth_ms))
        ctx["authorizer.integrationLatency"] = str(round(auth_ms * 0.8))
        rid = ctx["requestId"]
        rec.exec_lines.append(f"Starting authorizer: {stage.api.authorizer_id} for request: {rid}")
    if stage.faults.hit("authorizer-error"):
        ctx["authorizer.error"] = "Authorizer configuration error"
        if stage.rest:
            ctx["authorizer.status"] = "500"
            rec.exec_lines.append("Execution failed due to configuration error: Authorizer error")
            return stage.gateway_error(rec, "authorizer-config")
        return stage.http_error(rec, 500, "AUTHORIZER_CONFIGURATION_ERROR", "Internal Server Error")
    check = stage.tokens.check(header, require_id_token=stage.rest)
    if check.ok and stage.faults.hit("expired-tokens"):
        check = TokenCheck(check.claims, "expired")
    if check.ok and stage.faults.hit("wrong-audience"):
        check = TokenCheck(check.claims, "audience")
    if check.ok and stage.faults.hit("authorizer-unauthorized"):
        check = TokenCheck(check.claims, "invalid")
    if not check.ok:
        ctx["authorizer.status"] = "401" if stage.rest else "-"
        return _unauthorized(stage, rec, check)
    claims = check.claims or {}
    ctx["authorizer.status"] = "200" if stage.rest else "-"
    ctx["authorizer.principalId"] = str(claims.get("sub", "-"))
    ctx["authorizer.claims.sub"] = str(claims.get("sub", "-"))
    if stage.faults.hit("authorizer-deny"):
        # The authorizer answered with a Deny policy (§4.2 C21): 403 AccessDeniedException on REST.
        if stage.rest:
            ctx["authorizer.status"] = "403"
            rec.exec_lines.append(
                f'Authorizer result body before parsing: {{"principalId":"{claims.get("sub")}",'
                '"policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke",'
                '"Effect":"Deny","Resource":"*"}]}}'
            )
            return stage.gateway_error(rec, "authorizer-deny")
        return stage.http_error(rec, 403, "ACCESS_DENIED", "Forbidden")
    if stage.rest:
        rec.exec_lines.append("Successfully completed authorizer execution")
    return None


def _unauthorized(stage: Pipeline, rec: Recorded, check: TokenCheck) -> StageReply:
    ctx = rec.context
    if stage.rest:
        if check.problem != "missing":
            rec.exec_lines.append(f"Unauthorized request: {ctx['requestId']}")
        return stage.gateway_error(rec, "token-expired" if check.problem == "expired" else "unauthorized")
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
    reply = stage.http_error(rec, 401, "UNAUTHORIZED", "Unauthorized")
    reply.headers.append(("www-authenticate", challenge))
    return reply
