"""The state file of a background sandbox: `$APIGWOPS_HOME/sandbox.json` (APIGWOPS_HOME defaults to ~/.apigwops).

It holds what `sandbox status` prints and what other commands need (stage URLs, API keys per tier,
tokens, moto's endpoint, the process id). It contains sandbox-only secrets, so it is written 0600.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from apigwops.errors import UsageError


def apigwops_home() -> Path:
    return Path(os.environ.get("APIGWOPS_HOME") or Path.home() / ".apigwops")


def state_path() -> Path:
    return apigwops_home() / "sandbox.json"


@dataclass
class StageInfo:
    api_id: str
    api_name: str
    stage: str
    url: str
    api_type: str


@dataclass
class SandboxState:
    """A background sandbox as `up` recorded it."""

    pid: int
    moto_endpoint: str
    region: str
    control_url: str
    rest: StageInfo
    http: StageInfo
    keys: dict[str, str]
    tokens: dict[str, str]
    faults: dict[str, float] = field(default_factory=dict)
    time_scale: float = 0.01
    log_file: str = ""
    started_at: str = ""
    moto_pid: int = 0  # moto's process (a child of `pid`, in its process group); 0 in older state files
    websocket: StageInfo | None = None  # None in state files written before the WebSocket stage
    websocket_management_url: str = ""  # endpoint_url for boto3's apigatewaymanagementapi (@connections)

    @property
    def stages(self) -> list[StageInfo]:
        """Every local stage: REST, HTTP and (when recorded) WebSocket."""
        return [self.rest, self.http, *([self.websocket] if self.websocket is not None else [])]

    def env(self) -> dict[str, str]:
        """Environment that points the CLI (or the AWS CLI) at the sandbox's moto."""
        return {
            "AWS_ENDPOINT_URL": self.moto_endpoint,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxState:
        data = dict(data)
        data["rest"] = StageInfo(**data["rest"])
        data["http"] = StageInfo(**data["http"])
        if data.get("websocket") is not None:
            data["websocket"] = StageInfo(**data["websocket"])
        return cls(**data)


def load_state(path: Path | None = None) -> SandboxState | None:
    """The recorded background sandbox, or None when there is none. A corrupt file is a UsageError."""
    target = path or state_path()
    try:
        text = target.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise UsageError(f"cannot read the sandbox state file {target}: {exc.strerror}") from None
    try:
        return SandboxState.from_dict(json.loads(text))
    except (ValueError, TypeError, KeyError) as exc:
        raise UsageError(
            f"the sandbox state file {target} is unreadable ({type(exc).__name__})",
            hint="run 'apigwops sandbox down' to clear it",
        ) from None


def save_state(state: SandboxState, path: Path | None = None) -> Path:
    target = path or state_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(state.to_json())
    os.replace(tmp, target)
    return target


def clear_state(path: Path | None = None, *, pid: int | None = None) -> None:
    """Remove the state file; with `pid`, only while it still records that sandbox (not a newer one's)."""
    target = path or state_path()
    if pid is not None:
        try:
            current = load_state(target)
        except UsageError:
            current = None  # unreadable: nobody's, remove it
        if current is not None and current.pid != pid:
            return
    target.unlink(missing_ok=True)
