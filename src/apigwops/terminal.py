"""Untrusted text made safe for a terminal, in one place.

API names, stage names, log lines and AWS messages reach stderr inside progress lines, warnings and error
lines. A control character in them (ESC starting a terminal sequence, a carriage return that overwrites
the line, a bell, C1 controls) would be obeyed by the terminal: it could recolour, retitle or hide what
apigwops says. Every control character is shown instead as its escape (`\\x1b`, `\\r`), so the user sees
exactly what was given and nothing is executed.
"""

from __future__ import annotations

import re

# C0 controls except tab, DEL, C1 controls; plus the Unicode line and paragraph separators and bidi overrides.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with each control character replaced by its Python escape; printable text is unchanged."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
