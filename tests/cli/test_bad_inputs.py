"""Bad inputs from issue 13, through the installed CLI: exit 2, exactly one `apigwops: error:` line, no traceback.

Each case exited 255 (or 0) before: time and duration overflow, non-finite and absurd cost quantities, files
that are not UTF-8, YAML aliases, a manifest of 200,000 nested brackets, `playbooks validate` on nothing.
AWS_ENDPOINT_URL points at a closed loopback port, so a case that wrongly reaches AWS fails fast and offline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, run_cli

CLOSED = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_REGION": "us-east-1"}

PLAYBOOK = """\
id: teapot
title: Teapot backends
symptoms: &families ["5xx"]
findings:
  - id: backend-teapot
    title: The backend is a teapot
    symptom: 5xx
    severity: high
    match: {field: integration_error, contains: teapot}
    remediation: {text: "Brew coffee", docs: "https://example.com/teapot"}
    false_positives: *families
"""

SCENARIO_WITH_ALIAS = """\
api_type: rest
tiers:
  free: &tier {keys: 10, quota_per_month: 1000, expected_use: 50%}
  pro: *tier
"""


def assert_one_line_exit_2(result: CliResult, *expected: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("apigwops: error:")]
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


WINDOW_CASES = [
    (("diagnose", "--api", "a", "--stage", "s", "--since", "1000000d"), "longer than 3653d"),
    (("diagnose", "--api", "a", "--stage", "s", "--since", "99999999999d"), "longer than 3653d"),
    (("diagnose", "--api", "a", "--stage", "s", "--start", "0001-01-01T00:00:00"), "before 2015-07-09"),
    (("diagnose", "--api", "a", "--stage", "s", "--start", "1900-01-01"), "before 2015-07-09"),
    (("diagnose", "--api", "a", "--stage", "s", "--start", "0001-01-01T00:00:00+05:00"), "out of range"),
    (("diagnose", "--api", "a", "--stage", "s", "--end", "0001-01-01T00:00:00"), "before 2015-07-09"),
    (("capture", "--api", "a", "--stage", "s", "--since", "1000000d", "--out", "bundle"), "longer than"),
    (("loadtest", "run", "-t", "99999999999d", "--url", "http://127.0.0.1:9/"), "longer than 3653d"),
    (("loadtest", "run", "-t", "9" * 400, "--url", "http://127.0.0.1:9/"), "longer than 3653 days"),
]


@pytest.mark.parametrize(("args", "expected"), WINDOW_CASES, ids=[" ".join(a)[:60] for a, _ in WINDOW_CASES])
def test_time_and_duration_overflow(args: tuple[str, ...], expected: str, tmp_path: Path) -> None:
    result = run_cli(*args, env={**CLOSED, "APIGWOPS_HOME": str(tmp_path)})
    assert_one_line_exit_2(result, expected)
    assert not (tmp_path / "bundle").exists()


COST_CASES: list[tuple[str, Callable[[Path], list[str]], str]] = [
    ("requests-24-digits-T", lambda _: ["--requests", "999999999999999999999999T"], "--requests: too large"),
    (
        "scenario-nan",
        lambda d: ["--scenario", str(write(d / "s.yaml", "requests: .nan\n"))],
        ":1: requests: not a finite number",
    ),
    (
        "scenario-inf",
        lambda d: ["--scenario", str(write(d / "s.yaml", "requests: .inf\n"))],
        ":1: requests: not a finite number",
    ),
    (
        "scenario-30-digits",
        lambda d: ["--scenario", str(write(d / "s.yaml", "requests: " + "9" * 30 + "\n"))],
        ":1: requests: too large",
    ),
    (
        "scenario-30-digit-keys",
        lambda d: [
            "--scenario",
            str(write(d / "s.yaml", "tiers:\n  a: {keys: " + "9" * 30 + ", expected_requests_per_key: 5}\n")),
        ],
        ":2: tiers.a.keys: Input should be less than or equal to",
    ),
    (
        "scenario-not-utf8",
        lambda d: ["--scenario", str(write(d / "s.yaml", b"requests: 5M\nregion: \xff\xfe\n"))],
        "s.yaml:2: not UTF-8 text (byte 0xff",
    ),
    (
        "scenario-alias",
        lambda d: ["--scenario", str(write(d / "s.yaml", SCENARIO_WITH_ALIAS))],
        "s.yaml:4: YAML aliases",
    ),
    (
        "bill-beyond-any-real-one",
        lambda _: ["--requests", "1000T", "--response-kb", "1000T"],
        "beyond any real bill",
    ),
]


@pytest.mark.parametrize(("name", "args", "expected"), COST_CASES, ids=[c[0] for c in COST_CASES])
def test_cost_inputs(name: str, args: Callable[[Path], list[str]], expected: str, tmp_path: Path) -> None:
    assert_one_line_exit_2(run_cli("cost", "estimate", *args(tmp_path)), expected)


def test_playbook_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "teapot.yaml", PLAYBOOK.replace("Brew coffee", "Brew caf\xe9").encode("latin-1"))
    assert_one_line_exit_2(run_cli("playbooks", "validate", str(path)), f"{path}:10: not UTF-8")
    result = run_cli("diagnose", "--playbooks", str(tmp_path), "--api", "a", "--stage", "s", env=CLOSED)
    assert_one_line_exit_2(result, f"invalid playbook {path}:10: not UTF-8")


def test_playbook_aliases_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "teapot.yaml", PLAYBOOK)
    assert_one_line_exit_2(run_cli("playbooks", "validate", str(path)), f"{path}:11: YAML aliases")
    fixed = write(tmp_path / "teapot.yaml", PLAYBOOK.replace("*families", '["5xx"]'))
    assert run_cli("playbooks", "validate", str(fixed)).exit_code == 0


def test_validate_on_a_directory_without_playbooks(tmp_path: Path) -> None:
    write(tmp_path / "README.md", "not a playbook")
    assert_one_line_exit_2(run_cli("playbooks", "validate", str(tmp_path)), "no playbook files")


def test_bundle_manifest_of_nested_brackets(tmp_path: Path) -> None:
    write(tmp_path / "b" / "manifest.json", "[" * 200_000 + "]" * 200_000)
    result = run_cli("diagnose", "--bundle", str(tmp_path / "b"))
    assert_one_line_exit_2(result, "manifest.json is damaged (nested too deeply)")
