"""`data_dir` finds shipped data in a checkout (the layout the test suite runs in)."""

from __future__ import annotations

from apigwops.resources import data_dir


def test_data_dir_finds_the_checkout_playbooks() -> None:
    path = data_dir("playbooks")
    assert path.is_dir()
    assert path.name == "playbooks"


def test_data_dir_names_the_installed_location_when_nothing_exists() -> None:
    path = data_dir("no-such-data")
    assert not path.exists()
    assert path.parts[-3:] == ("apigwops", "_data", "no-such-data")
