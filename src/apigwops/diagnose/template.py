"""Finding text from signals with `str.format` syntax, made safe: only plain signal names, no attribute access.

`"{x.__class__}"` or `"{x[0]}"` would let a user's playbook reach into Python objects; `names()` rejects them at
load time and `render()` looks names up in a plain dict, so a template can only ever print signal values.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

_FORMATTER = string.Formatter()


def names(template: str) -> list[str]:
    """The signal names a template uses; ValueError for anything but `{name}` or `{name:spec}`."""
    found: list[str] = []
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise ValueError(f"bad template {template!r}: {exc}") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier():
            raise ValueError(f"template field {{{field}}} must be a plain signal name")
        if conversion:
            raise ValueError(f"template field {{{field}!{conversion}}}: conversions are not allowed")
        if spec and "{" in spec:
            raise ValueError(f"template field {{{field}:{spec}}}: nested fields are not allowed")
        found.append(field)
    return found


def render(template: str, values: Mapping[str, Any]) -> str:
    """The template filled in; a missing or empty value prints as `?`, a bad format spec falls back to str()."""
    out: list[str] = []
    for literal, field, spec, _conversion in _FORMATTER.parse(template):
        out.append(literal)
        if field is None:
            continue
        value = values.get(field)
        if value is None or value == "":
            out.append("?")
            continue
        try:
            out.append(format(value, spec or ""))
        except (ValueError, TypeError):
            out.append(str(value))
    return "".join(out)


def has_values(template: str, values: Mapping[str, Any]) -> bool:
    """True when every signal the template names has a value worth printing (not None, empty, zero or false)."""
    return all(values.get(name) not in (None, "", 0, False) for name in names(template))
