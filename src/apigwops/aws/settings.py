"""What the user said about AWS access (flags and environment), before any boto3 import."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class AwsSettings:
    """Profile, region and endpoint as given on the command line; None means 'resolve like the AWS CLI'."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None

    def resolved_region(self, env: Mapping[str, str] | None = None) -> str | None:
        """`--region`, then AWS_REGION, then AWS_DEFAULT_REGION (the AWS CLI's order; boto3 alone ignores AWS_REGION).

        None means: let the profile decide.
        """
        environ = os.environ if env is None else env
        return self.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None
