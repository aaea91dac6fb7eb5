"""Redaction applied to evidence on its way into a bundle, before anything touches disk.

A bundle gets attached to tickets and handed between people, so credentials must never reach it: header values
of `Authorization`, `Cookie`, `X-Api-Key` and friends (execution logs print "Method request headers: {...}"),
bearer and basic credentials, JWTs (`eyJ...`), AWS access key ids, and secret-looking query or JSON parameters.
API Gateway already masks some of these in execution logs; we do not rely on it, since data tracing, Lambda
logs and custom access-log fields can carry them in clear.

With `ips=True` client addresses become stable pseudonyms: an HMAC with a per-bundle random salt that is never
stored, so one address maps to one pseudonym inside the bundle (per-IP findings still work) but cannot be
reversed or correlated across bundles. Pseudonyms stay valid addresses (IPv4 in the reserved 240.0.0.0/4, IPv6
in the unique-local fd00::/8) so code that parses addresses keeps working.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Callable
from typing import Any

REDACTED = "[redacted]"

# Header, query and JSON parameter names whose values are credentials.
SENSITIVE_NAMES = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "api_key",
    "apikey",
    "x-amz-security-token",
    "x-amz-signature",
    "token",
    "access_token",
    "id_token",
    "refresh_token",
    "client_secret",
    "password",
    "secret",
)
_NAMES = "|".join(re.escape(name) for name in sorted(SENSITIVE_NAMES, key=len, reverse=True))
_BOUNDARY = r"(?<![A-Za-z0-9_-])"  # a name must not be the tail of a longer name ("my-token" is still caught)

# "Authorization": "Bearer x"  and  "Cookie": ["a=b", "c=d"]   (JSON, any case)
_JSON_VALUE = re.compile(
    rf'(?i)("{_BOUNDARY}(?:{_NAMES})"\s*:\s*)("(?:[^"\\]|\\.)*"|\[[^\]]*\])',
)
# {\"Cookie\":\"a=b\"}: JSON inside a JSON string (Lambda proxy events logged by data tracing)
_ESCAPED_JSON_VALUE = re.compile(rf'(?i)(\\"(?:{_NAMES})\\"\s*:\s*)(\\"(?:(?!\\").)*\\")')
# Authorization=Bearer x, Cookie: a=b; c=d, ?api_key=abc&x=1   (execution-log maps, headers, query strings)
_PAIR_VALUE = re.compile(rf"(?i)({_BOUNDARY}(?:{_NAMES})\s*[=:]\s*)(?![\s\"\[])([^,}}&\n\"]+)")
_BEARER = re.compile(r"(?i)\b(bearer|basic|digest)\s+[A-Za-z0-9._~+/=-]{6,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?")
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA)[0-9A-Z]{16}\b")

_IPV4 = re.compile(
    r"(?<![0-9.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![0-9])"
)
_IPV6_CANDIDATE = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Za-z:])")


# Anything the patterns above can match contains one of these; a cheap vectorised pre-filter (RE2 and
# Python `re` agree on this syntax) lets millions of request ids skip the per-value work.
_SECRET_TRIGGER = r"(?i)[=:]|eyj|bearer|basic|digest|akia|asia|aida|aroa"
_IP_TRIGGER = r"|\d\.\d"


class Redactor:
    """Redacts strings and nested JSON-like values; one instance per bundle (it holds the pseudonym map)."""

    def __init__(self, *, ips: bool = False, salt: bytes | None = None) -> None:
        self.ips = ips
        self._salt = salt if salt is not None else secrets.token_bytes(32)
        self._pseudonyms: dict[str, str] = {}
        self._taken: set[str] = set()
        self.secrets_replaced = 0

    @property
    def trigger(self) -> str:
        """A regex every value that this Redactor would change matches (values that miss it stay as they are)."""
        return _SECRET_TRIGGER + (_IP_TRIGGER if self.ips else "")

    @property
    def ips_replaced(self) -> int:
        """Distinct addresses replaced so far."""
        return len(self._pseudonyms)

    def text(self, value: str) -> str:
        """A string with every credential (and, if asked, every IP address) replaced."""
        out = self._secrets(value)
        if self.ips:
            out = self._addresses(out)
        return out

    def value(self, value: Any) -> Any:
        """Strings inside dicts, lists and tuples too; other scalars unchanged."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.value(item) for item in value)
        return value

    def pseudonym(self, address: str) -> str:
        """The stable stand-in for one IP address (unique within this Redactor)."""
        known = self._pseudonyms.get(address)
        if known is not None:
            return known
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return address
        counter = 0
        while True:
            digest = hmac.new(self._salt, f"{parsed.compressed}#{counter}".encode(), hashlib.sha256).digest()
            number = int.from_bytes(digest[:16], "big")
            if parsed.version == 4:
                candidate = str(ipaddress.IPv4Address((0xF0 << 24) | (number & 0x0FFFFFFF)))
            else:
                candidate = str(ipaddress.IPv6Address((0xFD << 120) | (number & ((1 << 120) - 1))))
            if candidate not in self._taken:  # collisions are rare, but per-IP counts must stay exact
                break
            counter += 1
        self._taken.add(candidate)
        self._pseudonyms[address] = candidate
        return candidate

    def _count(self, replacement: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
        def counted(match: re.Match[str]) -> str:
            self.secrets_replaced += 1
            return replacement(match)

        return counted

    def _secrets(self, value: str) -> str:
        out = _JSON_VALUE.sub(self._count(_json_replacement), value)
        out = _ESCAPED_JSON_VALUE.sub(self._count(lambda m: m.group(1) + f'\\"{REDACTED}\\"'), out)
        out = _PAIR_VALUE.sub(self._count(lambda m: m.group(1) + REDACTED), out)
        out = _BEARER.sub(self._count(lambda m: f"{m.group(1)} {REDACTED}"), out)
        out = _JWT.sub(self._count(lambda m: REDACTED), out)
        return _AWS_KEY_ID.sub(self._count(lambda m: REDACTED), out)

    def _addresses(self, value: str) -> str:
        out = _IPV4.sub(lambda m: self.pseudonym(m.group(0)), value)
        return _IPV6_CANDIDATE.sub(self._ipv6_replacement, out)

    def _ipv6_replacement(self, match: re.Match[str]) -> str:
        text = match.group(0)
        if not any(ch in "0123456789abcdefABCDEF" for ch in text):
            return text  # "::" in "Foo::Bar" is an address only by accident
        try:
            ipaddress.IPv6Address(text)
        except ValueError:
            return text  # a time such as 01:12:00, a MAC address, ...
        return self.pseudonym(text)


def _json_replacement(match: re.Match[str]) -> str:
    original = match.group(2)
    return match.group(1) + (f'["{REDACTED}"]' if original.startswith("[") else f'"{REDACTED}"')
