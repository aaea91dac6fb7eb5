"""`--token JWT`: why would API Gateway reject this token? Checked locally, with no key and no secret.

A 401 from a JWT or Cognito authorizer says only "Unauthorized"; the reason is in the token's claims and
the authorizer's configuration. The rules are AWS's (signals reference C04-C08): an HTTP API JWT authorizer
checks `iss` against its issuer, `aud` (or `client_id` when `aud` is absent) against its audiences, `exp`,
`nbf` and `iat`, accepts only RSA-signed tokens, and requires one of the route's scopes; a REST Cognito
authorizer wants an ID token on a method without scopes and an access token carrying one of the scopes
otherwise. The signature is not verified (pyjwt with `verify_signature=False`): the question is what the
claims say, not who made them. The token itself never leaves this module: findings hold a claims summary
(no signature, no subject) and messages never quote it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from apigwops.model import ApiConfig, Authorizer, Route, TokenFinding
from apigwops.timewindow import Window, iso

# The problems `TokenFinding.problems` can name; playbooks map them to finding ids (auth-token-*).
EXPIRED = "expired"  # auth-token-expired
NOT_YET_VALID = "not-yet-valid"  # auth-token-invalid
ISSUER_MISMATCH = "issuer-mismatch"  # auth-token-invalid
AUDIENCE_MISMATCH = "audience-mismatch"  # auth-token-audience-mismatch
WRONG_TOKEN_USE = "wrong-token-use"  # auth-token-wrong-type-or-scope
MISSING_SCOPE = "missing-scope"  # auth-token-wrong-type-or-scope
UNSUPPORTED_ALGORITHM = "unsupported-algorithm"  # auth-token-invalid
INVALID = "invalid"  # auth-token-invalid: not a JWT at all

TOKEN_AUTHORIZER_TYPES = frozenset({"JWT", "COGNITO_USER_POOLS"})
CLOCK_SKEW = timedelta(minutes=5)
SUMMARY_CLAIMS = ("iss", "aud", "client_id", "token_use", "scope", "scp", "exp", "nbf", "iat", "auth_time")
TIME_CLAIMS = frozenset({"exp", "nbf", "iat", "auth_time"})


class _Result:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.details: list[str] = []

    def problem(self, name: str, detail: str) -> None:
        if name not in self.problems:
            self.problems.append(name)
        self.details.append(detail)

    def note(self, detail: str) -> None:
        self.details.append(detail)


def check_token(token: str, config: ApiConfig, window: Window, route: str | None = None) -> TokenFinding:
    """The problems API Gateway would find with this token on this API (or on one route of it)."""
    import jwt

    result = _Result()
    value = _normalise(token, result)
    try:
        header = jwt.get_unverified_header(value)
        claims = jwt.decode(value, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        result.problem(INVALID, f"not a readable JWT ({_safe_error(exc, value)})")
        return TokenFinding(tuple(result.problems), tuple(result.details), {})
    if not isinstance(claims, dict):
        result.problem(INVALID, "the JWT payload is not a JSON object")
        return TokenFinding(tuple(result.problems), tuple(result.details), {})

    target = _route(config, route, result)
    authorizer = _authorizer(config, target, claims, result)
    _check_times(claims, window, result)
    if authorizer is not None:
        _check_issuer(claims, authorizer, result)
        if authorizer.type == "JWT":
            _check_audience(claims, authorizer, result)
            _check_algorithm(header, result)
        _check_type_and_scopes(claims, authorizer, target, result)
    summary = _summary(claims, header, authorizer, target)
    return TokenFinding(tuple(result.problems), tuple(result.details), summary)


def _normalise(token: str, result: _Result) -> str:
    """Users paste the Authorization header's value; API Gateway's JWT authorizer also accepts 'Bearer '."""
    value = token.strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
        result.note(
            "the value starts with 'Bearer ', removed before decoding (HTTP API JWT authorizers accept the prefix)"
        )
    if any(ch.isspace() for ch in value):
        result.note("the token contains whitespace, which breaks it when sent in a header")
    return "".join(value.split())


def _safe_error(exc: BaseException, token: str) -> str:
    text = f"{type(exc).__name__}: {exc}"
    for part in {token, *token.split(".")}:
        if len(part) >= 8:
            text = text.replace(part, "<redacted>")
    return text


def _route(config: ApiConfig, route: str | None, result: _Result) -> Route | None:
    if not route:
        return None
    wanted = " ".join(route.split())
    method, _, path = wanted.partition(" ")
    normalised = f"{method.upper()} {path}" if path else wanted
    for candidate in config.routes:
        if candidate.key in (wanted, normalised):
            return candidate
    known = ", ".join(r.key for r in config.routes) or "none"
    result.note(f"route {wanted!r} is not one of the API's routes ({known}); checked against its authorizers")
    return None


def _authorizer(
    config: ApiConfig, route: Route | None, claims: dict[str, Any], result: _Result
) -> Authorizer | None:
    by_id = {a.id: a for a in config.authorizers}
    if route is not None:
        authorizer = by_id.get(route.authorizer_id or "")
        if authorizer is None or authorizer.type not in TOKEN_AUTHORIZER_TYPES:
            result.note(
                f"route {route.key} uses {route.authorization} authorization, not a JWT or Cognito authorizer; "
                "only the token's times were checked"
            )
            return None
        return authorizer
    candidates = [a for a in config.authorizers if a.type in TOKEN_AUTHORIZER_TYPES]
    if not candidates:
        result.note("the API has no JWT or Cognito authorizer; only the token's times were checked")
        return None
    if len(candidates) == 1:
        return candidates[0]
    same_issuer = [a for a in candidates if a.issuer and a.issuer == claims.get("iss")]
    if same_issuer:
        return same_issuer[0]
    issuers = ", ".join(sorted({a.issuer or "?" for a in candidates}))
    result.problem(
        ISSUER_MISMATCH, f"iss {claims.get('iss')!r} matches none of the API's authorizers ({issuers})"
    )
    return None


def _when(claims: dict[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _minutes(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _check_times(claims: dict[str, Any], window: Window, result: _Result) -> None:
    expires = _when(claims, "exp")
    if expires is None:
        result.note("the token has no exp claim")
    elif expires <= window.start:
        result.problem(
            EXPIRED,
            f"exp {iso(expires)} is {_minutes(window.start - expires)} before the window start; every request in it was rejected",
        )
    elif expires <= window.end:
        result.problem(
            EXPIRED,
            f"exp {iso(expires)} is {_minutes(window.end - expires)} before the window end; requests after it were rejected",
        )
    not_before = _when(claims, "nbf")
    if not_before is not None and not_before > window.end + CLOCK_SKEW:
        result.problem(NOT_YET_VALID, f"nbf {iso(not_before)} is after the window end")
    issued = _when(claims, "iat")
    if issued is not None and issued > window.end + CLOCK_SKEW:
        result.problem(
            NOT_YET_VALID, f"iat {iso(issued)} is in the future of the window (clock skew at the issuer?)"
        )


def _check_issuer(claims: dict[str, Any], authorizer: Authorizer, result: _Result) -> None:
    issuer = claims.get("iss")
    if not authorizer.issuer or issuer == authorizer.issuer:
        return
    hint = (
        " (they differ only by a trailing slash, which still fails)"
        if str(issuer).rstrip("/") == authorizer.issuer.rstrip("/")
        else ""
    )
    result.problem(
        ISSUER_MISMATCH,
        f"iss {issuer!r} is not the issuer of authorizer {authorizer.name!r} ({authorizer.issuer!r}){hint}",
    )


def _as_strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def _check_audience(claims: dict[str, Any], authorizer: Authorizer, result: _Result) -> None:
    """HTTP API JWT authorizers use `aud`, and `client_id` only when `aud` is absent (Cognito access tokens)."""
    if not authorizer.audience:
        return
    source = "aud" if "aud" in claims else "client_id"
    offered = _as_strings(claims.get(source))
    if not set(offered) & set(authorizer.audience):
        shown = offered or "absent"
        result.problem(
            AUDIENCE_MISMATCH,
            f"{source} {shown} is not one of the audiences of authorizer {authorizer.name!r} ({list(authorizer.audience)})",
        )


def _check_algorithm(header: dict[str, Any], result: _Result) -> None:
    algorithm = str(header.get("alg", ""))
    if not algorithm.startswith(("RS", "PS")):
        result.problem(
            UNSUPPORTED_ALGORITHM, f"alg {algorithm or 'none'}: JWT authorizers accept only RSA-signed tokens"
        )


def _token_scopes(claims: dict[str, Any]) -> set[str]:
    scopes: set[str] = set()
    for name in ("scope", "scp"):
        for value in _as_strings(claims.get(name)):
            scopes.update(value.split())
    return scopes


def _check_type_and_scopes(
    claims: dict[str, Any], authorizer: Authorizer, route: Route | None, result: _Result
) -> None:
    if route is None:
        result.note("no --route given: token type and scopes were not checked against a route")
        return
    wanted = set(route.scopes)
    token_use = claims.get("token_use")
    if authorizer.type == "COGNITO_USER_POOLS":
        expected = "access" if wanted else "id"
        if token_use != expected:
            why = "has authorization scopes" if wanted else "has no authorization scopes"
            result.problem(
                WRONG_TOKEN_USE,
                f"{route.key} {why}, so its Cognito authorizer wants an {expected} token; this token_use is {token_use!r}",
            )
            return
    if wanted and not wanted & _token_scopes(claims):
        have = sorted(_token_scopes(claims)) or "none"
        result.problem(
            MISSING_SCOPE, f"{route.key} needs one of the scopes {sorted(wanted)}; the token has {have}"
        )


def _summary(
    claims: dict[str, Any], header: dict[str, Any], authorizer: Authorizer | None, route: Route | None
) -> dict[str, Any]:
    """What a human needs to see, and nothing that would let someone replay the token."""
    summary: dict[str, Any] = {"alg": header.get("alg"), "kid": header.get("kid")}
    for name in SUMMARY_CLAIMS:
        if name not in claims:
            continue
        moment = _when(claims, name) if name in TIME_CLAIMS else None
        summary[name] = iso(moment) if moment else claims[name]
    if authorizer is not None:
        summary["authorizer"] = f"{authorizer.name} ({authorizer.id}, {authorizer.type})"
    if route is not None:
        summary["route"] = route.key
    return {k: v for k, v in summary.items() if v is not None}
