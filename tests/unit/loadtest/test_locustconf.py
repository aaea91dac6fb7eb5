"""Locust's configuration read on purpose: its file format, its variables, and one precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigwops.errors import UsageError
from apigwops.loadtest.locustconf import read_env, read_files, split_values
from apigwops.loadtest.request import RunFlags, apply_locust_config
from apigwops.progress import RecordingProgress
from apigwops.runtime import Runtime


def test_files_in_locusts_order(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    (home / ".locust.conf").write_text("users = 1\nhost = http://home\n")
    (cwd / "locust.conf").write_text("# comment\n[locust]\nusers: 2\nspawn_rate 3\nheadless\n")
    (cwd / "pyproject.toml").write_text('[tool.locust]\nusers = 4\ntags = ["a", "b"]\n')
    found = {s.key: s for s in read_files(cwd, home)}
    assert found["users"].value == "4"
    assert found["users"].source.startswith("pyproject.toml")
    assert found["host"].value == "http://home"
    assert found["spawn-rate"].value == "3"
    assert found["headless"].value == "true"
    assert split_values(found["tags"].value) == ["a", "b"]


def test_environment_names() -> None:
    found = read_env(
        {"LOCUST_RUN_TIME": "5s", "LOCUST_EXCLUDE_TAGS": "x y", "LOCUST_EMPTY": "", "OTHER": "1"}
    )
    assert [(s.key, s.value, s.source) for s in found] == [
        ("exclude-tags", "x y", "LOCUST_EXCLUDE_TAGS"),
        ("run-time", "5s", "LOCUST_RUN_TIME"),
    ]


def _apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: RunFlags) -> RecordingProgress:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "nohome"))
    progress = RecordingProgress()
    apply_locust_config(Runtime(progress=progress), flags)
    return progress


def test_command_line_beats_environment_beats_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locust.conf").write_text("users = 3\nrun-time = 9s\nprocesses = -1\nhost = http://file\n")
    monkeypatch.setenv("LOCUST_USERS", "5")
    monkeypatch.setenv("LOCUST_HOST", "http://env")
    flags = RunFlags(url="http://cli", sources={"url": "command line"})
    _apply(tmp_path, monkeypatch, flags)
    assert flags.url == "http://cli"
    assert flags.users == 5
    assert flags.run_time == "9s"
    assert flags.workers is None  # Locust's -1: every core
    assert flags.sources["users"] == "LOCUST_USERS"


def test_no_locust_config_reads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locust.conf").write_text("users = 3\n")
    monkeypatch.setenv("LOCUST_RUN_TIME", "7s")
    flags = RunFlags(locust_config=False)
    _apply(tmp_path, monkeypatch, flags)
    assert (flags.users, flags.run_time, flags.sources) == (10, "30s", {})


def test_a_bad_value_names_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCUST_USERS", "many")
    with pytest.raises(UsageError, match="LOCUST_USERS: users = 'many' is not a number"):
        _apply(tmp_path, monkeypatch, RunFlags())


def test_locusts_host_never_competes_with_a_target_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCUST_HOST", "http://env")
    flags = RunFlags(api="user-api", stage="staging", sources={"stage": "command line"})
    _apply(tmp_path, monkeypatch, flags)
    assert flags.url is None
