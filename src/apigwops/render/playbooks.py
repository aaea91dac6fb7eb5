"""`apigwops playbooks ...` on a terminal: the list as a table, a playbook's own YAML, validation lines, the vocabulary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from apigwops.render.output import console, write
from apigwops.render.registry import Result, renders
from apigwops.runtime import OutputFormat

if TYPE_CHECKING:
    from apigwops.runtime import Runtime

LIST = "playbooks.list"
SHOW = "playbooks.show"
VALIDATE = "playbooks.validate"
VOCABULARY = "playbooks.vocabulary"


@renders(LIST, OutputFormat.table)
def render_list(result: Result, runtime: Runtime) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Playbooks")
    for column in ("id", "symptoms", "findings", "status"):
        table.add_column(column)
    for row in result.document:
        table.add_row(
            Text(row["id"]), ", ".join(row["symptoms"]), Text("\n".join(row["findings"])), row["status"]
        )
    console(runtime).print(table)


@renders(SHOW, OutputFormat.table)
def render_show(result: Result, runtime: Runtime) -> None:
    """The playbook file as its author wrote it (comments included), headed by its path."""
    source = result.document["source"]
    write(f"# {source}")
    text = Path(source).read_text(encoding="utf-8")
    if text:
        write(text)


@renders(VALIDATE, OutputFormat.table)
def render_validate(result: Result, runtime: Runtime) -> None:
    doc = result.document
    for problem in doc["problems"]:
        where = f"{problem['file']}:{problem['line']}" if problem["line"] else problem["file"]
        write(f"{where}: {problem['message']}")
    if not doc["problems"]:
        findings = sum(v["findings"] for v in doc["valid"])
        write(f"ok: {len(doc['valid'])} playbooks, {findings} findings")


@renders(VOCABULARY, OutputFormat.table)
def render_vocabulary(result: Result, runtime: Runtime) -> None:
    doc = result.document
    lines = ["symptoms: " + ", ".join(doc["symptoms"]), "", "fields (match):"]
    lines += [f"  {name:32} {meaning}" for name, meaning in doc["fields"].items()]
    lines += ["", "signals (when, count, templates):"]
    lines += [f"  {name:32} {meaning}" for name, meaning in doc["signals"].items()]
    lines += ["", "evidence checks (evidence):"]
    lines += [f"  {name:32} {meaning}" for name, meaning in doc["evidence"].items()]
    write("\n".join(lines))
