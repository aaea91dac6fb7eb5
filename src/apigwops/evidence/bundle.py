"""Evidence bundles: everything diagnose collected, saved to a directory that outlives log retention.

Layout of a bundle directory::

    manifest.json          bundle_version, tool version, api, window, sources (checks), tables with row
                           counts and sha256, redaction applied, counters
    config.json            ApiConfig and the token finding (dataclasses as JSON, datetimes ISO 8601)
    tables/<name>.parquet  the evidence tables (or <name>.jsonl); execution and Lambda log lines verbatim

Everything is redacted (see `redact.py`) before it is written, and the bundle is built in a hidden sibling
directory and renamed into place at the end, so an interrupted capture never leaves a bundle that looks whole.

Reading is strict where a wrong answer would be worse than none: a missing or unreadable manifest, a bundle
from a newer major version, a damaged config or a table whose bytes differ from the manifest's sha256
(truncated or altered) raise `UsageError` (exit 2) with one line. A table file that is simply absent gives a
partial `Evidence`: the table is empty and a `bundle:<table>` check with status `error` says what is missing,
so the report names it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import os
import secrets
import shutil
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin, get_type_hints

from apigwops import __version__
from apigwops.errors import NotFoundError, UsageError
from apigwops.evidence.bundle_manifest import Manifest, ManifestConfig, ManifestTable, check_manifest
from apigwops.evidence.redact import Redactor
from apigwops.inputfiles import load_json
from apigwops.model import (
    ACCESS_LOG_FLOAT_COLUMNS,
    ACCESS_LOG_INT_COLUMNS,
    EVIDENCE_TABLES,
    ApiConfig,
    ApiInfo,
    Check,
    Evidence,
    TokenFinding,
)
from apigwops.progress import NullProgress, Progress
from apigwops.timewindow import Window

if TYPE_CHECKING:
    import pandas as pd

BUNDLE_VERSION = 1
MANIFEST = "manifest.json"
CONFIG = "config.json"
TableFormat = Literal["parquet", "jsonl"]

# Required Evidence tables -> canonical columns (used for the empty stand-in of a missing table).
TABLES: dict[str, tuple[str, ...]] = {t.name: t.columns for t in EVIDENCE_TABLES if not t.optional}
_INT_COLUMNS = {*ACCESS_LOG_INT_COLUMNS}
_FLOAT_COLUMNS = {
    *ACCESS_LOG_FLOAT_COLUMNS,
    "duration_ms",
    "billed_duration_ms",
    "init_duration_ms",
    "restore_duration_ms",
    "memory_size_mb",
    "max_memory_used_mb",
    "value",
    "weight",
}
_TIME_COLUMNS = {"time", "timestamp"}


def write_bundle(
    evidence: Evidence,
    out_dir: Path,
    *,
    redact_ips: bool = False,
    fmt: TableFormat = "parquet",
    progress: Progress | None = None,
) -> Path:
    """Write a redacted bundle into `out_dir` (created; must not exist or be empty) and return its path."""
    progress = progress or NullProgress()
    out_dir = Path(out_dir)
    if fmt not in ("parquet", "jsonl"):
        raise UsageError(f"unknown bundle format {fmt!r}: use parquet or jsonl")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise UsageError(f"{out_dir} already exists and is not an empty directory; choose a new --out")
    if fmt == "parquet" and not _have_pyarrow():
        progress.warn(
            "pyarrow is not installed (pip install 'apigwops[parquet]'): writing JSON lines instead"
        )
        fmt = "jsonl"

    redactor = Redactor(ips=redact_ips)
    staging = out_dir.parent / f".{out_dir.name}.partial-{secrets.token_hex(4)}"
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
    except OSError as exc:
        raise UsageError(f"cannot write the bundle to {out_dir}: {exc.strerror or exc}") from None
    try:
        (staging / "tables").mkdir()
        tables: dict[str, dict[str, Any]] = {}
        for name in (*TABLES, *optional_tables()):
            value = getattr(evidence, name, None)
            if value is None:  # an optional table the collector did not fill
                continue
            frame = _redact_frame(value, redactor)
            tables[name] = _write_table(frame, staging, name, fmt)
            progress.step(f"bundle: {name}: {tables[name]['rows']:,} rows")
        config_bytes = _dump_json(
            redactor.value({"config": _encode(evidence.config), "token": _encode(evidence.token)})
        )
        (staging / CONFIG).write_bytes(config_bytes)
        manifest = {
            "bundle_version": BUNDLE_VERSION,
            "tool": {"name": "apigwops", "version": __version__},
            "created": datetime.now(UTC).isoformat(),
            "api": redactor.value({**evidence.api.as_json(), "endpoint": evidence.api.endpoint}),
            "window": {"start": evidence.window.start.isoformat(), "end": evidence.window.end.isoformat()},
            "sources": [redactor.value(_encode(check)) for check in evidence.checks],
            "tables": tables,
            "config": {"file": CONFIG, "sha256": hashlib.sha256(config_bytes).hexdigest()},
            "counters": {
                "missing_fields": sorted(evidence.missing_fields),
                "unparsed_lines": evidence.unparsed_lines,
                "logs_bytes_scanned": evidence.logs_bytes_scanned,
                "api_calls": evidence.api_calls,
            },
            "redaction": {
                "secrets": "Authorization, Cookie, X-Api-Key and token values; bearer and basic "
                "credentials; JWTs; AWS access key ids",
                "secrets_replaced": redactor.secrets_replaced,
                "ips": "pseudonymised (HMAC-SHA256 with an unsaved per-bundle salt)"
                if redact_ips
                else "kept",
                "ips_replaced": redactor.ips_replaced,
            },
        }
        (staging / MANIFEST).write_bytes(_dump_json(manifest))
        if out_dir.exists():
            out_dir.rmdir()
        os.replace(staging, out_dir)
    except OSError as exc:  # disk full, permissions: the user's to fix, not a bug
        shutil.rmtree(staging, ignore_errors=True)
        raise UsageError(f"cannot write the bundle to {out_dir}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir


def read_manifest(path: Path) -> dict[str, Any]:
    """The checked manifest of the bundle at `path` (its directory or its manifest.json)."""
    return _manifest(_bundle_root(Path(path)))[0]


def _manifest(root: Path) -> tuple[dict[str, Any], Manifest]:
    """The manifest as read and as checked (`bundle_manifest.py` says what is checked)."""
    try:
        manifest = load_json((root / MANIFEST).read_bytes())
    except (OSError, ValueError) as exc:
        raise UsageError(f"bundle {root}: {MANIFEST} is damaged ({_short(exc)})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("bundle_version"), int):
        raise UsageError(
            f"bundle {root}: {MANIFEST} has no integer bundle_version; it is not an apigwops bundle"
        )
    version = manifest["bundle_version"]
    if version > BUNDLE_VERSION:
        raise UsageError(
            f"bundle {root} has bundle version {version}, newer than the version {BUNDLE_VERSION} this "
            f"apigwops {__version__} reads",
            hint="upgrade apigwops to read it",
        )
    return manifest, check_manifest(manifest, f"bundle {root}: {MANIFEST}")


def read_bundle(path: Path) -> Evidence:
    """The Evidence saved in a bundle; see the module docstring for what fails and what comes back partial."""
    root = _bundle_root(Path(path))
    manifest = _manifest(root)[1]
    api = ApiInfo(**manifest.api.model_dump())
    window = Window(manifest.window.start, manifest.window.end)
    checks = [Check(s.id, s.status, s.reason, dict(s.detail)) for s in manifest.sources]
    config, token = _read_config(root, manifest.config)
    frames: dict[str, Any] = {}
    optional = [name for name in optional_tables() if name in manifest.tables]
    for name in (*TABLES, *optional):
        entry = manifest.tables.get(name)
        if entry is None or not (root / entry.file).is_file():
            where = entry.file if entry is not None else f"table {name!r}"
            checks.append(Check(f"bundle:{name}", "error", f"{where} is missing from the bundle"))
            frames[name] = _empty_table(name) if name in TABLES else None
            continue
        frames[name] = _read_table(root, entry)
    counters = manifest.counters
    return Evidence(
        api=api,
        window=window,
        config=config,
        token=token,
        checks=checks,
        missing_fields=frozenset(counters.missing_fields),
        unparsed_lines=counters.unparsed_lines,
        logs_bytes_scanned=counters.logs_bytes_scanned,
        api_calls=counters.api_calls,
        **frames,
    )


def optional_tables() -> tuple[str, ...]:
    """Evidence tables beyond the required ones (e.g. `request_counts`); None when unset, then not saved."""
    return tuple(t.name for t in EVIDENCE_TABLES if t.optional)


def _bundle_root(path: Path) -> Path:
    if path.is_file() and path.name == MANIFEST:
        path = path.parent
    if not path.exists():
        raise NotFoundError(f"bundle {path} not found")
    if not path.is_dir():
        raise UsageError(f"{path} is not a bundle directory (expected a directory with {MANIFEST})")
    if not (path / MANIFEST).is_file():
        raise UsageError(f"{path} is not an apigwops bundle: {MANIFEST} is missing")
    return path


def _read_config(root: Path, entry: ManifestConfig) -> tuple[ApiConfig, TokenFinding | None]:
    name = entry.file
    try:
        data = (root / name).read_bytes()
    except OSError:
        raise UsageError(
            f"bundle {root}: {name} is missing; the API configuration cannot be replayed"
        ) from None
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise UsageError(f"bundle {root}: {name} is damaged (its sha256 differs from the manifest)")
    try:
        doc = load_json(data)
        config = _decode(ApiConfig, doc["config"])
        token = _decode(TokenFinding, doc["token"]) if doc.get("token") else None
    except (TypeError, ValueError, KeyError) as exc:
        raise UsageError(f"bundle {root}: {name} is damaged ({_short(exc)})") from None
    return config, token


def _write_table(frame: pd.DataFrame, root: Path, name: str, fmt: TableFormat) -> dict[str, Any]:
    frame = frame.reset_index(drop=True)
    relative = f"tables/{name}.{fmt}"
    target = root / relative
    if fmt == "parquet":
        try:
            frame.to_parquet(target, index=False, engine="pyarrow")
        except Exception:  # mixed-type object columns: store their text instead of failing the capture
            frame = frame.astype({c: "str" for c in frame.columns if frame[c].dtype == object})
            frame.to_parquet(target, index=False, engine="pyarrow")
    else:
        frame.to_json(
            target, orient="records", lines=True, date_format="iso", date_unit="ns", force_ascii=False
        )
    return {
        "file": relative,
        "format": fmt,
        "rows": len(frame),
        "bytes": target.stat().st_size,
        "sha256": _sha256_file(target),
        "columns": {str(column): str(dtype) for column, dtype in frame.dtypes.items()},
    }


def _read_table(root: Path, entry: ManifestTable) -> pd.DataFrame:
    import pandas as pd

    relative = entry.file
    try:
        data = (root / relative).read_bytes()
    except OSError as exc:
        raise UsageError(f"bundle {root}: {relative} cannot be read ({exc.strerror or exc})") from None
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise UsageError(
            f"bundle {root}: {relative} is damaged (truncated or altered: its sha256 differs from the manifest)"
        )
    columns = dict(entry.columns)
    try:
        if entry.format == "parquet":
            if not _have_pyarrow():
                raise UsageError(
                    f"bundle {root} holds Parquet tables; install pyarrow (pip install 'apigwops[parquet]')"
                )
            frame = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
        elif not data.strip():
            frame = pd.DataFrame(
                {c: pd.Series(dtype=pd.api.types.pandas_dtype(d)) for c, d in columns.items()}
            )
        else:
            frame = _restore_dtypes(pd.read_json(io.BytesIO(data), lines=True, dtype=False), columns)
    except UsageError:
        raise
    except Exception as exc:
        raise UsageError(f"bundle {root}: {relative} cannot be read ({_short(exc)})") from None
    if len(frame) != entry.rows:
        raise UsageError(f"bundle {root}: {relative} has {len(frame)} rows, the manifest says {entry.rows}")
    return frame


def _restore_dtypes(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """JSON lines lose dtypes; the manifest kept them."""
    import pandas as pd

    for column, name in columns.items():
        dtype = pd.api.types.pandas_dtype(name)
        if column not in frame.columns:
            frame[column] = pd.Series(dtype=dtype, index=frame.index)
        elif name.startswith("datetime64"):
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601").astype(dtype)
        else:
            frame[column] = frame[column].astype(dtype)
    return frame[list(columns)] if columns else frame


def _empty_table(name: str) -> pd.DataFrame:
    import pandas as pd

    def dtype(column: str) -> str:
        if column in _TIME_COLUMNS:
            return "datetime64[us, UTC]"
        if column in _INT_COLUMNS:
            return "Int64"
        return "float64" if column in _FLOAT_COLUMNS else "str"

    return pd.DataFrame(
        {column: pd.Series(dtype=pd.api.types.pandas_dtype(dtype(column))) for column in TABLES[name]}
    )


def _redact_frame(frame: pd.DataFrame, redactor: Redactor) -> pd.DataFrame:
    """Redact every text column; each distinct value is redacted once (log columns repeat a lot)."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
            continue
        try:
            uniques = series.dropna().unique()
        except TypeError:  # unhashable values (dicts, lists): redact one by one
            out[column] = series.map(redactor.value)
            continue
        candidates = pd.Series(uniques, dtype=object)
        if pd.api.types.is_string_dtype(series):
            candidates = candidates[candidates.str.contains(redactor.trigger, regex=True, na=False)]
        changed = {value: new for value in candidates if (new := redactor.value(value)) != value}
        if changed:
            out[column] = series.mask(series.isin(list(changed)), series.map(changed))
    return out


def _have_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _dump_json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _encode(value: Any) -> Any:
    """Dataclasses to JSON-able values: tuples and frozensets become lists, datetimes ISO 8601 strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    if isinstance(value, frozenset | set):
        return sorted(_encode(item) for item in value)
    return value


def _decode(kind: Any, value: Any) -> Any:
    """The inverse of `_encode`, guided by the dataclasses' type hints; unknown keys are ignored."""
    if value is None:
        return None
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        return _decode(next(arg for arg in args if arg is not type(None)), value)
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        if not isinstance(value, dict):
            raise TypeError(f"{kind.__name__} expects an object, got {type(value).__name__}")
        hints = _hints(kind)
        known = {f.name for f in dataclasses.fields(kind)}
        return kind(**{key: _decode(hints[key], item) for key, item in value.items() if key in known})
    if kind is datetime:
        return datetime.fromisoformat(value)
    if origin is tuple:
        return tuple(_decode(args[0], item) for item in value)
    if origin is frozenset:
        return frozenset(_decode(args[0], item) for item in value)
    return value


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    return get_type_hints(kind)
