"""The shared reader of user files: aliases, nesting, size and encoding refused with file:line, lines located."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from apigwops.errors import UsageError
from apigwops.inputfiles import MAX_DEPTH, InputFileError, line_of, load_json, load_yaml

# A "billion laughs" like issue 13's 665-byte one: nine levels of nine aliases expand to 9^9 (387 million) strings.
BOMB = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def _problem(path: Path) -> InputFileError:
    with pytest.raises(InputFileError) as info:
        load_yaml(path)
    assert isinstance(info.value, UsageError)  # exit 2 through the CLI's one error path
    return info.value


def test_billion_laughs_is_refused_before_it_expands(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    assert len(BOMB.encode()) < 700
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, hard))  # expanding it would need 5.8 GB
    try:
        error = _problem(path)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert error.problem.line == 2  # b's list is the first to reuse an anchor
    assert "aliases" in error.problem.message


def test_an_anchor_without_alias_is_fine_and_data_is_constructed(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("a: &x [1, 2]\nb: {c: 3}\n")
    document = load_yaml(path)
    assert document.data == {"a": [1, 2], "b": {"c": 3}}


def test_deep_block_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(
        "".join(f"{'  ' * i}k{i}:\n" for i in range(MAX_DEPTH + 2)) + "  " * (MAX_DEPTH + 2) + "x: 1\n"
    )
    assert "nested deeper than" in _problem(path).problem.message


def test_deep_flow_nesting_is_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text("a: " + "[" * 200_000 + "]" * 200_000)
    assert "invalid YAML" in _problem(path).problem.message


def test_not_utf8_names_the_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    problem = _problem(path).problem
    assert (problem.line, str(problem)) == (2, f"{path}:2: not UTF-8 text (byte 0xe9 at offset 11)")


def test_missing_and_oversized(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "cannot read the scenario" in str(
        _problem_of(lambda: load_yaml(tmp_path / "no.yaml", what="scenario"))
    )
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 10)
    monkeypatch.setattr("apigwops.inputfiles.MAX_BYTES", 20)
    assert "larger than" in _problem(big).problem.message


def _problem_of(call: object) -> InputFileError:
    with pytest.raises(InputFileError) as info:
        call()  # type: ignore[operator]
    return info.value


def test_line_of_points_at_keys_for_blocks_and_unknown_fields(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("top: 1\ntiers:\n  free:\n    keys: 3\n    burst: [1,\n      2]\n")
    root = load_yaml(path).root
    assert line_of(root, ["top"]) == 1
    assert line_of(root, ["tiers", "free"]) == 3  # a block: its key's line, not the first line inside
    assert line_of(root, ["tiers", "free", "keys"]) == 4
    assert line_of(root, ["tiers", "free", "burst", 1]) == 6
    assert line_of(root, ["tiers", "free", "nope"]) == 3  # the nearest ancestor found
    assert line_of(None, ["x"]) == 1


def test_load_json_turns_deep_nesting_and_size_into_value_errors() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        load_json(b"[" * 200_000 + b"]" * 200_000)
    with pytest.raises(ValueError, match="larger than"):
        load_json(b"[1]" * 10, max_bytes=5)
    assert load_json(b'{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
