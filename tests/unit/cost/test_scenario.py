"""Scenario files: the shipped example loads; bad files fail with `file:line: field: problem`."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from apigwops.cost.catalog import Catalog, load_catalog
from apigwops.cost.estimator import estimate
from apigwops.cost.scenario import load_scenario
from apigwops.errors import UsageError

REPO = Path(__file__).resolve().parents[3]
GOOD = """\
region: us-east-1
api_type: rest
response_kb: 2
tiers:
  free:
    keys: 10
    quota_per_month: 1000
    rate_per_second: 5
    burst: 10
    expected_use: 50%
  internal:
    keys: 1
    quota_per_month: unlimited
    rate_per_second: 2500
    expected_requests_per_key: 1.5M
"""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(use_cache=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


def error_of(path: Path, catalog: Catalog) -> str:
    with pytest.raises(UsageError) as info:
        load_scenario(path, catalog)
    return info.value.message


def test_shipped_example_has_the_four_tiers(catalog: Catalog) -> None:
    scenario = load_scenario(REPO / "examples" / "tiers.yaml", catalog)
    usage = scenario.to_usage()
    tiers = {t.name: t for t in usage.tiers}
    assert list(tiers) == ["free", "basic", "premium", "internal"]
    assert (tiers["free"].quota_per_key, tiers["free"].rate_per_second, tiers["free"].burst) == (1000, 5, 10)
    assert (tiers["basic"].quota_per_key, tiers["basic"].rate_per_second, tiers["basic"].burst) == (
        50_000,
        50,
        100,
    )
    assert tiers["premium"].quota_per_key == 1_000_000
    assert tiers["premium"].burst == 2000
    assert tiers["internal"].quota_per_key is None
    assert tiers["internal"].rate_per_second == 2500
    est = estimate(usage, catalog, scenario.to_options())
    assert cents_sum(est) == round(est.total_usd, 2)


def cents_sum(est: object) -> D:
    from apigwops.cost.model import Estimate

    assert isinstance(est, Estimate)
    return round(sum((t.usd for t in est.tiers), D(0)), 2)


def test_good_scenario_counts_and_shares(tmp_path: Path, catalog: Catalog) -> None:
    usage = load_scenario(write(tmp_path, GOOD), catalog).to_usage()
    assert usage.requests == 10 * 500 + 1_500_000
    assert [t.requests for t in usage.tiers] == [5000, 1_500_000]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    keys: 10\n",
            "    keys: -3\n",
            ":6: tiers.free.keys: Input should be greater than or equal to 0",
        ),
        ("response_kb: 2", "response_kb: -2", ":3: response_kb: must not be negative"),
        ("    burst: 10\n", "    burst: 10\n    burts: 3\n", ":10: tiers.free.burts: unknown field 'burts'"),
        ("    quota_per_month: 1000\n", "    quota_per_mont: 1000\n", "(did you mean 'quota_per_month'?)"),
        ("region: us-east-1", "region: mars-east-1", ":1: region: unknown region 'mars-east-1'"),
        (
            "api_type: rest",
            "api_typ: rest",
            ":2: api_typ: unknown field 'api_typ' (did you mean 'api_type'?)",
        ),
        ("api_type: rest", "api_type: soap", ":2: api_type: Input should be 'rest', 'http' or 'websocket'"),
        ("expected_use: 50%", "expected_use: 150%", ":10: tiers.free.expected_use: must be at most 1"),
        ("    expected_use: 50%\n", "", ":5: tiers.free: set expected_use"),
        ("expected_requests_per_key: 1.5M", "expected_requests_per_key: lots", "not a number: 'lots'"),
    ],
)
def test_bad_scenario_names_file_line_field(
    tmp_path: Path, catalog: Catalog, old: str, new: str, expected: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    message = error_of(path, catalog)
    assert message.startswith(str(path) + ":")
    assert expected in message
    assert "\n" not in message


def test_invalid_yaml_and_missing_file(tmp_path: Path, catalog: Catalog) -> None:
    message = error_of(write(tmp_path, "tiers:\n  free: [1, 2\n"), catalog)
    assert "invalid YAML" in message
    assert ":3:" in message
    assert "cannot read" in error_of(tmp_path / "nope.yaml", catalog)
    assert "must be a mapping" in error_of(write(tmp_path, "- 1\n- 2\n"), catalog)


def test_tiers_only_for_rest(tmp_path: Path, catalog: Catalog) -> None:
    message = error_of(write(tmp_path, GOOD.replace("api_type: rest", "api_type: http")), catalog)
    assert "usage-plan tiers exist for REST APIs only" in message


def test_provisioned_concurrency_example_from_a_scenario(tmp_path: Path, catalog: Catalog) -> None:
    """The Lambda page's Provisioned Concurrency Example 1 ($19.96) written as a scenario file."""
    text = """\
requests: 0
lambda:
  requests: 3M
  memory_mb: 1536
  duration_ms: 120
  provisioned: {concurrency: 100, hours: 8, requests: 500K, duration_ms: 100}
options: {free_tier: true}
"""
    scenario = load_scenario(write(tmp_path, text), catalog)
    est = estimate(scenario.to_usage(), catalog, scenario.to_options())
    assert round(est.total_usd, 2) == D("19.96")


def test_dynamodb_route53_and_insights_from_a_scenario(tmp_path: Path, catalog: Catalog) -> None:
    """On-demand DynamoDB ($0.125/M reads, $0.625/M writes, $0.25/GB-month after 25 GB free), Route 53
    ($0.50 per zone for the first 25, $0.40/M queries) and Logs Insights ($0.005/GB scanned)."""
    text = """\
requests: 0
logs: {insights_scanned_gb: 200}
dynamodb: {reads: 80M, writes: 16M, storage_gb: 30}
route53: {hosted_zones: 27, queries: 5M}
options: {free_tier: true}
"""
    scenario = load_scenario(write(tmp_path, text), catalog)
    est = estimate(scenario.to_usage(), catalog, scenario.to_options())
    lines = {c.component: round(c.usd, 2) for c in est.components}
    assert lines == {
        "logs-insights-scanned": D("1.00"),
        "dynamodb-reads": D("10.00"),
        "dynamodb-writes": D("10.00"),
        "dynamodb-storage": D("1.25"),  # (30 - 25 free) x $0.25
        "route53-hosted-zones": D("12.70"),  # 25 x $0.50 + 2 x $0.10
        "route53-queries": D("2.00"),
    }
    assert any("route53.query" in a and "unconfirmed" in a for a in est.assumptions)
