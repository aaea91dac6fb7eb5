"""`apigwops capture`: collect a stage's evidence once and save it as a redacted bundle.

Logs expire and incidents get reviewed days later; a bundle keeps what diagnose saw so that
`apigwops diagnose --bundle DIR` can replay it offline. The work happens in `apigwops.evidence.bundle`;
this module only parses options and prints the path and a one-line summary.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from apigwops.cli.context import make_runtime
from apigwops.cli.options import ApiOpt, EndOpt, SinceOpt, StageOpt, StartOpt
from apigwops.errors import UsageError


class BundleFormat(StrEnum):
    parquet = "parquet"
    jsonl = "jsonl"


class LogsEngine(StrEnum):
    auto = "auto"
    insights = "insights"
    scan = "scan"


def register(app: typer.Typer) -> None:
    @app.command("capture")
    def capture(
        ctx: typer.Context,
        api: ApiOpt,
        stage: StageOpt,
        out: Annotated[
            Path,
            typer.Option("--out", help="Directory to create for the bundle (must not exist, or be empty)."),
        ],
        since: SinceOpt = None,
        start: StartOpt = None,
        end: EndOpt = None,
        redact_ips: Annotated[
            bool,
            typer.Option(
                "--redact-ips",
                help="Replace client IP addresses with stable pseudonyms (per-IP findings still work).",
            ),
        ] = False,
        fmt: Annotated[
            BundleFormat,
            typer.Option(
                "--format",
                help="Table format: parquet (needs pyarrow) or jsonl.",
                case_sensitive=False,
                envvar="APIGWOPS_BUNDLE_FORMAT",
            ),
        ] = BundleFormat.parquet,
        logs_engine: Annotated[
            LogsEngine,
            typer.Option(
                "--logs-engine",
                help="auto, insights (Logs Insights, server-side) or scan (FilterLogEvents, local).",
                case_sensitive=False,
                envvar="APIGWOPS_LOGS_ENGINE",
            ),
        ] = LogsEngine.auto,
    ) -> None:
        """Save a stage's evidence (metrics, logs, WAF records, configuration) as a redacted bundle.

        Authorization headers, API keys, tokens and cookies never reach the bundle. Replay it with
        'apigwops diagnose --bundle DIR'.
        """
        from apigwops.evidence.bundle import read_manifest, write_bundle
        from apigwops.timewindow import resolve_window

        runtime = make_runtime(ctx, formats=("table", "json"))
        window = resolve_window(since=since, start=start, end=end, now=runtime.clock)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UsageError(f"--out {out} already exists and is not an empty directory")
        from apigwops.evidence import collect  # looked up when called: tests replace collect_evidence

        runtime.progress.step(f"collecting evidence for {api}/{stage}")
        evidence = collect.collect_evidence(
            runtime, api=api, stage=stage, window=window, logs_engine=logs_engine.value
        )
        path = write_bundle(evidence, out, redact_ips=redact_ips, fmt=fmt.value, progress=runtime.progress)
        summary = _summary(read_manifest(path))
        if runtime.output == "json":
            typer.echo(json.dumps({"bundle": str(path), **summary}, indent=2))
        else:
            typer.echo(str(path))
            typer.echo(_summary_line(summary))


def _summary(manifest: dict[str, Any]) -> dict[str, Any]:
    tables = manifest["tables"]
    return {
        "format": next(iter(tables.values()))["format"] if tables else None,
        "tables": {name: entry["rows"] for name, entry in tables.items()},
        "sources": {source["id"]: source["status"] for source in manifest.get("sources", [])},
        "redaction": manifest.get("redaction", {}),
    }


def _summary_line(summary: dict[str, Any]) -> str:
    tables = ", ".join(f"{name} {rows:,}" for name, rows in summary["tables"].items())
    redaction = summary["redaction"]
    ips = "IPs pseudonymised" if redaction.get("ips", "kept") != "kept" else "IPs kept"
    not_ok = [f"{source} {status}" for source, status in summary["sources"].items() if status != "ok"]
    gaps = f"; sources not ok: {', '.join(not_ok)}" if not_ok else ""
    return (
        f"{summary['format']} tables (rows): {tables}; {redaction.get('secrets_replaced', 0)} secrets "
        f"redacted, {ips}{gaps}"
    )
