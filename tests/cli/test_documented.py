"""Every command has help and is documented in the README (sqlite-utils' habit): a new command without
either fails here, before a user finds it undocumented."""

from __future__ import annotations

from typer.main import get_command

from apigwops.cli import app
from tests.conftest import REPO


def _commands() -> list[tuple[str, object]]:
    root = get_command(app)
    found: list[tuple[str, object]] = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        found.append((name, command))
        for sub_name, sub in getattr(command, "commands", {}).items():
            found.append((f"{name} {sub_name}", sub))
    return found


def test_every_command_has_help() -> None:
    names = [name for name, _ in _commands()]
    assert {"diagnose", "cost estimate", "loadtest run", "sandbox up", "playbooks validate"} <= set(names)
    missing = [name for name, command in _commands() if not (getattr(command, "help", None) or "").strip()]
    assert missing == []


def test_every_command_is_in_the_readme_or_its_docs_page() -> None:
    readme = (REPO / "README.md").read_text()
    docs = " ".join(p.read_text() for p in (REPO / "docs").glob("*.md"))
    undocumented = [
        name for name, _ in _commands() if f"apigwops {name}" not in readme and f"apigwops {name}" not in docs
    ]
    assert undocumented == []
