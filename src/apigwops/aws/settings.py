"""What the user said about AWS access (flags and environment), before any boto3 import."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from apigwops.errors import UsageError


@dataclass(frozen=True)
class AwsSettings:
    """Profile, region, endpoint and timeouts as given on the command line; None means 'resolve like the AWS CLI'."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    connect_timeout: float | None = None  # --cli-connect-timeout (0: none)
    read_timeout: float | None = None  # --cli-read-timeout (0: none)

    def resolved_region(self, env: Mapping[str, str] | None = None) -> str | None:
        """`--region`, then AWS_REGION, then AWS_DEFAULT_REGION (the AWS CLI's order; boto3 alone ignores AWS_REGION).

        None means: let the profile decide.
        """
        environ = os.environ if env is None else env
        return self.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None

    def validate(self) -> None:
        """Bad input found before any AWS call: a usage error (exit 2), not botocore's ValueError (exit 255)."""
        if self.endpoint_url is not None:
            check_endpoint_url(self.endpoint_url)
        for name, value in (
            ("--cli-connect-timeout", self.connect_timeout),
            ("--cli-read-timeout", self.read_timeout),
        ):
            if value is not None and value < 0:
                raise UsageError(f"{name} must be 0 (no timeout) or a number of seconds, not {value:g}")


def check_endpoint_url(url: str, source: str = "--endpoint-url") -> None:
    """An endpoint botocore can use: http(s)://host[:port][/path]; `source` names where it came from."""
    hint = "expected http(s)://host[:port], e.g. http://127.0.0.1:5000"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise UsageError(f"{source} {url!r} is not a valid URL ({exc})", hint=hint) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{source} {url!r} is not a valid URL", hint=hint)


def check_environment_endpoints(env: Mapping[str, str] | None = None) -> None:
    """AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>, checked like --endpoint-url (botocore raises ValueError).

    Skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, since botocore then ignores them too.
    """
    environ = os.environ if env is None else env
    if environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return
    for name, value in sorted(environ.items()):
        if (name == "AWS_ENDPOINT_URL" or name.startswith("AWS_ENDPOINT_URL_")) and value:
            check_endpoint_url(value, name)
