"""Sessions and clients, made the way the AWS CLI makes them.

`AwsContext` is the session factory injected into the core: it resolves the region in the AWS CLI's order,
applies `--endpoint-url` to every service (an all-service emulator such as moto) while leaving the
`AWS_ENDPOINT_URL[_<SERVICE>]` variables to botocore, enforces the read-only allowlist on every client, and
counts the calls made so that reports can say what a diagnosis cost.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from apigwops.aws.allowlist import enforce_read_only, guard_session
from apigwops.aws.config import config_for, resolve_retries
from apigwops.aws.settings import AwsSettings, check_environment_endpoints
from apigwops.errors import CredentialsError

if TYPE_CHECKING:
    import boto3

EMULATOR_MAX_ATTEMPTS = 1
AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".c2s.ic.gov", ".sc2s.sgov.gov")


def make_session(settings: AwsSettings) -> boto3.Session:
    """A boto3 session with the region resolved as the AWS CLI does (flag, AWS_REGION, AWS_DEFAULT_REGION, profile)."""
    import boto3
    import botocore.exceptions

    settings.validate()
    check_environment_endpoints()
    try:
        session = boto3.Session(profile_name=settings.profile, region_name=settings.resolved_region())
    except botocore.exceptions.ProfileNotFound as exc:
        raise CredentialsError(
            str(exc), hint="check the name with 'aws configure list-profiles' or unset AWS_PROFILE"
        ) from None
    if not session.region_name:
        raise CredentialsError(
            "no AWS region: pass --region, or set AWS_REGION, or set one in the profile",
        )
    default_profile = os.environ.get("AWS_DEFAULT_PROFILE")
    profile = os.environ.get("AWS_PROFILE")
    if settings.profile is None and default_profile and profile and default_profile != profile:
        # botocore prefers AWS_DEFAULT_PROFILE here, the AWS CLI AWS_PROFILE; make the choice visible.
        import warnings

        warnings.warn(
            f"AWS_PROFILE={profile} and AWS_DEFAULT_PROFILE={default_profile} differ; using {default_profile}",
            stacklevel=2,
        )
    return session


def is_aws_endpoint(url: str | None) -> bool:
    """True when a client talks to AWS itself (not to moto, LocalStack or the sandbox)."""
    if not url:
        return True
    from urllib.parse import urlparse

    host = (urlparse(url).hostname or "").lower()
    return host.endswith(AWS_HOST_SUFFIXES)


class AwsContext:
    """Lazily made session and one cached, read-only client per service; thread-safe.

    The library's whole surface is read-only, not only the CLI's: the session handed out (or handed in)
    carries the allowlist hook on its events, so a client a caller makes from `.session` is guarded too.
    """

    def __init__(
        self,
        settings: AwsSettings | None = None,
        session: boto3.Session | None = None,
        *,
        debug: Callable[[str], None] | None = None,
    ) -> None:
        """`debug` receives one line per AWS call (`--debug`; see `aws/calllog.py`)."""
        self.settings = settings or AwsSettings()
        self._session = session
        self._debug = debug
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()

    @property
    def session(self) -> boto3.Session:
        """The boto3 session; read-only like every client here: any client made from it refuses writes."""
        with self._lock:
            if self._session is None:
                self._session = make_session(self.settings)
            return guard_session(self._session)

    @property
    def region(self) -> str:
        return str(self.session.region_name)

    def client(self, service: str) -> Any:
        """The read-only client for a boto3 service name ('apigateway', 'logs', ...)."""
        session = self.session
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                kwargs: dict[str, Any] = {}
                if self.settings.endpoint_url:
                    kwargs["endpoint_url"] = self.settings.endpoint_url
                profile = self._profile_config(session)
                retries = resolve_retries(profile=profile)
                client = session.client(service, config=self._config(retries), **kwargs)
                if not retries.attempts_chosen and not is_aws_endpoint(client.meta.endpoint_url):
                    # An emulator (moto, the sandbox) does not throttle; retrying an operation it lacks only
                    # multiplies the wait before the check is skipped. One attempt unless the user asks.
                    retries = resolve_retries(profile=profile, default_attempts=EMULATOR_MAX_ATTEMPTS)
                    client = session.client(service, config=self._config(retries), **kwargs)
                enforce_read_only(client)
                client.meta.events.register("before-call", self._count)
                if self._debug is not None:
                    from apigwops.aws.calllog import CallLog

                    CallLog(self._debug).attach(client)
                self._clients[service] = client
            return client

    def _config(self, retries: Any) -> Any:
        return config_for(
            retries, connect_timeout=self.settings.connect_timeout, read_timeout=self.settings.read_timeout
        )

    @staticmethod
    def _profile_config(session: boto3.Session) -> dict[str, Any]:
        """The profile's section of ~/.aws/config (max_attempts, retry_mode, ...); empty when there is none."""
        try:
            # boto3 exposes no public accessor for the botocore session it wraps.
            return dict(session._session.get_scoped_config())
        except Exception:
            return {}

    def endpoint_url(self, service: str) -> str:
        return str(self.client(service).meta.endpoint_url)

    def talks_to_aws(self, service: str = "logs") -> bool:
        return is_aws_endpoint(self.endpoint_url(service))

    @property
    def api_calls(self) -> int:
        return sum(self.calls.values())

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}:{model.name}"] += 1
