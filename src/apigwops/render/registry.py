"""The registry of renderers, keyed by (result kind, output format), and the one `render` entry point.

Lookup order: the result kind's own renderer, then a generic one (`ANY`: any JSON document). With `--query`
the document is no longer the command's shape, so only generic renderers apply, plus the ones that need a
query to make sense (`QUERIED`: a generic table and CSV of what the expression selected).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from apigwops.errors import UsageError
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from apigwops.runtime import Runtime

ANY = "*"  # renders any JSON document (json, yaml, text)
QUERIED = "?"  # renders what a --query selected (table, csv)


@dataclass(frozen=True)
class Result:
    """What a command hands to the renderers: `document` is exactly what `--output json` prints."""

    kind: str  # e.g. "diagnose", "cost.estimate"; names the command in error messages
    document: Any
    value: Any = None  # the core object, for renderers that need more than the document (cost tables)


Renderer = Callable[[Result, "Runtime"], None]
R = TypeVar("R", bound=Renderer)

_RENDERERS: dict[tuple[str, OutputFormat], Renderer] = {}
_loaded = False


def renders(kind: str, *formats: OutputFormat) -> Callable[[R], R]:
    """Register a renderer for `kind` in each of `formats`; a second registration for the same key is a bug."""

    def register(fn: R) -> R:
        for fmt in formats:
            key = (kind, OutputFormat(fmt))
            if key in _RENDERERS:
                raise RuntimeError(f"two renderers for {kind} as {fmt}: {_RENDERERS[key]} and {fn}")
            _RENDERERS[key] = fn
        return fn

    return register


def _load() -> None:
    """Import every module of this package once, so that each registers its renderers."""
    global _loaded
    if _loaded:
        return
    package = __name__.rpartition(".")[0]  # found by path, not by importing the package that imports us
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        importlib.import_module(f"{package}.{module.name}")
    _loaded = True


def formats_for(kind: str, *, queried: bool = False) -> list[OutputFormat]:
    """The formats a result of `kind` can be rendered in (with --query: those for any selected document)."""
    _load()
    kinds = (ANY, QUERIED) if queried else (kind, ANY)
    return [fmt for fmt in OutputFormat if any((k, fmt) in _RENDERERS for k in kinds)]


def _lookup(kind: str, fmt: OutputFormat, queried: bool) -> Renderer:
    _load()
    for candidate in (ANY, QUERIED) if queried else (kind, ANY):
        renderer = _RENDERERS.get((candidate, fmt))
        if renderer is not None:
            return renderer
    choices = ", ".join(formats_for(kind, queried=queried))
    what = "a --query result" if queried else kind.replace(".", " ")
    raise UsageError(f"--output {fmt} is not available for {what}; choose one of: {choices}")


def check_format(kind: str, fmt: OutputFormat, *, queried: bool = False) -> None:
    """Raise the usage error for an unavailable format before the command does any work."""
    _lookup(kind, fmt, queried)


def apply_query(expression: str, document: Any) -> Any:
    """The AWS CLI's --query: JMESPath over the JSON document, client side."""
    return compile_query(expression).search(document)


def compile_query(expression: str) -> Any:
    """A compiled JMESPath expression; a bad one is a usage error (exit 2)."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        detail = " ".join(str(exc).split())
        raise UsageError(f"--query {expression!r} is not a valid JMESPath expression: {detail}") from None


def render(runtime: Runtime, result: Result) -> None:
    """Print `result` in `runtime.output`, after `runtime.query` if one was given."""
    queried = runtime.query is not None
    if runtime.query is not None:
        import json

        # The expression sees the document as JSON sees it (numbers, strings, null), not Python objects.
        plain = json.loads(json.dumps(result.document, default=str))
        result = replace(result, document=apply_query(runtime.query, plain), value=None)
    _lookup(result.kind, runtime.output, queried)(result, runtime)
