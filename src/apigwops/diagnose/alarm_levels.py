"""The alarm levels severity is scaled against: the seed's defaults, a config file, then `--alarm-level`.

The file is TOML (the `samconfig.toml` precedent the CLI conventions follow): `$APIGWOPS_CONFIG` when set,
else `apigwops.toml` in the current directory; only its `[diagnose.alarm-levels]` table is read:

    [diagnose.alarm-levels]
    5xx-per-5min = 25              # 5XXError (5xx on HTTP APIs) above this in 5 minutes alarms
    4xx-per-5min = 500
    p99-latency-ms = 2000
    integration-latency-ms = 1500

`--alarm-level 5xx-per-5min=25` (repeatable) wins over the file. A bad file or value is a usage error.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from apigwops.diagnose.severity import KEYS, AlarmLevels
from apigwops.errors import UsageError

CONFIG_ENV = "APIGWOPS_CONFIG"
CONFIG_NAME = "apigwops.toml"
TABLE = ("diagnose", "alarm-levels")


def config_path(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    """The config file in use, or None when there is none (a named file that is missing is an error)."""
    environ = os.environ if env is None else env
    named = environ.get(CONFIG_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise UsageError(f"{CONFIG_ENV}={named}: no such file")
        return path
    local = (cwd or Path.cwd()) / CONFIG_NAME
    return local if local.is_file() else None


def resolve_alarm_levels(
    flags: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> AlarmLevels:
    levels = AlarmLevels()
    path = config_path(env, cwd)
    if path is not None:
        levels = levels.with_overrides(_from_file(path))
    overrides: dict[str, float] = {}
    for flag in flags:
        key, sep, value = flag.partition("=")
        if not sep:
            raise UsageError(f"--alarm-level {flag!r}: use KEY=VALUE, e.g. 5xx-per-5min=25")
        overrides[key.strip()] = _number(f"--alarm-level {key.strip()}", key.strip(), value.strip())
    return levels.with_overrides(overrides)


def _from_file(path: Path) -> dict[str, float]:
    import tomllib

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    table: Any = document
    for name in TABLE:
        table = table.get(name, {}) if isinstance(table, dict) else {}
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [{'.'.join(TABLE)}] must be a table")
    return {str(k): _number(f"{path}: {'.'.join(TABLE)}.{k}", str(k), v) for k, v in table.items()}


def _number(where: str, key: str, value: Any) -> float:
    if key not in KEYS:
        raise UsageError(f"{where}: unknown alarm level; use one of: {', '.join(KEYS)}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{where}: {value!r} is not a number") from None
    if isinstance(value, bool) or not math.isfinite(number) or number < 0:
        raise UsageError(f"{where}: must be a number of at least 0, not {value!r}")
    return number
