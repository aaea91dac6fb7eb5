"""Renderers: turn a command's result into table (rich), JSON, YAML, text, markdown or CSV on stdout.

A command builds a `Result` (its kind, the JSON document `--output json` prints, and optionally the core
object) and calls `render(runtime, result)`; it never looks at the format. Renderers register themselves per
(result kind, format) with `@renders(...)` in the modules of this package, which the registry imports on first
use: a new format is one new module here. JSON, YAML and text render any document; with `--query` the
JMESPath result is rendered by the generic renderers (table and CSV included), as the AWS CLI does.

Importing this package is cheap: rich, pandas and yaml load inside the renderers that need them.
"""

from __future__ import annotations

from apigwops.render.registry import ANY, QUERIED, Result, formats_for, render, renders

__all__ = ["ANY", "QUERIED", "Result", "formats_for", "render", "renders"]
