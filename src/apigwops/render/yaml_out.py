"""YAML output (the AWS CLI's `--output yaml`): the JSON document as block-style YAML, keys in document order."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from apigwops.render.output import write
from apigwops.render.registry import ANY, Result, renders
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from apigwops.runtime import Runtime


def to_yaml(document: Any) -> str:
    import yaml

    plain = json.loads(json.dumps(document, default=str))  # Decimals, paths, dates: as the JSON shows them
    return str(yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, default_flow_style=False))


@renders(ANY, OutputFormat.yaml)
def render_yaml(result: Result, runtime: Runtime) -> None:
    write(to_yaml(result.document))
