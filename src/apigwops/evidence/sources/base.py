"""The contract of an evidence source: a function of a `SourceContext` returning a `Part`.

A source never raises for something the user should simply be told about: logging that is off, a log group
that does not exist yet, or WAF sampling that is disabled become a skipped `Check` with a one-line reason.
AWS errors are turned into checks by the collector (`collect._guarded`), so a source stays a straight line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from apigwops.model import ApiConfig, ApiInfo, Check, TokenFinding
from apigwops.timewindow import Window

if TYPE_CHECKING:
    import pandas as pd

    from apigwops.evidence.logs.engine import LogEngine
    from apigwops.evidence.waf import WebAcl
    from apigwops.runtime import Runtime


@dataclass
class SourceContext:
    runtime: Runtime
    api: ApiInfo
    config: ApiConfig
    window: Window
    engine: LogEngine
    route: str | None = None
    token: str | None = None
    _acl: list[WebAcl | None] = field(default_factory=list, repr=False)
    _acl_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def web_acl(self) -> WebAcl | None:
        """The stage's web ACL, read once for the sources that need its rules (None: no ACL on the stage)."""
        from apigwops.evidence.waf import describe_web_acl

        with self._acl_lock:
            if not self._acl:
                arn = self.config.stage.web_acl_arn
                self._acl.append(describe_web_acl(self.runtime.aws.client("wafv2"), arn) if arn else None)
            return self._acl[0]


@dataclass
class Part:
    """What one source contributed; the collector merges parts into one `Evidence`."""

    checks: list[Check] = field(default_factory=list)
    tables: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    request_counts: pd.DataFrame | None = None
    missing_fields: frozenset[str] | None = None
    unparsed: int = 0
    bytes_scanned: int = 0
    requests_sampled: bool = False
    token: TokenFinding | None = None

    def add(self, table: str, frame: pd.DataFrame) -> None:
        self.tables.setdefault(table, []).append(frame)


Source = Callable[[SourceContext], Part]


def skipped(check_id: str, reason: str) -> Part:
    return Part(checks=[Check(check_id, "skipped", reason)])
