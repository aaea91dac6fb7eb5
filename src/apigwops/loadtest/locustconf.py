"""Locust's own configuration (`locust.conf`, `pyproject.toml [tool.locust]`, `LOCUST_*`), read on purpose.

Locust reads `~/.locust.conf`, `./locust.conf`, `./pyproject.toml` and `LOCUST_*` variables by itself
(https://docs.locust.io/en/stable/configuration.html), so before this module they leaked into runs silently and
partly: a `tags` applied, a `host` did not (apigwops always passes `--host`). Now apigwops reads them itself,
maps the settings it understands onto its own, says where each came from, and starts Locust so that it reads
none of them (`runner.py`: no `LOCUST_*` in its environment, no default config files).

Precedence, one rule for every setting, as Locust documents its own: command line > environment
(`APIGWOPS_*`, then `LOCUST_*`) > file (`pyproject.toml` > `./locust.conf` > `~/.locust.conf`) > default.
`--no-locust-config` ignores the `LOCUST_*` variables and the files.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from apigwops.errors import UsageError

# Locust's key (file and LOCUST_ variable) -> the RunFlags field it sets. Only settings that mean the same.
KEYS = {
    "locustfile": "scenario",
    "host": "url",
    "users": "users",
    "spawn-rate": "spawn_rate",
    "run-time": "run_time",
    "processes": "workers",
    "tags": "tags",
    "exclude-tags": "exclude_tags",
    "csv": "csv",
    "html": "html",
}
# Settings apigwops always chooses itself (every run is headless and bounded): accepted without a warning.
OWN = {"headless", "only-summary", "exit-code-on-error", "stop-timeout", "autostart", "autoquit"}


@dataclass(frozen=True)
class LocustSetting:
    key: str  # Locust's name, e.g. "run-time"
    value: str
    source: str  # "LOCUST_RUN_TIME" or "locust.conf (/path)"


def env_name(key: str) -> str:
    return "LOCUST_" + key.upper().replace("-", "_")


def _parse_conf(text: str) -> dict[str, str]:
    """configargparse's default format, as Locust uses it: `key = value` (or `key: value`), # comments."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        match = re.match(r"^([A-Za-z0-9_-]+)\s*(?:[:=]\s*|\s+)(.*)$", line)
        if match:
            values[match[1].replace("_", "-").lower()] = match[2].strip().strip("\"'")
        else:
            values[line.replace("_", "-").lower()] = "true"  # a bare flag
    return values


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read Locust's config file {path}: {exc}") from None


def read_files(cwd: Path, home: Path) -> list[LocustSetting]:
    """Settings from Locust's default config files, later files overriding earlier ones as in Locust."""
    found: dict[str, LocustSetting] = {}
    for path in (home / ".locust.conf", cwd / "locust.conf"):
        text = _read_text(path)
        if text is not None:
            for key, value in _parse_conf(text).items():
                found[key] = LocustSetting(key, value, f"{path.name} ({path})")
    pyproject = cwd / "pyproject.toml"
    text = _read_text(pyproject)
    if text is not None:
        try:
            section = tomllib.loads(text).get("tool", {}).get("locust", {})
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"cannot read {pyproject}: {exc}") from None
        for key, value in section.items():
            shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
            name = str(key).replace("_", "-").lower()
            found[name] = LocustSetting(name, shown, f"pyproject.toml [tool.locust] ({pyproject})")
    return list(found.values())


def read_env(environ: Mapping[str, str]) -> list[LocustSetting]:
    """`LOCUST_*` variables, by Locust's naming rule (LOCUST_ + the option in upper snake case)."""
    return [
        LocustSetting(name[len("LOCUST_") :].lower().replace("_", "-"), value, name)
        for name, value in sorted(environ.items())
        if name.startswith("LOCUST_") and value != ""
    ]


def read_locust_config(
    cwd: Path | None = None, home: Path | None = None, environ: Mapping[str, str] | None = None
) -> tuple[list[LocustSetting], list[LocustSetting]]:
    """(settings from the environment, settings from files)."""
    environ = os.environ if environ is None else environ
    files = read_files(cwd or Path.cwd(), home or Path.home())
    return read_env(environ), files


def split_values(text: str) -> list[str]:
    """A tags list as Locust takes it: space- or comma-separated, optionally in brackets."""
    return [part for part in re.split(r"[\s,]+", text.strip().strip("[]")) if part.strip("\"'")]
