"""Renderers: turn a core result into table (rich), JSON or markdown text; the CLI picks one by `--output`."""
