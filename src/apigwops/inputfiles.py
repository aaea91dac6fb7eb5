"""Reading the YAML and JSON files users hand us (playbooks, cost scenarios, bundle manifests), safely.

One place decides how such a file is read, so every reader fails the same way: one line naming the file
(and the line, when there is one) and exit 2, never a traceback or exit 255.

- YAML is read with a safe loader (libyaml's `CSafeLoader` when PyYAML was built with it: ~10x faster on the
  shipped playbooks, same safe constructors) and composed into nodes once, so that a schema error at
  `findings[2].match.field` can be reported as `file:41: findings.2.match.field: problem` (`line_of`).
- Aliases (`*name`) are refused. A 665-byte file nesting lists through aliases ("billion laughs") expands to
  gigabytes when constructed; composing keeps one shared node per anchor, so the check runs on the small node
  graph before anything is expanded. A playbook or a scenario never needs an alias: write the value out.
- Nesting deeper than `MAX_DEPTH` and files larger than `MAX_BYTES` are refused the same way; JSON documents
  (bundle manifests) get the size guard and a ValueError for absurd nesting through `load_json`.
- Bytes that are not UTF-8 name the file and the offset instead of escaping as `UnicodeDecodeError`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apigwops.errors import UsageError

if TYPE_CHECKING:
    import yaml
    from pydantic import ValidationError

MAX_BYTES = 5 * 1024 * 1024  # the shipped playbooks are ~10 KB each and a scenario ~1 KB
MAX_DEPTH = 64  # the deepest shipped playbook nests 9 levels (findings -> match -> all -> any -> not ...)


@dataclass(frozen=True)
class Problem:
    """One reason an input file is invalid: printed as `file:line: message`, line 0 when unknown."""

    path: Path
    line: int  # 1-based; 0 when unknown
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class InputFileError(UsageError):
    """An input file that cannot be read as the structured text it should be (exit 2); carries the Problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class YamlDocument:
    """A YAML file's data and its node tree (the tree carries the line marks `line_of` reads)."""

    path: Path
    data: Any
    root: yaml.Node | None


def read_text(path: Path, *, what: str = "file") -> str:
    """The file's text as UTF-8; a missing, unreadable, oversized or non-UTF-8 file is one `InputFileError`."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputFileError(Problem(path, 0, f"cannot read the {what}: {exc.strerror or exc}")) from None
    if len(raw) > MAX_BYTES:
        raise InputFileError(Problem(path, 0, f"the {what} is larger than {MAX_BYTES // (1024 * 1024)} MB"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputFileError(
            Problem(path, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
        ) from None


def load_yaml(path: Path, *, what: str = "file") -> YamlDocument:
    """Read, compose and construct one YAML document; every failure is one `InputFileError` naming file:line."""
    import yaml

    text = read_text(path, what=what)
    loader_class: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_graph(path, root)
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = int(mark.line) + 1 if mark is not None else 0
        reason = getattr(exc, "problem", None) or str(exc)
        raise InputFileError(Problem(path, line, f"invalid YAML: {reason}")) from None
    except RecursionError:  # the pure-Python parser on deeply nested flow collections
        raise InputFileError(
            Problem(path, 0, f"invalid YAML: nested deeper than {MAX_DEPTH} levels")
        ) from None
    finally:
        loader.dispose()
    return YamlDocument(path, data, root)


def _check_graph(path: Path, root: yaml.Node) -> None:
    """Refuse aliases and deep nesting on the composed graph, before anything is constructed (expanded)."""
    import yaml

    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int, int]] = [(root, 1, int(root.start_mark.line) + 1)]
    while stack:
        node, depth, line = stack.pop()
        if id(node) in seen:
            raise InputFileError(
                Problem(path, line, "YAML aliases (*name) are not allowed here: write the value out")
            )
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise InputFileError(Problem(path, line, f"nested deeper than {MAX_DEPTH} levels"))
        children: list[tuple[yaml.Node, int, int]] = []
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                key_line = int(key.start_mark.line) + 1
                children += [
                    (key, depth + 1, key_line),
                    (value, depth + 1, key_line),
                ]  # an alias: its key's line
        elif isinstance(node, yaml.SequenceNode):
            here = int(node.start_mark.line) + 1  # an alias's own mark is its anchor's: report the list's
            children = [(item, depth + 1, here) for item in node.value]
        stack.extend(reversed(children))  # depth first in document order: the anchor is met before its alias


def line_of(root: yaml.Node | None, loc: Sequence[int | str], *, key: bool = False) -> int:
    """The 1-based line of the node at `loc` (a pydantic error location), or of its nearest ancestor found.

    A mapping entry is pointed at by its key's line when `key` (an unknown field) or when its value is a
    collection (a tier, a finding's `match:`), whose own mark would be the line after the key for a block.
    """
    import yaml

    if root is None:
        return 1
    node: yaml.Node = root
    line = int(node.start_mark.line) + 1
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            entry = next(((k, v) for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            if entry is None:
                break
            key_node, node = entry
            collection = isinstance(node, yaml.MappingNode | yaml.SequenceNode)
            line = int((key_node if collection or (last and key) else node).start_mark.line) + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = int(node.start_mark.line) + 1
        else:
            break
    return line


def validation_problems(
    document: YamlDocument,
    exc: ValidationError,
    *,
    suggest: Any = None,
) -> list[Problem]:
    """Every pydantic error as `Problem(file, line, "field.path: problem")`.

    `suggest(loc)` may name the field the user probably meant for an unknown one ("did you mean ...").
    """
    problems: list[Problem] = []
    for error in exc.errors():
        loc = [part for part in error["loc"] if not _is_union_tag(part)]
        field = ".".join(str(part) for part in loc) or "(top)"
        extra = error["type"] == "extra_forbidden"
        if extra:
            message = f"unknown field {loc[-1]!r}" if loc else "unknown field"
            hint = suggest(tuple(loc)) if suggest is not None and loc else None
            if hint:
                message += f" (did you mean {hint!r}?)"
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(Problem(document.path, line_of(document.root, loc, key=extra), f"{field}: {message}"))
    return problems


def _is_union_tag(part: int | str) -> bool:
    """pydantic's names for union members and validator wrappers in a location, which no file spells."""
    return isinstance(part, str) and ("[" in part or part in {"function-after", "function-before"})


def load_json(data: bytes, *, max_bytes: int = MAX_BYTES) -> Any:
    """`json.loads` that raises ValueError, never RecursionError, for oversized or absurdly nested input.

    CPython's JSON scanner counts its own recursion and raises RecursionError (200,000 nested brackets), which
    would escape `except ValueError` in every caller.
    """
    if len(data) > max_bytes:
        raise ValueError(f"larger than {max_bytes // (1024 * 1024)} MB")
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("nested too deeply") from None
