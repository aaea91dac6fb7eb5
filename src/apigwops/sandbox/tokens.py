"""Cognito-style JWTs signed with a local RSA key pair, and the checks API Gateway's authorizers make.

One key pair per sandbox; the issuer is the Cognito user pool provisioned in moto, the audience its app
client, so that the token's `iss`/`aud` can be compared with the authorizer configuration the way diagnose
does on AWS. REST uses a Cognito user-pool authorizer, HTTP APIs a JWT authorizer (signals reference §4.1).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

TokenProblem = Literal["missing", "invalid", "expired", "issuer", "audience", "token_use"]
TOKEN_LIFETIME_S = 3600


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of validating one token: the claims when valid, otherwise what failed."""

    claims: dict[str, Any] | None
    problem: TokenProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


class TokenAuthority:
    """Issues and validates the sandbox's JWTs (RS256, with a `kid` like Cognito's)."""

    def __init__(self, issuer: str, client_id: str, *, private_pem: bytes | None = None) -> None:
        from cryptography.hazmat.primitives import serialization

        if private_pem is None:
            private_pem = self.new_private_key()
        self.private_pem = private_pem
        private = serialization.load_pem_private_key(private_pem, password=None)
        self._public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.issuer = issuer
        self.client_id = client_id
        self.kid = uuid.uuid5(uuid.NAMESPACE_URL, issuer).hex

    @staticmethod
    def new_private_key() -> bytes:
        """A fresh RSA-2048 key (API Gateway's JWT authorizers accept RSA algorithms only, HJWT), PEM."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def mint(
        self,
        *,
        token_use: str = "id",
        expired: bool = False,
        audience: str | None = None,
        issuer: str | None = None,
        subject: str = "sandbox-user",
        now: float | None = None,
    ) -> str:
        """A token like Cognito's: ID tokens carry `aud`, access tokens `client_id` and `scope`."""
        import jwt

        issued = int(now if now is not None else time.time()) - (2 * TOKEN_LIFETIME_S if expired else 0)
        claims: dict[str, Any] = {
            "sub": uuid.uuid5(uuid.NAMESPACE_DNS, subject).hex,
            "iss": issuer or self.issuer,
            "token_use": token_use,
            "auth_time": issued,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME_S,
            "jti": uuid.uuid4().hex,
        }
        if token_use == "id":
            claims["aud"] = audience or self.client_id
            claims["cognito:username"] = subject
        else:
            claims["client_id"] = audience or self.client_id
            claims["scope"] = "aws.cognito.signin.user.admin"
            claims["username"] = subject
        return str(jwt.encode(claims, self.private_pem, algorithm="RS256", headers={"kid": self.kid}))

    def sample_tokens(self) -> dict[str, str]:
        """The named tokens `sandbox status` shows and tests use."""
        return {
            "valid": self.mint(),
            "expired": self.mint(expired=True),
            "wrong-audience": self.mint(audience="some-other-app-client"),
            "wrong-issuer": self.mint(issuer=self.issuer.rsplit("/", 1)[0] + "/us-east-1_Unknown"),
            "access": self.mint(token_use="access"),
        }

    def check(self, token: str | None, *, require_id_token: bool, now: float | None = None) -> TokenCheck:
        """Validate as API Gateway does: signature (RSA only), then issuer, audience/client_id, expiry.

        `require_id_token` is the REST Cognito authorizer without scopes, which accepts ID tokens only
        (KCCOG); the HTTP JWT authorizer accepts `aud` or, when absent, `client_id` (HJWT).
        """
        import jwt

        if not token:
            return TokenCheck(None, "missing")
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._public_pem,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_aud": False, "verify_iss": False},
            )
        except jwt.PyJWTError:
            return TokenCheck(None, "invalid")
        if claims.get("iss") != self.issuer:
            return TokenCheck(claims, "issuer")
        audience = claims.get("aud", claims.get("client_id"))
        if audience != self.client_id:
            return TokenCheck(claims, "audience")
        if float(claims.get("exp", 0)) <= (now if now is not None else time.time()):
            return TokenCheck(claims, "expired")
        if require_id_token and claims.get("token_use") != "id":
            return TokenCheck(claims, "token_use")
        return TokenCheck(claims, None)
