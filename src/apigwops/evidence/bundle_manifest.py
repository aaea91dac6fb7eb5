"""The one place a bundle's `manifest.json` is checked before anything in it is used.

A manifest is user input (a bundle travels by mail and ticket): every field `read_bundle` touches is checked
here for its type and sense, so a damaged or hand-edited manifest is one `UsageError` line naming the field
and never an `AttributeError` deep in the reader. Checked: the API (its type is one API Gateway has), the
window (time-zone aware, start before end), each table entry (a relative file name inside the bundle, a
known format, a non-negative row count), the config entry, the sources and the counters. Keys this version
does not know are kept and ignored, so that a bundle from a newer minor version still reads.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from apigwops.errors import UsageError


def _inside_bundle(name: str) -> str:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise ValueError("must be a relative path inside the bundle")
    return name


BundleFile = Annotated[StrictStr, AfterValidator(_inside_bundle)]
Count = Annotated[StrictInt, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ManifestApi(_Model):
    id: StrictStr
    name: StrictStr
    type: Literal["REST", "HTTP", "WEBSOCKET"]
    stage: StrictStr
    region: StrictStr
    endpoint: StrictStr | None = None


class ManifestWindow(_Model):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> ManifestWindow:
        if self.start >= self.end:
            raise ValueError(f"start {self.start.isoformat()} is not before end {self.end.isoformat()}")
        return self


class ManifestTable(_Model):
    file: BundleFile
    format: Literal["parquet", "jsonl"]
    rows: Count
    sha256: StrictStr
    columns: dict[StrictStr, StrictStr] = {}


class ManifestConfig(_Model):
    file: BundleFile = "config.json"
    sha256: StrictStr


class ManifestSource(_Model):
    id: StrictStr
    status: Literal["ok", "skipped", "error"]
    reason: StrictStr = ""
    detail: dict[StrictStr, Any] = {}


class ManifestCounters(_Model):
    missing_fields: list[StrictStr] = []
    unparsed_lines: Count = 0
    logs_bytes_scanned: Count = 0
    api_calls: Count = 0


class Manifest(_Model):
    bundle_version: StrictInt
    api: ManifestApi
    window: ManifestWindow
    tables: dict[StrictStr, ManifestTable]
    config: ManifestConfig
    sources: list[ManifestSource] = []
    counters: ManifestCounters = ManifestCounters()


def check_manifest(raw: Any, where: str) -> Manifest:
    """The checked manifest, or a `UsageError` naming the first bad field (`where` names the bundle)."""
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "the manifest"
        raise UsageError(f"{where} is damaged: {field}: {_plain(first['msg'])}") from None


def _plain(message: str) -> str:
    return message.removeprefix("Value error, ")
