"""`--output text`: the AWS CLI's tab-separated text, so `cut -f`, `awk` and `read` work the same way.

The algorithm follows the AWS CLI's formatter (aws/aws-cli, awscli/text.py, Apache-2.0): a dict prints its
scalar values on one line in sorted key order, prefixed by its key in upper case when nested; each nested
dict or list follows under its own key; a list of dicts prints one line per dict with the union of their
scalar keys as columns (missing keys as empty cells); a list of scalars prints tab-separated on one line, or
one `KEY<TAB>value` line each when nested. Scalars print as Python's str (None, True), as the AWS CLI does.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from apigwops.render.output import is_scalar, write
from apigwops.render.registry import ANY, Result, renders
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from apigwops.runtime import Runtime


def to_text(document: Any) -> str:
    lines: list[str] = []
    _item(json.loads(json.dumps(document, default=str)), lines, None, None)
    return "\n".join(lines)


def _item(item: Any, lines: list[str], identifier: str | None, scalar_keys: list[str] | None) -> None:
    if isinstance(item, dict):
        _dict(item, lines, identifier, scalar_keys)
    elif isinstance(item, list):
        _list(item, lines, identifier)
    else:
        lines.append(str(item))


def _list(items: list[Any], lines: list[str], identifier: str | None) -> None:
    if not items:
        return
    if any(isinstance(el, dict) for el in items):
        keys = sorted({k for el in items if isinstance(el, dict) for k, v in el.items() if is_scalar(v)})
        for element in items:
            _item(element, lines, identifier, keys)
        return
    scalars = [el for el in items if is_scalar(el)]
    if scalars:
        if identifier is not None:
            lines.extend(f"{identifier.upper()}\t{el}" for el in scalars)
        else:
            lines.append("\t".join(str(el) for el in scalars))
    for nested in (el for el in items if not is_scalar(el)):
        _item(nested, lines, identifier, None)


def _dict(item: dict[str, Any], lines: list[str], identifier: str | None, keys: list[str] | None) -> None:
    if keys is None:
        scalars = [str(v) for _, v in sorted(item.items()) if is_scalar(v)]
        nested = [(k, v) for k, v in sorted(item.items()) if not is_scalar(v)]
    else:
        scalars = [str(item.get(k, "")) for k in keys]
        nested = [(k, item[k]) for k in sorted(set(item) - set(keys))]
    if scalars:
        lines.append("\t".join([identifier.upper(), *scalars] if identifier is not None else scalars))
    for key, value in nested:
        _item(value, lines, key, None)


@renders(ANY, OutputFormat.text)
def render_text(result: Result, runtime: Runtime) -> None:
    text = to_text(result.document)
    if text:
        write(text)
