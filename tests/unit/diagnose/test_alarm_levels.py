"""Alarm levels: defaults, then the config file, then `--alarm-level`; bad input is a usage error."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigwops.diagnose.alarm_levels import resolve_alarm_levels
from apigwops.diagnose.severity import AlarmLevels
from apigwops.errors import UsageError


def test_every_level_has_one_documented_name() -> None:
    from dataclasses import fields

    from apigwops.diagnose.severity import KEYS

    assert sorted(KEYS.values()) == sorted(f.name for f in fields(AlarmLevels))


def test_defaults_are_the_seeds_alarms(tmp_path: Path) -> None:
    assert resolve_alarm_levels([], env={}, cwd=tmp_path) == AlarmLevels(10, 100, 3000, 2000)


def test_the_file_in_the_current_directory_then_the_flag(tmp_path: Path) -> None:
    (tmp_path / "apigwops.toml").write_text(
        '[diagnose.alarm-levels]\n5xx-per-5min = 25\n"p99-latency-ms" = 1500.5\n[other]\nx = 1\n'
    )
    levels = resolve_alarm_levels(["5xx-per-5min=40"], env={}, cwd=tmp_path)
    assert levels == AlarmLevels(40, 100, 1500.5, 2000)


def test_apigwops_config_names_the_file(tmp_path: Path) -> None:
    named = tmp_path / "levels.toml"
    named.write_text("[diagnose.alarm-levels]\nintegration-latency-ms = 900\n")
    (tmp_path / "apigwops.toml").write_text("[diagnose.alarm-levels]\n4xx-per-5min = 7\n")
    levels = resolve_alarm_levels([], env={"APIGWOPS_CONFIG": str(named)}, cwd=tmp_path)
    assert levels == AlarmLevels(10, 100, 3000, 900)


@pytest.mark.parametrize(
    ("text", "flags", "message"),
    [
        ("[diagnose.alarm-levels]\n5xx = 3\n", [], "unknown alarm level"),
        ("[diagnose.alarm-levels]\n5xx-per-5min = 'many'\n", [], "is not a number"),
        ("[diagnose.alarm-levels]\n5xx-per-5min = -1\n", [], "at least 0"),
        ("[diagnose\n", [], "not valid TOML"),
        ("", ["5xx-per-5min"], "use KEY=VALUE"),
        ("", ["5xx-per-5min=nan"], "at least 0"),
    ],
)
def test_bad_levels_are_usage_errors(tmp_path: Path, text: str, flags: list[str], message: str) -> None:
    (tmp_path / "apigwops.toml").write_text(text)
    with pytest.raises(UsageError, match=message):
        resolve_alarm_levels(flags, env={}, cwd=tmp_path)


def test_a_named_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        resolve_alarm_levels([], env={"APIGWOPS_CONFIG": str(tmp_path / "gone.toml")}, cwd=tmp_path)
