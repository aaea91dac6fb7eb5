"""Bundles round-trip the evidence exactly (both formats), hold no secrets, and fail loudly when damaged."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from apigwops.errors import UsageError
from apigwops.evidence.bundle import BUNDLE_VERSION, TABLES, read_bundle, read_manifest, write_bundle
from apigwops.model import WAF_COLUMNS
from apigwops.progress import RecordingProgress
from tests.builders.incident import CLIENT_IPS, NOISY_IP, SECRETS, make_evidence

REDACTED_COLUMNS = {"execution_logs": ["message"], "lambda_logs": ["message"], "waf": ["uri"]}


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_round_trip_keeps_every_table_dtype_and_field(tmp_path: Path, fmt: str) -> None:
    evidence = make_evidence()
    path = write_bundle(evidence, tmp_path / "b", fmt=fmt)  # type: ignore[arg-type]
    back = read_bundle(path)

    for name in TABLES:
        original, restored = getattr(evidence, name), getattr(back, name)
        assert list(restored.dtypes.astype(str)) == list(original.dtypes.astype(str)), name
        keep = [c for c in original.columns if c not in REDACTED_COLUMNS.get(name, [])]
        pd.testing.assert_frame_equal(restored[keep], original[keep], check_exact=True)
    assert back.api == evidence.api
    assert back.window == evidence.window
    assert back.config == evidence.config
    assert back.token == evidence.token
    assert back.checks == evidence.checks
    assert (back.missing_fields, back.unparsed_lines) == (evidence.missing_fields, evidence.unparsed_lines)
    assert (back.logs_bytes_scanned, back.api_calls) == (evidence.logs_bytes_scanned, evidence.api_calls)


def test_manifest_names_versions_sources_rows_and_checksums(tmp_path: Path) -> None:
    evidence = make_evidence(n_requests=321)
    manifest = read_manifest(write_bundle(evidence, tmp_path / "b"))
    assert manifest["bundle_version"] == BUNDLE_VERSION
    assert manifest["tool"]["name"] == "apigwops"
    assert manifest["api"] == {**evidence.api.as_json(), "endpoint": evidence.api.endpoint}
    assert manifest["tables"]["requests"]["rows"] == 321
    assert manifest["tables"]["requests"]["format"] == "parquet"
    assert len(manifest["tables"]["waf"]["sha256"]) == 64
    assert [s["id"] for s in manifest["sources"]] == ["access-logs", "execution-logs", "waf-sampled-requests"]
    assert manifest["sources"][2]["status"] == "skipped"
    assert manifest["redaction"]["ips"] == "kept"
    assert manifest["redaction"]["secrets_replaced"] > 0


def _all_bundle_text(path: Path) -> bytes:
    """Every byte of every file, plus the decoded table values (Parquet compresses what it stores)."""
    blob = b"".join(f.read_bytes() for f in sorted(path.rglob("*")) if f.is_file())
    back = read_bundle(path)
    decoded = "".join(getattr(back, name).astype(str).to_csv() for name in TABLES)
    return blob + decoded.encode()


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_no_secret_from_the_input_reaches_the_bundle(tmp_path: Path, fmt: str) -> None:
    evidence = make_evidence()
    before = "".join(getattr(evidence, n).astype(str).to_csv() for n in TABLES)
    assert all(secret in before for secret in SECRETS)  # the input really carries them
    content = _all_bundle_text(write_bundle(evidence, tmp_path / "b", fmt=fmt))  # type: ignore[arg-type]
    for secret in SECRETS:
        assert secret.encode() not in content, secret
    assert b"Execution failed due to a timeout error" in content  # the evidence itself is still there


def test_redact_ips_keeps_per_ip_counts_and_cross_table_identity(tmp_path: Path) -> None:
    evidence = make_evidence()
    path = write_bundle(evidence, tmp_path / "b", redact_ips=True)
    content = _all_bundle_text(path)
    for ip in CLIENT_IPS:
        assert ip.encode() not in content, ip
    back = read_bundle(path)
    assert sorted(back.requests["ip"].value_counts()) == sorted(evidence.requests["ip"].value_counts())
    noisy = back.requests["ip"].value_counts().idxmax()
    assert evidence.requests["ip"].value_counts().idxmax() == NOISY_IP
    assert back.waf["client_ip"].iloc[0] == noisy  # the same client in another table, same pseudonym
    assert read_manifest(path)["redaction"]["ips_replaced"] >= len(CLIENT_IPS)


def test_existing_non_empty_out_dir_is_refused_and_nothing_is_left_behind(tmp_path: Path) -> None:
    out = tmp_path / "b"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not an empty directory"):
        write_bundle(make_evidence(n_requests=10), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_bundle(make_evidence(n_requests=10), empty) == empty
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "empty"]


def test_without_pyarrow_writes_json_lines_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow` fail
    progress = RecordingProgress()
    path = write_bundle(make_evidence(n_requests=20), tmp_path / "b", progress=progress)
    assert read_manifest(path)["tables"]["requests"]["format"] == "jsonl"
    assert any("pyarrow" in w for w in progress.warnings)
    assert len(read_bundle(path).requests) == 20


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(make_evidence(n_requests=50), tmp_path / "b")


def test_missing_table_gives_partial_evidence_that_names_it(bundle: Path) -> None:
    (bundle / "tables" / "waf.parquet").unlink()
    back = read_bundle(bundle)
    assert back.waf.empty
    assert list(back.waf.columns) == list(WAF_COLUMNS)
    check = back.check("bundle:waf")
    assert check is not None
    assert check.status == "error"
    assert "tables/waf.parquet is missing" in check.reason
    assert len(back.requests) == 50


def test_truncated_table_is_one_clear_error(bundle: Path) -> None:
    table = bundle / "tables" / "requests.parquet"
    table.write_bytes(table.read_bytes()[:-100])
    with pytest.raises(UsageError, match=r"tables/requests.parquet is damaged \(truncated or altered"):
        read_bundle(bundle)


def test_newer_bundle_version_names_both_versions(bundle: Path) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["bundle_version"] = BUNDLE_VERSION + 1
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UsageError) as info:
        read_bundle(bundle)
    assert f"bundle version {BUNDLE_VERSION + 1}" in info.value.message
    assert f"version {BUNDLE_VERSION} this" in info.value.message
    assert info.value.hint == "upgrade apigwops to read it"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: (b / "manifest.json").unlink(), "manifest.json is missing"),
        (lambda b: (b / "manifest.json").write_text('{"bundle_ver'), "manifest.json is damaged"),
        (lambda b: (b / "manifest.json").write_text('{"bundle_version": "1"}'), "no integer bundle_version"),
        (lambda b: (b / "config.json").unlink(), "config.json is missing"),
        (lambda b: (b / "config.json").write_text("{}"), "config.json is damaged"),
    ],
)
def test_damaged_bundle_is_one_clear_error(bundle: Path, damage: object, message: str) -> None:
    damage(bundle)  # type: ignore[operator]
    with pytest.raises(UsageError, match=message):
        read_bundle(bundle)


def test_not_a_bundle(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        read_bundle(tmp_path / "nope")
    with pytest.raises(UsageError, match="not an apigwops bundle"):
        read_bundle(tmp_path)


def test_manifest_path_is_accepted_too(bundle: Path) -> None:
    assert len(read_bundle(bundle / "manifest.json").requests) == 50


def test_optional_tables_round_trip_and_stay_none_when_unset(tmp_path: Path) -> None:
    from apigwops.evidence.bundle import optional_tables

    if "request_counts" not in optional_tables():
        pytest.skip("this evidence contract has no optional request_counts table")
    evidence = make_evidence(n_requests=120)
    assert read_bundle(write_bundle(evidence, tmp_path / "none")).request_counts is None  # type: ignore[attr-defined]
    minute = evidence.requests["time"].dt.floor("min")
    counts = (
        pd.DataFrame({"minute": minute, "status": evidence.requests["status"]})
        .groupby(["minute", "status"])
        .size()
        .rename("count")
        .reset_index()
    )
    evidence.request_counts = counts  # type: ignore[attr-defined]
    path = write_bundle(evidence, tmp_path / "b", fmt="jsonl")
    pd.testing.assert_frame_equal(read_bundle(path).request_counts, counts)  # type: ignore[attr-defined]
    (path / "tables" / "request_counts.jsonl").unlink()
    back = read_bundle(path)
    assert back.request_counts is None  # type: ignore[attr-defined]
    assert back.check("bundle:request_counts") is not None


def test_unwritable_destination_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(UsageError, match="cannot write the bundle"):
        write_bundle(make_evidence(n_requests=5), blocker / "b")


def _edit_manifest(bundle: Path, edit: object) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text())
    edit(manifest)  # type: ignore[operator]
    (bundle / "manifest.json").write_text(json.dumps(manifest))


def _swap_window(m: dict[str, dict[str, str]]) -> None:
    m["window"]["start"], m["window"]["end"] = m["window"]["end"], m["window"]["start"]


# Issue 13: each of these raised AttributeError/TypeError (exit 255) or was accepted (SOAP, start after end).
MANIFEST_DAMAGE = [
    ("counters-list", lambda m: m.update(counters=[1, 2]), "counters: Input should be a valid dictionary"),
    ("counters-text", lambda m: m["counters"].update(unparsed_lines="abc"), "counters.unparsed_lines:"),
    ("counters-negative", lambda m: m["counters"].update(api_calls=-1), "counters.api_calls:"),
    ("file-5", lambda m: m["tables"]["requests"].update(file=5), "tables.requests.file: Input should be a"),
    ("file-outside", lambda m: m["tables"]["waf"].update(file="../x"), "tables.waf.file: must be a relative"),
    ("file-absolute", lambda m: m["config"].update(file="/etc/passwd"), "config.file: must be a relative"),
    (
        "naive-start",
        lambda m: m["window"].update(start="2026-11-24T01:00:00"),
        "window.start: Input should have",
    ),
    ("start-after-end", _swap_window, "window: start 2026-11-24T01:30:00+00:00 is not before end"),
    (
        "soap",
        lambda m: m["api"].update(type="SOAP"),
        "api.type: Input should be 'REST', 'HTTP' or 'WEBSOCKET'",
    ),
    ("api-id-number", lambda m: m["api"].update(id=5), "api.id: Input should be a valid string"),
    ("rows-text", lambda m: m["tables"]["requests"].update(rows="50"), "tables.requests.rows:"),
    ("format-csv", lambda m: m["tables"]["requests"].update(format="csv"), "tables.requests.format:"),
    ("sources-text", lambda m: m.update(sources="x"), "sources: Input should be a valid list"),
    ("source-status", lambda m: m["sources"][0].update(status="fine"), "sources.0.status:"),
    ("api-missing", lambda m: m.pop("api"), "api: Field required"),
]


@pytest.mark.parametrize(
    ("damage", "message"), [c[1:] for c in MANIFEST_DAMAGE], ids=[c[0] for c in MANIFEST_DAMAGE]
)
def test_damaged_manifest_field_is_one_clear_error(bundle: Path, damage: object, message: str) -> None:
    _edit_manifest(bundle, damage)
    with pytest.raises(UsageError) as info:
        read_bundle(bundle)
    assert info.value.message.startswith(f"bundle {bundle}: manifest.json is damaged: ")
    assert message in info.value.message
    assert "\n" not in info.value.message


def test_unknown_manifest_keys_are_ignored(bundle: Path) -> None:
    _edit_manifest(bundle, lambda m: m.update(future={"x": 1}) or m["api"].update(owner="team-a"))
    assert len(read_bundle(bundle).requests) == 50
