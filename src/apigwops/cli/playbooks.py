"""`apigwops playbooks list|show|validate|vocabulary`: browse, read and check diagnose playbooks offline.

`validate` is what an author runs before committing a playbook (and what CI runs): every problem as
`file:line: message`, exit 2 when there is one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Diagnose playbooks: list, show, validate (offline) and the vocabulary they are written in.",
    no_args_is_help=True,
)

ExtraDirs = Annotated[
    list[Path] | None,
    typer.Option("--playbooks", metavar="DIR", help="Also your playbooks in this directory; repeatable."),
]


@app.command("list")
def list_command(ctx: typer.Context, playbooks: ExtraDirs = None) -> None:
    """The playbooks diagnose runs: id, symptoms and the finding ids each can report."""
    from apigwops.cli.context import make_runtime
    from apigwops.diagnose.loader import load_playbooks
    from apigwops.render import Result, render
    from apigwops.render.playbooks import LIST

    runtime = make_runtime(ctx, kind=LIST)
    rows: list[dict[str, Any]] = [
        {
            "id": book.id,
            "title": book.title,
            "status": book.status,
            "symptoms": book.symptoms,
            "findings": [spec.id for spec in book.findings],
            "source": book.source,
        }
        for book in sorted(load_playbooks(playbooks or []), key=lambda b: b.id)
    ]
    render(runtime, Result(LIST, rows))


@app.command("show")
def show_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A playbook id or a finding id (e.g. lambda-timeout).")],
    playbooks: ExtraDirs = None,
) -> None:
    """Print a playbook's YAML (for a finding id, the playbook that reports it)."""
    from apigwops.cli.context import make_runtime
    from apigwops.diagnose.loader import load_playbooks
    from apigwops.errors import NotFoundError
    from apigwops.render import Result, render
    from apigwops.render.playbooks import SHOW

    runtime = make_runtime(ctx, kind=SHOW)
    books = load_playbooks(playbooks or [])
    book = next((b for b in books if b.id == name), None)
    book = book or next((b for b in books if any(s.id == name for s in b.findings)), None)
    if book is None:
        known = ", ".join(sorted(b.id for b in books))
        raise NotFoundError(f"no playbook or finding called {name!r}", hint=f"playbooks: {known}")
    document = {**book.model_dump(mode="json", by_alias=True, exclude_none=True), "source": book.source}
    render(runtime, Result(SHOW, document))


@app.command("validate")
def validate_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Playbook files or directories (default: the shipped playbooks)."),
    ] = None,
) -> None:
    """Check playbooks against the schema and vocabulary offline; each problem as file:line: message."""
    from apigwops.cli.context import make_runtime
    from apigwops.diagnose.loader import shipped_dir, validate_paths
    from apigwops.errors import UsageError
    from apigwops.render import Result, render
    from apigwops.render.playbooks import VALIDATE

    runtime = make_runtime(ctx, kind=VALIDATE)
    valid, problems = validate_paths(paths or [shipped_dir()])
    document: dict[str, Any] = {
        "valid": [{"id": b.id, "source": b.source, "findings": len(b.findings)} for b in valid],
        "problems": [{"file": str(p.path), "line": p.line, "message": p.message} for p in problems],
    }
    render(runtime, Result(VALIDATE, document))
    if problems:
        files = len({p.path for p in problems})
        raise UsageError(f"{len(problems)} problem(s) in {files} playbook file(s); first: {problems[0]}")


@app.command("vocabulary")
def vocabulary_command(ctx: typer.Context) -> None:
    """The request fields `match` may test, the signals `when`, `count` and templates may name, and the
    evidence checks a playbook may list under `evidence:`."""
    from apigwops.cli.context import make_runtime
    from apigwops.diagnose.vocabulary import (
        EVIDENCE_CHECKS,
        FEATURE_COLUMNS,
        REQUEST_COLUMNS,
        SIGNALS,
        SYMPTOM_FAMILIES,
    )
    from apigwops.render import Result, render
    from apigwops.render.playbooks import VOCABULARY

    runtime = make_runtime(ctx, kind=VOCABULARY)
    fields = {name: FEATURE_COLUMNS.get(name, "access-log field") for name in sorted(REQUEST_COLUMNS)}
    document = {"symptoms": list(SYMPTOM_FAMILIES), "fields": fields, "signals": SIGNALS}
    render(runtime, Result(VOCABULARY, {**document, "evidence": EVIDENCE_CHECKS}))
