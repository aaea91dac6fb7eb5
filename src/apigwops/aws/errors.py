"""botocore exceptions turned into what a paged engineer can act on.

Two uses: `translate` turns an exception that ends a command into an `ApigwopsError` with its exit code
(253 credentials, 254 service or network); `skip_reason` turns an exception inside one evidence source into
the reason a check was skipped (AccessDenied names the missing IAM action), so one denied call never costs
the whole report.
"""

from __future__ import annotations

import re
from typing import Any

from apigwops.aws.allowlist import iam_action, service_of
from apigwops.errors import ApigwopsError, CredentialsError, ServiceError

ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden"}
)
EXPIRED_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "RequestExpired",
    }
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "ThrottledException",
    }
)
NOT_IMPLEMENTED_CODES = frozenset({"NotImplemented", "NotImplementedException", "404"})

_CREDENTIAL_HINT = (
    "configure credentials (aws configure, aws sso login) or point --profile at a profile that has them"
)


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def operation_of(exc: BaseException) -> str:
    return str(getattr(exc, "operation_name", "") or "")


MAX_MESSAGE_CHARS = 300
_HTML_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def one_line(text: str) -> str:
    """AWS messages are one line, but proxies and emulators answer with HTML pages: keep errors one line."""
    if text.lstrip().startswith("<"):
        title = _HTML_TITLE.search(text)
        text = title.group(1) if title else "an HTML error page"
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_MESSAGE_CHARS else flat[: MAX_MESSAGE_CHARS - 3] + "..."


def _message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        msg = response.get("Error", {}).get("Message")
        if msg:
            return one_line(str(msg))
    return one_line(str(exc))


def translate(exc: BaseException) -> ApigwopsError | None:
    """An `ApigwopsError` for a botocore exception, or None when it is not one we know."""
    import botocore.exceptions as bx

    if isinstance(exc, ApigwopsError):
        return exc
    if isinstance(exc, bx.ProfileNotFound):
        return CredentialsError(str(exc), hint="check the profile name or unset AWS_PROFILE")
    if isinstance(exc, bx.NoRegionError):
        return CredentialsError("no AWS region", hint="pass --region or set AWS_REGION")
    sso_errors: tuple[type[BaseException], ...] = tuple(
        getattr(bx, name)
        for name in ("SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError")
        if hasattr(bx, name)
    )
    if sso_errors and isinstance(exc, sso_errors):
        return CredentialsError(
            "the SSO session has expired or was never started", hint="run 'aws sso login'"
        )
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError | bx.CredentialRetrievalError):
        return CredentialsError(f"no usable AWS credentials ({exc})", hint=_CREDENTIAL_HINT)
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ConnectionClosedError):
        url = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        return ServiceError(
            f"cannot reach the AWS endpoint {url}".rstrip(),
            hint="check --endpoint-url, the network or a proxy",
        )
    if isinstance(exc, bx.ReadTimeoutError):
        return ServiceError("the AWS endpoint did not answer in time", hint="retry, or narrow the window")
    if isinstance(exc, bx.ClientError):
        code = error_code(exc)
        op = operation_of(exc)
        if code in EXPIRED_CODES:
            return CredentialsError(f"AWS rejected the credentials ({code})", hint=_CREDENTIAL_HINT)
        if code in ACCESS_DENIED_CODES:
            return ServiceError(f"AccessDenied on {op}: {_message(exc)}", hint="see 'apigwops iam-policy'")
        if code in THROTTLING_CODES:
            return ServiceError(f"AWS kept throttling {op} after retries ({code})", hint="retry in a minute")
        return ServiceError(f"{op or 'AWS'} failed: {code}: {_message(exc)}")
    if isinstance(exc, bx.BotoCoreError):
        return ServiceError(str(exc))
    return None


def is_access_denied(exc: BaseException) -> bool:
    return error_code(exc) in ACCESS_DENIED_CODES


def skip_reason(exc: BaseException, service: str, operation: str | None = None) -> str:
    """One line for a skipped evidence source: 'AccessDenied: wafv2:GetSampledRequests', etc."""
    op = operation or operation_of(exc)
    code = error_code(exc)
    if code in ACCESS_DENIED_CODES:
        return f"AccessDenied: {iam_action(service, op)}"
    if code in THROTTLING_CODES:
        return f"throttled after retries: {service_of(op, service)}:{op}"
    if code in NOT_IMPLEMENTED_CODES or isinstance(exc, NotImplementedError):
        return f"not supported by this endpoint: {service_of(op, service)}:{op}"
    known = translate(exc)
    if known is not None:
        return one_line(known.message)
    return one_line(f"{type(exc).__name__}: {exc}")


def describe(exc: Any) -> str:
    """Short text for logs and --debug."""
    return f"{type(exc).__name__}: {exc}"
