"""`apigwops capture`: collect a stage's evidence once and save it as a redacted bundle.

Logs expire and incidents get reviewed days later; a bundle keeps what diagnose saw so that
`apigwops diagnose --bundle DIR` can replay it offline. The work happens in `apigwops.evidence.bundle`;
this module only parses options and prints the path and a one-line summary.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from apigwops.cli.context import make_runtime
from apigwops.cli.options import ApiOpt, EndOpt, SinceOpt, StageOpt, StartOpt
from apigwops.errors import UsageError

CAPTURE = "capture"  # the result kind (apigwops.render.capture prints it)


class BundleFormat(StrEnum):
    parquet = "parquet"
    jsonl = "jsonl"


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
            str,
            typer.Option(
                "--logs-engine",
                help="auto, insights (Logs Insights, server-side) or scan (FilterLogEvents, local).",
                envvar="APIGWOPS_LOGS_ENGINE",
            ),
        ] = "auto",
    ) -> None:
        """Save a stage's evidence (metrics, logs, WAF records, configuration) as a redacted bundle.

        Authorization headers, API keys, tokens and cookies never reach the bundle. Replay it with
        'apigwops diagnose --bundle DIR'.
        """
        from apigwops.evidence.bundle import read_manifest, write_bundle
        from apigwops.evidence.logs import ENGINE_CHOICES
        from apigwops.render import Result, render
        from apigwops.timewindow import resolve_window

        engine = logs_engine.lower()
        if engine not in ENGINE_CHOICES:
            raise UsageError(f"--logs-engine {logs_engine!r} is not one of: {', '.join(ENGINE_CHOICES)}")
        runtime = make_runtime(ctx, kind=CAPTURE)
        window = resolve_window(since=since, start=start, end=end, now=runtime.clock)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UsageError(f"--out {out} already exists and is not an empty directory")
        from apigwops.evidence import collect  # looked up when called: tests replace collect_evidence

        runtime.progress.step(f"collecting evidence for {api}/{stage}")
        evidence = collect.collect_evidence(
            runtime,
            api=api,
            stage=stage,
            window=window,
            logs_engine=engine,  # type: ignore[arg-type]  # checked against ENGINE_CHOICES above
        )
        path = write_bundle(evidence, out, redact_ips=redact_ips, fmt=fmt.value, progress=runtime.progress)
        render(runtime, Result(CAPTURE, {"bundle": str(path), **_summary(read_manifest(path))}))


def _summary(manifest: dict[str, Any]) -> dict[str, Any]:
    tables = manifest["tables"]
    return {
        "format": next(iter(tables.values()))["format"] if tables else None,
        "tables": {name: entry["rows"] for name, entry in tables.items()},
        "sources": {source["id"]: source["status"] for source in manifest.get("sources", [])},
        "redaction": manifest.get("redaction", {}),
    }
