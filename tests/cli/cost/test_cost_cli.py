"""`apigwops cost` through the CLI: output modes, one-line errors with exit 2, live usage from moto.

Most tests call `apigwops.cli.run` in-process (fast, same code path as the console script); two run the
installed console script in a subprocess to prove the real entry point and environment handling.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.conftest import run_cli

from apigwops.cli import run

REPO = Path(__file__).resolve().parents[3]
TIERS = str(REPO / "examples" / "tiers.yaml")


@pytest.fixture(autouse=True)
def cost_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("APIGWOPS_CACHE_DIR", str(cache))
    return cache


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return int(code), out, err


def test_http_example_from_flags_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(
        capsys, "-o", "json", "cost", "estimate", "--api-type", "http", "--requests", "432M",
        "--request-kb", "12", "--response-kb", "46", "--data-transfer", "none",
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert doc["region"] == "us-east-1"
    assert doc["total_usd"] == 418.8
    assert doc["usd_per_million_requests"] == 0.97
    assert doc["components"][0]["component"] == "api-requests"
    assert doc["components"][0]["quantity"] == 432_000_000
    assert doc["tiers"] == []
    assert any("data transfer out not priced" in a for a in doc["assumptions"])


def test_scenario_csv_is_tier_by_component(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "-o", "csv", "cost", "estimate", "--scenario", TIERS)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["tier"] for r in rows] == ["free", "basic", "premium", "internal", "TOTAL"]
    total = rows[-1]
    parts = [float(total[c]) for c in total if c not in ("tier", "keys", "requests", "usd", "usd_per_key")]
    assert sum(parts) == pytest.approx(float(total["usd"]), abs=0.01)
    assert float(rows[1]["usd_per_key"]) > 0


def test_scenario_json_has_contract_keys_and_worst_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "-o", "json", "cost", "estimate", "--scenario", TIERS, "--region", "us-east-1")
    assert code == 0
    doc = json.loads(out)
    assert {"region", "total_usd", "components", "tiers", "assumptions"} <= set(doc)
    assert {"tier", "requests", "usd", "usd_per_key"} <= set(doc["tiers"][0])
    assert {"component", "quantity", "unit", "usd"} <= set(doc["components"][0])
    assert sum(t["usd"] for t in doc["tiers"]) == pytest.approx(doc["total_usd"], abs=0.02)
    assert doc["worst_case"]["usd"] > doc["total_usd"]


def test_flags_override_the_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    _, base, _ = cli(capsys, "-o", "json", "cost", "estimate", "--scenario", TIERS)
    _, bigger, _ = cli(capsys, "-o", "json", "cost", "estimate", "--scenario", TIERS, "--response-kb", "60")
    dto = {c["component"]: c["usd"] for c in json.loads(base)["components"]}["data-transfer-out"]
    dto_big = {c["component"]: c["usd"] for c in json.loads(bigger)["components"]}["data-transfer-out"]
    assert dto_big == pytest.approx(dto * 10, rel=0.02)


def test_markdown_and_table_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "-o", "markdown", "cost", "estimate", "--scenario", TIERS)
    assert code == 0
    assert "| tier | keys | requests |" in out
    assert "### Assumptions" in out
    code, out, _ = cli(capsys, "-o", "table", "cost", "estimate", "--scenario", TIERS)
    assert code == 0
    assert "Usage-plan tiers" in out
    assert "premium" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--requests", "5Q"], "--requests: not a number: '5Q'"),
        (["--api-type", "soap"], "--api-type: choose one of rest, http, websocket"),
        (["--lambda-memory-mb", "99999", "--lambda-duration-ms", "10"], "--lambda-memory-mb"),
        (["--region", "mars-east-1"], "no prices for region 'mars-east-1'"),
        (["--api-type", "http", "--requests", "1M", "--waf-acls", "1"], "WAF protects REST APIs only"),
        (["--api", "x"], "--api and --stage go together"),
        (["--endpoint-type", "bogus"], "--endpoint-type: choose regional, edge or private"),
        (["--hours-per-month", "0"], "--hours-per-month: must be between 1 and 744"),
        (["--data-transfer", "cheap"], "--data-transfer: choose tiered, flat or none"),
        ([], "nothing to price"),
    ],
)
def test_bad_flags_exit_2_one_line(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    code, out, err = cli(capsys, "-o", "json", "cost", "estimate", *args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert needle in err


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    expected_use: 60%", "    expected_usage: 60%",
         ":26: tiers.basic.expected_usage: unknown field 'expected_usage' (did you mean 'expected_use'?)"),
        ("    keys: 400", "    keys: -400", ":22: tiers.basic.keys: Input should be greater than or equal to 0"),
        ("region: us-east-1", "region: eu-nowhere-1", ":6: region: unknown region 'eu-nowhere-1'"),
        ("  memory_mb: 512", "  memory_mb: -512", ":41: lambda.memory_mb: must not be negative"),
        ("  rules: 6 ", "  rulez: 6 ", ":47: waf.rulez: unknown field 'rulez' (did you mean 'rules'?)"),
    ],
)  # fmt: skip
def test_bad_scenario_exit_2_names_file_line_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, old: str, new: str, expected: str
) -> None:
    text = Path(TIERS).read_text()
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1))
    code, out, err = cli(capsys, "cost", "estimate", "--scenario", str(bad))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert f"apigwops: error: {bad}{expected}" in err


def test_compare_notes_what_http_lacks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "-o", "json", "cost", "compare", "--scenario", TIERS)
    assert code == 0
    doc = json.loads(out)
    assert doc["rest"]["api_type"] == "rest"
    assert doc["http"]["api_type"] == "http"
    assert doc["http_saves_usd"] == pytest.approx(
        doc["rest"]["total_usd"] - doc["http"]["total_usd"], abs=0.01
    )
    lacks = " ".join(doc["http_lacks"])
    for feature in ("cache", "WAF", "usage plans"):
        assert feature in lacks
    http_components = {c["component"] for c in doc["http"]["components"]}
    assert not any(c.startswith(("cache", "waf")) for c in http_components)


def test_prices_snapshot_and_unknown_region(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "-o", "json", "cost", "prices", "--region", "us-east-1")
    assert code == 0
    doc = json.loads(out)
    assert doc["origin"] == "snapshot"
    tiers = doc["prices"]["apigateway.rest.request"]["tiers"]
    assert [t["from"] for t in tiers] == [0, 333_000_000, 1_000_000_000, 20_000_000_000]
    code, _, err = cli(capsys, "cost", "prices", "--region", "xx-nowhere-9")
    assert code == 2
    assert "--refresh" in err


def test_console_script_csv_and_refresh_against_moto(moto_endpoint: str, tmp_path: Path) -> None:
    """The installed script: csv to stdout; --refresh against an endpoint without Pricing (moto) fails in one
    line with the service-error exit code and writes nothing."""
    result = run_cli("-o", "csv", "cost", "estimate", "--requests", "5M", "--response-kb", "3",
                     "--data-transfer", "flat")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "TOTAL,,,18.79," in result.stdout
    cache = tmp_path / "refresh-cache"
    result = run_cli(
        "--endpoint-url", moto_endpoint, "cost", "prices", "--refresh", env={"APIGWOPS_CACHE_DIR": str(cache)}
    )
    assert result.exit_code == 254
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2  # progress line + the error line
    assert lines[1].startswith("apigwops: error: the AWS Price List API failed")
    assert "Traceback" not in result.stderr
    assert not cache.exists() or not list(cache.iterdir())


def test_live_estimate_against_moto(moto_endpoint: str) -> None:
    from tests.functional.cost.test_live_usage import build_account

    build_account(moto_endpoint, datetime.now(UTC))
    # The command's own --region reads the API there (the environment says eu-west-1, where it is not).
    result = run_cli(
        "--endpoint-url", moto_endpoint, "-o", "json", "cost", "estimate", "--api", "shop-api", "--stage",
        "prod", "--days", "10", "--response-kb", "2", "--region", "us-east-1",
        env={"AWS_DEFAULT_REGION": "eu-west-1"},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    miss = run_cli(
        "--endpoint-url", moto_endpoint, "cost", "estimate", "--api", "shop-api", "--stage", "prod",
        env={"AWS_DEFAULT_REGION": "eu-west-1"},
    )  # fmt: skip
    assert miss.exit_code == 2
    assert "shop-api" in miss.stderr
    doc = json.loads(result.stdout)
    assert {t["tier"] for t in doc["tiers"]} == {"free", "premium"}
    assert doc["components"][0]["quantity"] == 3_000_000
    assert any("GetUsage" in a for a in doc["assumptions"])


def test_environment_region_is_not_used_for_offline_prices(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    code, out, _ = cli(capsys, "-o", "json", "cost", "estimate", "--requests", "5M")
    assert code == 0
    doc = json.loads(out)
    assert doc["region"] == "us-east-1"
    assert any("AWS_REGION/AWS_DEFAULT_REGION=eu-west-1 is not used" in a for a in doc["assumptions"])
    code, _, err = cli(capsys, "--region", "eu-west-1", "cost", "estimate", "--requests", "5M")
    assert code == 2
    assert "no prices for region 'eu-west-1'" in err


def test_prices_refresh_through_the_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cost_cache: Path
) -> None:
    """`cost prices --refresh` with the pricing client stubbed (moto has no Pricing): the cache file lands in
    APIGWOPS_CACHE_DIR and the next `cost prices` shows the Price List origin and date."""
    from tests.functional.cost.test_pricelist_refresh import REGION, cache_items, rest_item, stubbed_client

    import apigwops.cost.pricelist as pricelist

    client, stubber = stubbed_client(
        {"apigateway.rest.request": [[rest_item()]], "apigateway.cache": [cache_items()]}
    )
    monkeypatch.setattr(pricelist, "pricing_client", lambda aws: client)
    code, out, err = cli(capsys, "-o", "json", "cost", "prices", "--region", REGION, "--refresh")
    assert code == 0, err
    stubber.assert_no_pending_responses()
    assert (cost_cache / f"prices-{REGION}.json").is_file()
    doc = json.loads(out)
    assert (doc["origin"], doc["date"]) == ("price-list", "2026-10-01")
    assert doc["prices"]["apigateway.rest.request"]["tiers"][0] == {"from": 0, "usd": "0.0000037"}
    assert "cached Price List prices" in err
    code, out, _ = cli(capsys, "-o", "json", "cost", "estimate", "--region", REGION, "--requests", "1M")
    assert code == 0
    assert json.loads(out)["total_usd"] == 3.7
