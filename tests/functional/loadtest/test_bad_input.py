"""Bad flags give one line on stderr and exit 2, before any Locust process or any traffic starts.

The flag cases run the CLI in-process (`apigwops.cli.run`, the console script's own function) to keep the
suite cheap; the others go through the installed console script."""

from __future__ import annotations

import pytest
from tests.conftest import run_cli
from tests.functional.loadtest.servers import serve

from apigwops.loadtest.config import usable_cores

CASES = [
    (["--slo", "p95<300"], "latency needs a unit"),
    (["--slo", "p42<3ms"], "unknown metric"),
    (["--slo", "error_rate<1ms"], "percentage"),
    (["--slo", "p95 is fast"], "malformed --slo"),
    (["--run-time", "soon"], "duration"),
    (["--users", "5000"], "above the cap"),
    (["--users", "20", "--max-users", "10"], "above the cap"),
    (["--run-time", "2h"], "above the cap"),
    (["--header", "no-colon"], "malformed --header"),
    (["--route", "FETCH /x"], "malformed --route"),
    (["--api-key-env", "APIGWOPS_TEST_UNSET_VAR"], "not set"),
    (["--api-key", "abc", "--api-key-env", "X"], "not both"),
    # issue 13: a CR/LF in a header value was accepted and the run silently sent nothing
    (["--header", "X-A: b\r\nX-B: 1"], "control character"),
    (["-H", "X-A: b\r\nX-B: 1"], "control character"),
    (["-H", "X-A: b\nX-B: 1"], "control character"),
    # issue 13: exit 255 before
    (["--report-dir", "/proc/x"], "--report-dir /proc/x: cannot write there"),
    (["--html", "/proc/x/report.html"], "--html /proc/x: cannot write there"),
    # issue 12: no cap on local processes
    (["--workers", str(usable_cores() + 1)], "above the cap"),
    (["--workers", "100000"], "above the cap"),
    # Locust's spellings of the same things
    (["--processes", "100000"], "above the cap"),
    (["--slo", "p(95)<fast"], "malformed --slo"),
    (["-f", "tier-limits"], "give the scenario once"),
]


@pytest.mark.parametrize(("args", "message"), CASES)
def test_bad_flag_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from apigwops.cli import run

    monkeypatch.delenv("APIGWOPS_TEST_UNSET_VAR", raising=False)
    with serve() as (url, state):
        code = run(["loadtest", "run", "smoke", "--url", url, "--no-cloudwatch", "-t", "2s", *args])
        served = state.total
    out, err = capsys.readouterr()
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("apigwops: error:")
    assert message in lines[0]
    assert served == 0
    assert out == ""


def test_unknown_scenario_and_missing_file() -> None:
    result = run_cli("loadtest", "run", "smokey", "--url", "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert "unknown scenario 'smokey'" in result.stderr
    assert "tier-limits" in result.stderr
    result = run_cli("loadtest", "run", "nope/locustfile.py", "--url", "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert "locustfile not found" in result.stderr


def test_no_target_and_both_targets() -> None:
    result = run_cli("loadtest", "run", "smoke")
    assert result.exit_code == 2
    assert "--url" in result.stderr
    result = run_cli("loadtest", "run", "smoke", "--url", "http://127.0.0.1:9", "--api", "a", "--stage", "s")
    assert result.exit_code == 2
    assert "not both" in result.stderr
    result = run_cli("loadtest", "run", "smoke", "--url", "http://127.0.0.1:9", "-H", "http://127.0.0.1:8")
    assert result.exit_code == 2
    assert "one target" in result.stderr


def test_production_looking_stage_is_refused_without_allow_prod() -> None:
    url = "https://abc123.execute-api.us-east-1.amazonaws.com/prod"
    result = run_cli("loadtest", "run", "smoke", "--url", url, "-t", "2s")
    assert result.exit_code == 2
    assert "looks like production" in result.stderr
    assert "--allow-prod" in result.stderr
    custom = run_cli(
        "loadtest",
        "run",
        "smoke",
        "--url",
        url.replace("/prod", "/blue"),
        "--prod-pattern",
        "^blue$",
        "-t",
        "1s",
    )
    assert custom.exit_code == 2
    assert "looks like production" in custom.stderr


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        ("https://api.example.com/prod/", []),  # a custom domain's base path
        ("https://api.example.com/v1/production-eu/users", []),
        ("https://prod.api.example.com/", []),  # a host named after the stage
        ("https://api-prd.example.com", []),
        ("https://api.example.com/", ["--stage", "production"]),  # --stage says which stage the URL serves
        ("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/live/", []),
    ],
)
def test_production_wherever_it_appears_in_the_url(url: str, extra: list[str]) -> None:
    result = run_cli("loadtest", "run", "smoke", "--url", url, "-t", "2s", "--no-cloudwatch", *extra)
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "looks like production" in lines[0]
    assert "--allow-prod" in lines[0]


def test_tier_limits_without_limits_is_a_usage_error() -> None:
    result = run_cli("loadtest", "run", "tier-limits", "--url", "http://127.0.0.1:9", "-t", "2s")
    assert result.exit_code == 2
    assert "--expect-rate" in result.stderr


def test_check_on_a_directory_without_summary(tmp_path) -> None:
    result = run_cli("loadtest", "check", str(tmp_path), "--slo", "p95<10ms")
    assert result.exit_code == 2
    assert "summary.json" in result.stderr


def test_broken_locustfile_is_one_line_exit_2(tmp_path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('the locustfile is broken on purpose')\n")
    result = run_cli(
        "loadtest", "run", str(broken), "--url", "http://127.0.0.1:9", "-t", "2s", "--workers", "1"
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("apigwops: error: Locust exited")
    assert "broken on purpose" in lines[-1]
    assert "Traceback" not in result.stderr
