"""`check_token` on RSA-signed JWTs made here with pyjwt and cryptography, against authorizer configs shaped
like collect_config's output (Cognito user pool on a REST method; JWT authorizer on an HTTP route).

Every test also asserts the token never appears in the finding (AWS rule sources: signals reference C04-C08).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from apigwops.evidence.token import check_token
from apigwops.model import ApiConfig, Authorizer, Route, StageConfig, TokenFinding
from apigwops.timewindow import Window

END = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
WINDOW = Window(END - timedelta(minutes=30), END)
POOL_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
JWT_ISSUER = "https://idp.example.com/"

COGNITO = Authorizer(
    "c1", "cognito", "COGNITO_USER_POOLS", ("method.request.header.Authorization",), POOL_ISSUER
)
JWT_AUTH = Authorizer("j1", "jwt", "JWT", ("$request.header.Authorization",), JWT_ISSUER, ("orders-client",))
REST = ApiConfig(
    stage=StageConfig("prod"),
    routes=(
        Route("GET /users", "COGNITO_USER_POOLS", "c1", scopes=("users/read",)),
        Route("GET /profile", "COGNITO_USER_POOLS", "c1"),
        Route("GET /health"),
    ),
    authorizers=(COGNITO,),
)
HTTP = ApiConfig(
    stage=StageConfig("$default"),
    routes=(Route("GET /orders", "JWT", "j1", scopes=("orders/read", "orders/admin")), Route("GET /open")),
    authorizers=(JWT_AUTH,),
)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make(key: rsa.RSAPrivateKey, alg: str = "RS256", **claims: Any) -> str:
    base: dict[str, Any] = {"sub": "user-1", "iat": int((END - timedelta(minutes=40)).timestamp())}
    base["exp"] = int((END + timedelta(hours=1)).timestamp())
    base.update(claims)
    base = {k: v for k, v in base.items() if v is not None}
    signing_key: Any = "a-shared-secret-of-enough-length-for-hs256" if alg.startswith("HS") else key
    return jwt.encode(base, signing_key, algorithm=alg, headers={"kid": "key-1"})


def check(token: str, config: ApiConfig, route: str | None = None) -> TokenFinding:
    finding = check_token(token, config, WINDOW, route)
    printed = json.dumps(dataclasses.asdict(finding), default=str) + repr(finding)
    for part in (token, token.rsplit(".", 1)[-1]):
        assert part not in printed  # neither the token nor its signature is ever kept
    return finding


def test_good_access_token_on_a_scoped_cognito_method(key: rsa.RSAPrivateKey) -> None:
    token = make(key, iss=POOL_ISSUER, token_use="access", scope="users/read openid", client_id="app1")
    finding = check(token, REST, "GET /users")
    assert finding.problems == ()
    assert finding.claims_summary["iss"] == POOL_ISSUER
    assert finding.claims_summary["token_use"] == "access"
    assert finding.claims_summary["exp"] == "2026-11-24T02:30:00Z"
    assert finding.claims_summary["alg"] == "RS256"
    assert finding.claims_summary["route"] == "GET /users"
    assert "sub" not in finding.claims_summary


def test_expired_token(key: rsa.RSAPrivateKey) -> None:
    token = make(key, iss=POOL_ISSUER, token_use="id", exp=int((END - timedelta(minutes=42)).timestamp()))
    finding = check(token, REST, "GET /profile")
    assert finding.problems == ("expired",)
    assert "12 minutes before the window start" in finding.details[0]
    during = make(key, iss=POOL_ISSUER, token_use="id", exp=int((END - timedelta(minutes=10)).timestamp()))
    finding = check(during, REST, "GET /profile")
    assert finding.problems == ("expired",)
    assert "10 minutes before the window end" in finding.details[0]


def test_wrong_audience_on_an_http_jwt_authorizer(key: rsa.RSAPrivateKey) -> None:
    token = make(key, iss=JWT_ISSUER, aud="someone-else", scope="orders/read")
    finding = check(token, HTTP, "GET /orders")
    assert finding.problems == ("audience-mismatch",)
    assert "someone-else" in finding.details[0]
    assert "orders-client" in finding.details[0]
    # without aud, client_id is compared instead (Cognito access tokens carry client_id)
    ok = make(key, iss=JWT_ISSUER, client_id="orders-client", scope="orders/read")
    assert check(ok, HTTP, "GET /orders").problems == ()
    both_missing = make(key, iss=JWT_ISSUER, scope="orders/read")
    assert check(both_missing, HTTP, "GET /orders").problems == ("audience-mismatch",)


def test_id_token_where_an_access_token_is_needed_and_back(key: rsa.RSAPrivateKey) -> None:
    id_token = make(key, iss=POOL_ISSUER, token_use="id", aud="app1")
    finding = check(id_token, REST, "GET /users")
    assert finding.problems == ("wrong-token-use",)
    assert "wants an access token" in finding.details[0]
    access = make(key, iss=POOL_ISSUER, token_use="access", scope="users/read")
    finding = check(access, REST, "get  /profile")  # method case and spacing are forgiven
    assert finding.problems == ("wrong-token-use",)
    assert "wants an id token" in finding.details[0]


def test_missing_scope(key: rsa.RSAPrivateKey) -> None:
    token = make(key, iss=JWT_ISSUER, aud="orders-client", scope="orders/write profile")
    finding = check(token, HTTP, "GET /orders")
    assert finding.problems == ("missing-scope",)
    assert "orders/admin" in finding.details[0]
    assert "orders/write" in finding.details[0]
    cognito = make(key, iss=POOL_ISSUER, token_use="access", scope="users/write")
    assert check(cognito, REST, "GET /users").problems == ("missing-scope",)
    # Okta-style scp lists count too
    okta = make(key, iss=JWT_ISSUER, aud="orders-client", scp=["orders/admin"])
    assert check(okta, HTTP, "GET /orders").problems == ()


@pytest.mark.parametrize(
    "garbage", ["not-a-jwt", "a.b.c", "", "Bearer xyz.abc", "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln"]
)
def test_garbage_is_invalid(garbage: str) -> None:
    finding = check_token(garbage, HTTP, WINDOW, "GET /orders")
    assert finding.problems == ("invalid",)
    assert finding.claims_summary == {}
    if len(garbage) >= 8:
        assert garbage not in " ".join(finding.details)


def test_issuer_and_algorithm(key: rsa.RSAPrivateKey) -> None:
    other = make(key, iss="https://idp.example.com", aud="orders-client", scope="orders/read")
    finding = check(other, HTTP, "GET /orders")
    assert finding.problems == ("issuer-mismatch",)
    assert "trailing slash" in finding.details[0]
    hs = make(key, alg="HS256", iss=JWT_ISSUER, aud="orders-client", scope="orders/read")
    assert check(hs, HTTP, "GET /orders").problems == ("unsupported-algorithm",)


def test_not_yet_valid(key: rsa.RSAPrivateKey) -> None:
    token = make(
        key,
        iss=JWT_ISSUER,
        aud="orders-client",
        scope="orders/read",
        nbf=int((END + timedelta(hours=2)).timestamp()),
    )
    assert check(token, HTTP, "GET /orders").problems == ("not-yet-valid",)


def test_bearer_prefix_and_several_problems_at_once(key: rsa.RSAPrivateKey) -> None:
    token = make(key, iss=JWT_ISSUER, aud="x", exp=int((END - timedelta(hours=1)).timestamp()))
    finding = check(f"  Bearer {token}\n", HTTP, "GET /orders")
    assert finding.problems == ("expired", "audience-mismatch", "missing-scope")
    assert any("Bearer" in d for d in finding.details)


def test_without_a_route_the_authorizer_is_still_checked(key: rsa.RSAPrivateKey) -> None:
    token = make(key, iss=JWT_ISSUER, aud="nope")
    finding = check(token, HTTP)
    assert finding.problems == ("audience-mismatch",)
    assert any("--route" in d for d in finding.details)
    assert finding.claims_summary["authorizer"] == "jwt (j1, JWT)"


def test_routes_without_a_token_authorizer_only_check_times(key: rsa.RSAPrivateKey) -> None:
    token = make(key, iss="https://elsewhere", aud="nope")
    finding = check(token, HTTP, "GET /open")
    assert finding.problems == ()
    assert any("NONE authorization" in d for d in finding.details)
    unknown = check(token, HTTP, "GET /nope")
    assert any("not one of the API's routes" in d for d in unknown.details)
