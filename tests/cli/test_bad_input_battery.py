"""The permanent bad-input battery (issue 13): every option of every command gets bad values.

The command tree is walked (Typer's Click command), so a new command or option is covered without a new test.
Each value's type decides what is asked of it:

* a value the option's type cannot hold (text for a number, a name outside an enum): exit 2 and exactly one
  `apigwops: error:` line;
* any other value (generated text, paths that do not exist or are directories, numbers at the edges,
  NaN and infinity): no traceback and never exit 255 ("a bug"); when the answer is exit 2 it is one line;
  when the command fails, it wrote nothing.

Values come from `hypothesis` (bounded examples, derandomized so CI sees the same ones) plus fixed edge
cases. Commands run in-process through `apigwops.cli.run`, the console script's own error mapping. Nothing
reaches AWS and nothing starts load or a server: the first AWS client or `subprocess.Popen` ends the case as
"accepted" (the command got past its validation) before any work starts.
The explicit reproductions of the issue live in tests/cli/test_bad_inputs.py (real console script).
"""

from __future__ import annotations

import math
import subprocess
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apigwops.aws.session import AwsContext
from apigwops.cli import app, run

CLOSED_ENDPOINT = "http://127.0.0.1:9"
EXAMPLES = 12  # per option; the whole battery stays within a few minutes on one core

# Values that let a command reach its own validation: required options, then positional arguments. A command
# missing here is still covered; its cases may just stop earlier, at the missing required value.
BASE_OPTIONS: dict[str, list[str]] = {
    "diagnose": ["--api", "user-api", "--stage", "prod"],
    "capture": ["--api", "user-api", "--stage", "prod", "--out", "{tmp}/bundle"],
    "cost estimate": ["--requests", "1M"],
    "cost compare": ["--requests", "1M"],
    "loadtest run": ["--url", "http://127.0.0.1:9/", "-t", "5s"],
}
GLOBAL_HOST = ["diagnose", "--api", "user-api", "--stage", "prod"]
BASE_ARGUMENTS: dict[str, list[str]] = {
    "loadtest check": ["{tmp}"],
    "playbooks show": ["5xx-integration"],
}


class StartedWork(BaseException):
    """Raised instead of starting a process or making an AWS client: the command accepted its input."""


@dataclass(frozen=True)
class Case:
    command: tuple[str, ...]
    param: str
    flag: str | None  # None for an argument
    annotation: Any
    multiple: bool

    @property
    def id(self) -> str:
        return f"{' '.join(self.command) or 'apigwops'} {self.flag or self.param}"

    def argv(self, value: str, tmp: Path) -> list[str]:
        if not self.command:  # a global option: judged on a command that would use it
            return [str(self.flag), value, *GLOBAL_HOST]
        name = " ".join(self.command)
        options = [arg.replace("{tmp}", str(tmp)) for arg in BASE_OPTIONS.get(name, [])]
        arguments = [arg.replace("{tmp}", str(tmp)) for arg in BASE_ARGUMENTS.get(name, [])]
        if self.flag is None:  # an argument: the value takes the base argument's place
            return [*self.command, value, *options]
        if self.flag in options:  # the base gives this option: the value replaces it
            at = options.index(self.flag)
            del options[at : at + 2]
        return [*self.command, *arguments, *options, self.flag, value]


def _leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    children = getattr(command, "commands", None)
    if children:
        for name, child in sorted(children.items()):
            yield from _leaves(child, (*path, name))
    else:
        yield path, command


def _value_type(param: Any) -> Any:
    annotation = param.type_descriptor.annotation
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0]
    return annotation


COMMAND = typer.main.get_command(app)


def cases() -> list[Case]:
    found = []
    for path, command in [((), COMMAND), *_leaves(COMMAND)]:
        for param in command.params:
            kind = _value_type(param)
            if param.name == "help" or kind is bool:
                continue
            flag = next((o for o in param.opts if o.startswith("--")), None)
            is_option = param.param_type_name == "option"
            found.append(Case(path, str(param.name), flag if is_option else None, kind, bool(param.multiple)))
    return found


CASES = cases()


def test_the_battery_walks_every_command() -> None:
    commands = {case.command for case in CASES}
    for expected in (
        ("diagnose",),
        ("capture",),
        ("cost", "estimate"),
        ("loadtest", "run"),
        ("sandbox", "up"),
    ):
        assert expected in commands
    assert len(CASES) > 80


# Values no option of that type can take: Click refuses them before the command runs.
def type_invalid(case: Case) -> list[str]:
    kind = case.annotation
    if kind is int:
        return ["abc", "1.5", "0x", "--"]
    if kind is float:
        return ["abc", "1,5", "1e"]
    if isinstance(kind, type) and issubclass(kind, Enum):
        return ["not-a-choice", ""]
    return []


