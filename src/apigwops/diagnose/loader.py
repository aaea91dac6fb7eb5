"""Loading and validating playbooks, with errors that point at the file and line.

Files are read by `apigwops.inputfiles` (safe YAML, no aliases, UTF-8, one shared error locator), so a schema
error at `findings[2].match.field` is reported as `playbooks/5xx-integration.yaml:41: ...`, the way a compiler
would. Shipped playbooks come from
`apigwops.resources.data_dir("playbooks")`; users add directories with `--playbooks DIR`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import ValidationError

from apigwops.diagnose import template
from apigwops.diagnose.schema import Playbook
from apigwops.diagnose.vocabulary import SIGNALS
from apigwops.errors import UsageError
from apigwops.inputfiles import InputFileError, Problem, YamlDocument, line_of, load_yaml, validation_problems
from apigwops.resources import data_dir


def shipped_dir() -> Path:
    return data_dir("playbooks")


def playbook_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for directory in dirs:
        if directory.is_file():
            files.append(directory)
            continue
        if not directory.is_dir():
            raise UsageError(f"playbook directory {directory} does not exist")
        files.extend(sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]))
    return files


def check_file(path: Path) -> tuple[Playbook | None, list[Problem]]:
    """Parse and validate one file; the playbook when valid, and every problem found."""
    try:
        document = load_yaml(path, what="playbook")
    except InputFileError as exc:
        return None, [exc.problem]
    data = document.data
    if document.root is None or not isinstance(data, dict):
        return None, [Problem(path, 1, "a playbook is a YAML mapping with id, title, symptoms and findings")]
    try:
        playbook = Playbook.model_validate({**data, "source": str(path)})
    except ValidationError as exc:
        return None, validation_problems(document, exc)
    problems = _template_problems(playbook, document)
    if playbook.id != path.stem:
        problems.append(
            Problem(path, line_of(document.root, ["id"]), f"id {playbook.id!r} must equal the file name")
        )
    return (playbook if not problems else None), problems


def _template_problems(playbook: Playbook, document: YamlDocument) -> list[Problem]:
    path, node = document.path, document.root
    problems: list[Problem] = []
    for i, spec in enumerate(playbook.findings):
        texts: list[tuple[list[int | str], str]] = [(["findings", i, "title"], spec.title)]
        texts += [(["findings", i, "evidence", j, "detail"], e.detail) for j, e in enumerate(spec.evidence)]
        texts.append((["findings", i, "remediation", "text"], spec.remediation.text))
        texts += [(["findings", i, "remediation", "cli", j], c) for j, c in enumerate(spec.remediation.cli)]
        for loc, text in texts:
            try:
                unknown = [n for n in template.names(text) if n not in SIGNALS]
            except ValueError as exc:
                problems.append(Problem(path, line_of(node, loc), str(exc)))
                continue
            if unknown:
                problems.append(
                    Problem(path, line_of(node, loc), f"unknown signal {{{unknown[0]}}} in template")
                )
    return problems


def load_playbooks(extra_dirs: Sequence[Path] = ()) -> list[Playbook]:
    """Shipped playbooks plus the user's; a user playbook with a shipped id replaces it.

    Raises UsageError naming file:line of the first problem (all problems: `apigwops playbooks validate`).
    """
    by_id: dict[str, Playbook] = {}
    for path in playbook_files([shipped_dir(), *extra_dirs]):
        playbook, problems = check_file(path)
        if problems or playbook is None:
            more = (
                f" (and {len(problems) - 1} more; run 'apigwops playbooks validate {path}')"
                if len(problems) > 1
                else ""
            )
            raise UsageError(f"invalid playbook {problems[0]}{more}")
        by_id[playbook.id] = playbook
    if not by_id:
        raise UsageError(f"no playbooks found in {shipped_dir()}")
    return list(by_id.values())


def validate_paths(paths: Sequence[Path]) -> tuple[list[Playbook], list[Problem]]:
    """Every playbook and every problem in `paths` (files or directories); for `apigwops playbooks validate`.

    A directory without playbook files is an error (UsageError): validating nothing must not pass in CI.
    """
    valid: list[Playbook] = []
    problems: list[Problem] = []
    for directory in paths:
        if directory.is_dir() and not playbook_files([directory]):
            raise UsageError(f"no playbook files (*.yaml, *.yml) in {directory}")
    for path in playbook_files(paths):
        playbook, found = check_file(path)
        problems.extend(found)
        if playbook is not None:
            valid.append(playbook)
    return valid, problems
