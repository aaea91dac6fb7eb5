"""Fault names, their rates, and parsing `NAME[=RATE]` from the command line.

A fault with rate r makes each request that the fault can affect fail that way with probability r; how it
shows per API type is decided in `pipeline.py` and its steps from the signals reference. A fault that cannot apply to an
API type (no WAF, API keys or usage plans on HTTP APIs, §1.3) leaves that API's requests alone.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping

from apigwops.errors import UsageError

# The fifteen, then the extra ones that let diagnose be tested for more finding ids.
FAULTS: dict[str, str] = {
    "lambda-timeout": "the users function's work runs past its 10 s Timeout, which comes first (502 REST, 500 HTTP)",
    "lambda-error": "the function raises (502 REST, 500 HTTP)",
    "malformed-response": "the function returns a body that is not a valid proxy response (502 REST, 500 HTTP)",
    "lambda-throttled": "Lambda answers 429 (concurrency exhausted); API Gateway answers 500",
    "permission-missing": "API Gateway may not invoke the function (500)",
    "integration-timeout": "the orders function (60 s Timeout) runs past the integration timeout (504 REST, 503 HTTP)",
    "expired-tokens": "the caller's JWT has expired (401)",
    "wrong-audience": "the caller's JWT was issued for another app client (401)",
    "missing-api-key": "the caller sends no API key (403, REST)",
    "quota-exhausted": "the key's usage-plan quota is used up (429 Limit Exceeded, REST)",
    "waf-sqli": "the request carries an SQL-injection pattern (403, REST)",
    "waf-rate-limit": "the caller's IP is over the WAF rate-based limit (403, REST)",
    "cold-starts": "the invocation lands on a new execution environment (Init Duration, slower)",
    "slow-authorizer": "the JWT authorizer takes 1-3 s",
    "backend-5xx": "the function answers with status 500 (passed through)",
    "authorizer-error": "the authorizer cannot be reached (500 AuthorizerConfigurationException)",
    "missing-identity-source": "the caller sends no Authorization header (401)",
    "backend-429": "the function answers with status 429 (passed through)",
    "slow-integration": "the function takes 2-8 s (below the timeout)",
    "response-too-large": "the function returns more than 6 MB (502 REST, 500 HTTP)",
    "authorizer-deny": "the authorizer's policy denies the caller (403 AccessDenied REST, 403 HTTP)",
    "authorizer-unauthorized": "the authorizer rejects the caller as Unauthorized (401)",
    "resource-policy-deny": "the API's resource policy explicitly denies the caller (403, REST)",
    "stage-throttled": "the stage's throttle is exceeded (429 Too Many Requests)",
    "account-throttled": "the account's Regional throttle is exceeded (429 Too Many Requests)",
    "mapping-error": "the integration request mapping fails (500, REST)",
    "vpc-link-failure": "the VPC link to the backend fails (500)",
    "backend-tls-error": "the backend's TLS certificate is not trusted (500)",
    "backend-unreachable": "the backend cannot be reached (502 REST, 500 HTTP)",
    "lambda-init-failure": "the function's runtime cannot import its module (Runtime.ImportModuleError; 502 REST, 500 HTTP)",
    "waf-captcha": "a WAF CAPTCHA rule answers the request (405, x-amzn-waf-action: captcha, REST)",
    "waf-challenge": "a WAF Challenge rule answers the request (202, x-amzn-waf-action: challenge, REST)",
    "waf-count": "a managed WAF rule overridden to Count matches (logged, not blocked, REST)",
    # a healthy stage's noise: give it a small rate (background-errors=0.001); what AWS writes is lambda-error's
    "background-errors": "now and then the function raises, as healthy ones do (lambda-error's signals, §4.5 C47)",
    # WebSocket stage (sandbox/websocket/; the Lambda faults above apply to its routes too).
    "ws-connect-deny": "the $connect authorizer's policy denies the caller (handshake answered 403)",
    "ws-connect-throttled": "new connections arrive over the account's 500 per second quota (handshake answered 429)",
    "ws-connect-error": "the $connect integration fails (handshake answered 502)",
    "ws-no-route": 'messages match no route and there is no $default ({"message": "Forbidden", ...})',
    "ws-message-too-large": "the client's message is over 128 KB or a frame over 32 KB (close 1009)",
    "ws-stale-connection": "the function posts to a connection that is gone (410 GoneException)",
    "ws-connection-duration-limit": "connections opened 2 hours ago are closed at the 2-hour maximum (1001)",
    "ws-idle-disconnects": "connections go quiet past the 10-minute idle timeout and are closed (1001)",
}


def parse_fault_specs(specs: Iterable[str]) -> dict[str, float]:
    """`["lambda-timeout=0.3", "cold-starts"]` -> rates; a bare name means rate 1.0. Bad input: UsageError."""
    faults: dict[str, float] = {}
    for spec in specs:
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            name, sep, rate_text = part.partition("=")
            name = name.strip()
            if name not in FAULTS:
                raise UsageError(f"unknown fault {name!r}; known faults: {', '.join(FAULTS)}")
            rate = 1.0
            if sep:
                try:
                    rate = float(rate_text)
                except ValueError:
                    raise UsageError(
                        f"fault rate for {name} must be a number from 0 to 1, not {rate_text!r}"
                    ) from None
            faults[name] = validate_rate(name, rate)
    return faults


def validate_rate(name: str, rate: float) -> float:
    if not 0.0 <= rate <= 1.0:
        raise UsageError(f"fault rate for {name} must be from 0 to 1, not {rate}")
    return rate


class FaultSet:
    """The active faults; `hit(name)` draws once for one request. Thread-safe, replaceable at run time."""

    def __init__(self, faults: Mapping[str, float] | None = None, *, seed: int | None = None) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._rates: dict[str, float] = {}
        self.replace(faults or {})

    def replace(self, faults: Mapping[str, float]) -> None:
        checked = {}
        for name, rate in faults.items():
            if name not in FAULTS:
                raise UsageError(f"unknown fault {name!r}; known faults: {', '.join(FAULTS)}")
            checked[name] = validate_rate(name, float(rate))
        with self._lock:
            self._rates = checked

    @property
    def rates(self) -> dict[str, float]:
        with self._lock:
            return dict(self._rates)

    def hit(self, name: str) -> bool:
        with self._lock:
            rate = self._rates.get(name, 0.0)
            return rate > 0.0 and (rate >= 1.0 or self._rng.random() < rate)