# Values a type can hold that commands must still judge: edges of numbers, odd paths, odd text.
def edge_values(case: Case, tmp: Path) -> list[str]:
    kind = case.annotation
    if kind is int:
        return ["-1", "0", "9" * 30, "-" + "9" * 30]
    if kind is float:
        return ["nan", "inf", "-inf", "1e400", "-0", "0"]
    if kind is Path:
        (tmp / "not-utf8.yaml").write_bytes(b"\xff\xfe: [")
        return [str(tmp / "missing" / "x"), str(tmp), "/dev/null", "/proc/x/y", str(tmp / "not-utf8.yaml")]
    return [
        "",
        " ",
        "-",
        "1000000d",
        "%s%n{0}$(true)",
        "\u202eevil",
        "notaurl",
        "http://[::1",
        "http://127.0.0.1:99999/",
        "9" * 400,
        "0001-01-01T00:00:00",
        "\x1b[31mred\x1b[0m",
        "a\r\nb: c",
        "../../../../etc/passwd",
        "x" * 5000,
    ]


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=0, max_size=60
)


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    started_work: bool


@pytest.fixture
def invoke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> typing.Callable[[list[str]], Outcome]:
    home = tmp_path / "home"
    work = tmp_path / "cwd"
    home.mkdir()
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("APIGWOPS_HOME", str(home))
    monkeypatch.setenv("AWS_ENDPOINT_URL", CLOSED_ENDPOINT)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    def refuse(*_: Any, **__: Any) -> Any:
        raise StartedWork

    monkeypatch.setattr(subprocess, "Popen", refuse)
    # Click commands are reusable: build the tree once instead of on every run() (most of a rejected call)
    monkeypatch.setattr(typer.main, "get_command", lambda _app: COMMAND)
    monkeypatch.setattr(AwsContext, "client", refuse)  # accepted input reaches AWS: stop there, offline

    def call(argv: list[str]) -> Outcome:
        capsys.readouterr()
        before = _listing(work) | _listing(home)
        try:
            code = run(["--no-color", *argv])
        except StartedWork:
            code = -1
        out, err = capsys.readouterr()
        started = code == -1 or "unexpected StartedWork" in err
        outcome = Outcome(code, out, err, started)
        if code != 0 and not started:
            assert _listing(work) | _listing(home) == before, f"{argv}: a failed command left files behind"
        return outcome

    return call


def _listing(root: Path) -> frozenset[str]:
    return frozenset(str(p.relative_to(root)) for p in root.rglob("*"))


def assert_clean_failure(outcome: Outcome, argv: list[str]) -> None:
    """The invariants every input must keep: no traceback, never 255, one error line when it is exit 2."""
    if outcome.started_work:
        return
    assert "Traceback" not in outcome.stderr, (argv, outcome.stderr)
    assert outcome.code != 255, (argv, outcome.stderr)
    errors = [line for line in outcome.stderr.splitlines() if line.startswith("apigwops: error:")]
    assert len(errors) <= 1, (argv, outcome.stderr)
    if outcome.code == 2:
        assert len(errors) == 1, (argv, outcome.stderr)


TYPED = [case for case in CASES if type_invalid(case)]


@pytest.mark.parametrize("case", TYPED, ids=[c.id for c in TYPED])
def test_values_the_type_cannot_hold_are_exit_2_with_one_line(
    case: Case, invoke: typing.Callable[[list[str]], Outcome], tmp_path: Path
) -> None:
    for value in type_invalid(case):
        argv = case.argv(value, tmp_path)
        outcome = invoke(argv)
        assert not outcome.started_work, argv
        assert outcome.code == 2, (argv, outcome.stderr)
        assert_clean_failure(outcome, argv)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_edge_values_never_crash(
    case: Case, invoke: typing.Callable[[list[str]], Outcome], tmp_path: Path
) -> None:
    for value in edge_values(case, tmp_path):
        argv = case.argv(value, tmp_path)
        assert_clean_failure(invoke(argv), argv)


TEXT_CASES = [case for case in CASES if case.annotation in (str, Path)]


@pytest.mark.parametrize("case", TEXT_CASES, ids=[c.id for c in TEXT_CASES])
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=TEXT)
def test_generated_text_never_crashes(
    case: Case, value: str, invoke: typing.Callable[[list[str]], Outcome], tmp_path: Path
) -> None:
    if value.startswith("-"):  # would be read as an option name: Click's own territory, covered above
        value = "x" + value
    argv = case.argv(value, tmp_path)
    assert_clean_failure(invoke(argv), argv)


NUMBER_CASES = [case for case in CASES if case.annotation in (int, float)]


@pytest.mark.parametrize("case", NUMBER_CASES, ids=[c.id for c in NUMBER_CASES])
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(number=st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True)))
def test_generated_numbers_never_crash(
    case: Case, number: float, invoke: typing.Callable[[list[str]], Outcome], tmp_path: Path
) -> None:
    text = str(number) if not (isinstance(number, float) and math.isnan(number)) else "nan"
    argv = case.argv(text, tmp_path)
    assert_clean_failure(invoke(argv), argv)
