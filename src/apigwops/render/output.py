"""Where rendered text goes: stdout (plain text) or the runtime's rich console (tables)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from apigwops.runtime import Runtime


def write(text: str) -> None:
    """Plain text on stdout, ending with exactly one newline (no markup, no colour)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def console(runtime: Runtime) -> Console:
    """The data console the CLI made (colour and width settings), or a plain one for library callers."""
    if runtime.out is not None:
        return runtime.out
    from rich.console import Console

    return Console(highlight=False, no_color=True)


def is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))
