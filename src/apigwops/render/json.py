"""JSON output: one document on stdout, stable key order, UTF-8 kept readable. Renders any result."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from apigwops.render.output import write
from apigwops.render.registry import ANY, Result, renders
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from apigwops.runtime import Runtime


def to_json(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, default=str)


@renders(ANY, OutputFormat.json)
def render_json(result: Result, runtime: Runtime) -> None:
    write(to_json(result.document))
