"""Generic table and CSV for what a `--query` selected, whatever its shape (the AWS CLI tables any result).

Without --query each command's own table and CSV renderers apply; these take over once the document is the
expression's result. CSV needs rows: a list of objects (the union of their keys as columns), a list of
lists, or a list of scalars; anything else is a usage error naming what to do.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from apigwops.errors import UsageError
from apigwops.render.output import console, is_scalar, write
from apigwops.render.registry import QUERIED, Result, renders
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from apigwops.runtime import Runtime


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value) if is_scalar(value) else json.dumps(value, ensure_ascii=False)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(k for row in rows for k in row))


@renders(QUERIED, OutputFormat.table)
def render_table(result: Result, runtime: Runtime) -> None:
    from rich.table import Table
    from rich.text import Text

    doc = result.document
    if is_scalar(doc):
        write(_cell(doc))
        return
    table = Table(show_header=True)
    if isinstance(doc, dict):
        table.add_column("key")
        table.add_column("value", overflow="fold")
        for key, value in doc.items():
            table.add_row(Text(str(key)), Text(_cell(value)))
    elif doc and all(isinstance(row, dict) for row in doc):
        columns = _columns(doc)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in doc:
            table.add_row(*(Text(_cell(row.get(c))) for c in columns))
    else:
        table.add_column("value", overflow="fold")
        for value in doc:
            table.add_row(Text(_cell(value)))
    console(runtime).print(table)


@renders(QUERIED, OutputFormat.csv)
def render_csv(result: Result, runtime: Runtime) -> None:
    doc = result.document
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if isinstance(doc, list) and doc and all(isinstance(row, dict) for row in doc):
        columns = _columns(doc)
        writer.writerow(columns)
        writer.writerows([_cell(row.get(c)) for c in columns] for row in doc)
    elif isinstance(doc, list) and all(isinstance(row, list) for row in doc):
        writer.writerows([_cell(v) for v in row] for row in doc)
    elif isinstance(doc, list) and all(is_scalar(v) for v in doc):
        writer.writerows([_cell(v)] for v in doc)
    else:
        raise UsageError(
            "--output csv needs rows: make --query select a list (of objects, lists or values)",
            hint="e.g. --query 'findings[].{id: id, share: share}'",
        )
    write(buffer.getvalue())
