"""The result of a diagnosis: ranked findings plus what was looked at, and its JSON form (DESIGN contract)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apigwops.diagnose.schema import SEVERITY_ORDER
from apigwops.diagnose.triage import Triage
from apigwops.model import ApiInfo, Check
from apigwops.timewindow import Window, iso

INSIGHTS_PRICE_ID = "cloudwatch.logs.insights"  # $ per GB scanned, from the cost catalog's snapshot


@dataclass(frozen=True)
class EvidenceItem:
    source: str
    detail: str


@dataclass(frozen=True)
class Finding:
    id: str
    symptom: str
    title: str
    severity: str
    share: float
    count: int
    confidence: str
    evidence: tuple[EvidenceItem, ...]
    remediation: tuple[str, ...]  # the text first, then AWS CLI commands
    docs: tuple[str, ...]
    playbook: str
    false_positives: tuple[str, ...] = ()
    context: bool = False  # a note about the whole incident (recent change, blind spot), not a cause

    @property
    def rank_key(self) -> tuple[bool, float, int, int, str]:
        """Causes before context notes; then by share, severity and count."""
        return (self.context, -self.share, -SEVERITY_ORDER[self.severity], -self.count, self.id)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "symptom": self.symptom,
            "title": self.title,
            "severity": self.severity,
            "share": self.share,
            "count": self.count,
            "confidence": self.confidence,
            "evidence": [{"source": e.source, "detail": e.detail} for e in self.evidence],
            "remediation": list(self.remediation),
            "docs": list(self.docs),
            "playbook": self.playbook,
        }


@dataclass
class Report:
    api: ApiInfo
    window: Window
    triage: Triage
    findings: list[Finding]
    checks: list[Check]
    blind_spots: list[str]
    api_calls: int = 0
    logs_bytes_scanned: int = 0
    symptom: str = "auto"

    @property
    def usd(self) -> float:
        if not self.logs_bytes_scanned:
            return 0.0
        from apigwops.cost.catalog import snapshot_unit_price

        per_gb = float(snapshot_unit_price(INSIGHTS_PRICE_ID, self.api.region))
        return round(self.logs_bytes_scanned / 1e9 * per_gb, 6)

    def traffic_json(self) -> dict[str, Any]:
        return {
            "requests": self.triage.requests,
            "status": dict(self.triage.status),
            "source": self.triage.source,
            "routes": self.triage.routes,
            "timeline": {
                "start": iso(self.triage.buckets[0].start) if self.triage.buckets else None,
                "bucket_seconds": self.triage.bucket_seconds,
                "error_rate": [round(b.error_rate, 4) for b in self.triage.buckets],
                "p99_ms": [None if b.p99_ms is None else round(b.p99_ms, 1) for b in self.triage.buckets],
            },
        }

    def as_json(self) -> dict[str, Any]:
        """Exactly the DESIGN document; `traffic` carries routes and the timeline as extra nested keys."""
        return {
            "api": self.api.as_json(),
            "window": self.window.as_json(),
            "traffic": self.traffic_json(),
            "onset": iso(self.triage.onset) if self.triage.onset else None,
            "findings": [f.as_json() for f in self.findings],
            "checks": [c.as_json() for c in self.checks],
            "blind_spots": list(self.blind_spots),
            "cost": {
                "api_calls": self.api_calls,
                "logs_bytes_scanned": self.logs_bytes_scanned,
                "usd": self.usd,
            },
        }

    def exit_code(self, fail_on: str = "medium") -> int:
        """1 when a finding is at or above `fail_on`, else 0 (DESIGN exit codes)."""
        threshold = SEVERITY_ORDER[fail_on]
        return 1 if any(SEVERITY_ORDER[f.severity] >= threshold for f in self.findings) else 0
