"""The diagnose engine: triage, then each playbook's decision list over the failing requests, then ranking.

Pure pandas over an `Evidence`; it never calls AWS, so the same playbooks run on live AWS, the sandbox and a
saved bundle. Within one playbook the first finding that matches a request explains it, so the shares of one
symptom's findings add up to at most 1 and a mixed incident ranks its causes by how much each explains.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from apigwops.apitypes import profile
from apigwops.diagnose import template
from apigwops.diagnose.blindspots import blind_spots, recommended_format, unreadable_sources
from apigwops.diagnose.conditions import Coded, MatchContext, evaluate_condition, evaluate_match
from apigwops.diagnose.features import prepare_requests
from apigwops.diagnose.impact import WEBSOCKET_SYMPTOMS, family_of, finding_impact, stage_latency
from apigwops.diagnose.report import EvidenceItem, Finding, Report
from apigwops.diagnose.schema import FindingSpec, Playbook
from apigwops.diagnose.severity import AlarmLevels, scale
from apigwops.diagnose.signals import finding_signals, global_signals
from apigwops.diagnose.triage import Triage, triage
from apigwops.diagnose.vocabulary import CLI_SYMPTOMS, REQUEST_COLUMNS
from apigwops.errors import UsageError
from apigwops.model import Evidence
from apigwops.timewindow import iso

if TYPE_CHECKING:
    import pandas as pd

MIN_SLOW_SHARE = 0.01  # latency is a symptom when at least 1% of requests are slow ...
MIN_SLOW_REQUESTS = 5  # ... and at least this many (one cold start in a quiet window is not an incident)
# `diagnose 502` / `diagnose 504` mean the same failure class on HTTP APIs, whose codes differ.


def diagnose(
    evidence: Evidence,
    *,
    symptom: str = "auto",
    playbooks: Sequence[Playbook] | None = None,
    latency_threshold_ms: float | None = None,
    alarm_levels: AlarmLevels | None = None,
) -> Report:
    """Diagnose one stage in one window; raises UsageError for an unknown symptom or a window without data.

    `latency_threshold_ms` marks a request slow; None means adaptive: three times the latency of the
    window's successful requests at their 10th percentile, at least 500 ms (so a 900 ms cold start on an 80 ms API counts).
    `alarm_levels` are the thresholds a cause's severity is scaled against (`diagnose/severity.py`).
    """
    if symptom not in CLI_SYMPTOMS:
        raise UsageError(f"unknown symptom {symptom!r}; choose one of: {', '.join(CLI_SYMPTOMS)}")
    if playbooks is None:
        from apigwops.diagnose.loader import load_playbooks

        playbooks = load_playbooks()
    full, latency_threshold_ms = prepare_requests(evidence, latency_threshold_ms)
    if "status" in evidence.missing_fields:  # lines without a status cannot be classified: use the metrics
        full = full.iloc[0:0]
    result = triage(evidence, full)
    if result.source == "none":
        raise UsageError(
            f"no data for {evidence.api.name}/{evidence.api.stage} between {iso(evidence.window.start)} and "
            f"{iso(evidence.window.end)}: no access-log lines and no metric datapoints",
            hint="check --api/--stage and widen the window with --since",
        )
    frame = _narrow(full, evidence, symptom)
    signals = global_signals(evidence, full, result, latency_threshold_ms)
    active = _active_families(frame, signals, symptom, evidence.api.type)
    run = _Run(evidence, _candidates(frame), signals, active)
    run.judge = _Judge(result, stage_latency(full), alarm_levels or AlarmLevels())
    ordered = sorted(playbooks, key=lambda p: "any" in p.symptoms)  # "any" playbooks read the blind spots
    spots: list[str] | None = None
    for playbook in ordered:
        if "any" in playbook.symptoms and spots is None:
            spots = blind_spots(evidence, run.needed, bool(signals["access_logs"]))
            signals.update(
                blind_spot_count=len(spots),
                blind_spot_summary=spots[0].split(":")[0] if spots else None,
                logging_format_hint=recommended_format(evidence.api.type),
            )
        run.playbook(playbook)
    if spots is None:
        spots = blind_spots(evidence, run.needed, bool(signals["access_logs"]))
    spots = unreadable_sources(evidence) + spots + run.unexplained()
    findings = sorted(run.best().values(), key=lambda f: f.rank_key)
    return Report(
        api=evidence.api,
        window=evidence.window,
        triage=result,
        findings=findings,
        checks=list(evidence.checks),
        blind_spots=spots,
        api_calls=evidence.api_calls,
        logs_bytes_scanned=evidence.logs_bytes_scanned,
        symptom=symptom,
    )


def _narrow(frame: pd.DataFrame, evidence: Evidence, symptom: str) -> pd.DataFrame:
    statuses = profile(evidence.api.type).error_statuses.get(symptom)
    if statuses is None or frame.empty:
        return frame
    keep = frame["status"].isin(statuses).fillna(False) | ~frame["failed"]
    return frame[keep.astype(bool)]


def _candidates(frame: pd.DataFrame) -> pd.DataFrame:
    """The requests a finding can explain: every family is failing or slow ones (or, on a WebSocket stage,
    unexpected disconnects), so playbooks never look at the (usually far more numerous) healthy rows."""
    if frame.empty:
        return frame
    return frame[frame["failed"] | frame["slow"] | frame["unexpected_disconnect"]]


def _family_masks(frame: pd.DataFrame, api_type: str) -> dict[str, pd.Series]:
    """Each symptom family's rows. A WebSocket stage's failures are connects, messages and disconnects (its
    events), not status families: a 403 at $connect and a 403 for a message without a route are different
    symptoms, and REST/HTTP playbooks written for request statuses never see WebSocket events."""
    status = frame["status"]
    none = frame["failed"] & False
    websocket = api_type == "WEBSOCKET"
    event = frame["event_type"].astype("string").str.upper()
    failed = frame["failed"]

    def status_family(mask: pd.Series) -> pd.Series:
        return none if websocket else mask.fillna(False).astype(bool)

    def event_family(name: str, mask: pd.Series) -> pd.Series:
        return (mask & (event == name).fillna(False).astype(bool)) if websocket else none

    return {
        "401": status_family(status == 401),
        "403": status_family(status == 403),
        "429": status_family(status == 429),
        "5xx": status_family(status >= 500),
        "latency": frame["slow"] & ~(status >= 500).fillna(False).astype(bool),
        "connect": event_family("CONNECT", failed),
        "message": event_family("MESSAGE", failed),
        "disconnect": event_family("DISCONNECT", frame["unexpected_disconnect"]),
        "callback": none,  # callbacks have no access-log line: counted from the functions' logs
        "any": failed | frame["unexpected_disconnect"],
    }


def _active_families(
    frame: pd.DataFrame, signals: dict[str, Any], symptom: str, api_type: str
) -> dict[str, int]:
    """Failing requests per symptom family that has any (the denominators of `share`)."""
    wanted = CLI_SYMPTOMS[symptom]
    counts: dict[str, int] = {}
    if signals["access_logs"]:
        for family, mask in _family_masks(frame, api_type).items():
            counts[family] = int(mask.sum())
        if counts["latency"] < max(MIN_SLOW_REQUESTS, MIN_SLOW_SHARE * len(frame)):
            counts["latency"] = 0
    elif api_type == "WEBSOCKET":  # metrics only: connect and message errors are not told apart
        failures = int(signals["failures"])
        counts = {"connect": failures, "message": failures, "disconnect": 0, "latency": 0, "any": failures}
    else:  # metrics only: the 4xx split is unknown, so each 4xx family may hold all of them
        counts = {f: int(signals["status_4xx"]) for f in ("401", "403", "429")}
        counts.update({"5xx": int(signals["status_5xx"]), "latency": 0, "any": int(signals["failures"])})
    if api_type == "WEBSOCKET":
        counts["callback"] = int(signals.get("ws_gone_posts") or 0)
    active = {f: n for f, n in counts.items() if n > 0 and (not wanted or f == wanted)}
    active["any"] = counts.get("any", 0)
    return active


class _Run:
    """State of one diagnosis: remaining requests per family, findings, and what evidence was lacking."""

    def __init__(
        self, evidence: Evidence, frame: pd.DataFrame, signals: dict[str, Any], active: dict[str, int]
    ):
        self.evidence, self.frame, self.signals, self.active = evidence, frame, signals, active
        self.masks = _family_masks(frame, evidence.api.type)
        self.needed: dict[str, list[str]] = defaultdict(list)
        self.explained = {family: mask & False for family, mask in self.masks.items()}
        self.findings: list[Finding] = []
        unavailable = set(evidence.missing_fields)
        if not signals["access_logs"]:
            unavailable |= REQUEST_COLUMNS
        self.unavailable = frozenset(unavailable)
        self.exec_messages = self._exec_messages()
        self.text_cache: dict[str, Coded] = {}
        self.exec_cache: dict[str, tuple[pd.Series, int]] = {}
        self.no_match_signals: dict[str, Any] | None = None
        self.judge: _Judge | None = None

    def _exec_messages(self) -> pd.DataFrame | None:
        logs = self.evidence.execution_logs
        if not profile(self.evidence.api.type).execution_logs:
            return None
        check = self.evidence.check("execution-logs")
        if logs.empty and (check is None or check.status != "ok"):
            return None
        return logs

    def playbook(self, playbook: Playbook) -> None:
        remaining = {family: mask.copy() for family, mask in self.masks.items()}
        for spec in playbook.findings:
            if self.evidence.api.type not in spec.api_types or spec.symptom not in self.active:
                continue
            finding = self._evaluate(playbook, spec, remaining)
            if finding is not None:
                self.findings.append(finding)

    def _evaluate(
        self, playbook: Playbook, spec: FindingSpec, remaining: dict[str, pd.Series]
    ) -> Finding | None:
        matched: pd.Series | None = None
        exec_lines = 0
        if spec.match is not None:
            ctx = MatchContext(
                self.frame,
                self.unavailable,
                self.exec_messages,
                text_cache=self.text_cache,
                exec_cache=self.exec_cache,
            )
            matched = evaluate_match(spec.match, ctx)
            if matched is None:
                for missing in ctx.missing:
                    self.needed[missing].append(spec.id)
            if matched is not None:
                matched = matched & remaining[spec.symptom]
            exec_lines = sum(ctx.exec_hits.values())
        values = {**self.signals, **self._finding_signals(matched, exec_lines)}
        values["symptom_failures"] = self.active[spec.symptom]
        values["unexplained"] = int(remaining[spec.symptom].sum()) if spec.symptom != "any" else 0
        count, source = _count(spec, values)
        from_fallback = bool(source) and source != spec.count[0]
        values["count"] = count
        values["share"] = (
            min(1.0, round(count / values["symptom_failures"], 4)) if values["symptom_failures"] else 0.0
        )
        fires = evaluate_condition(spec.when, values) if spec.when is not None else values["matched"] > 0
        if not fires or (count == 0 and spec.symptom != "any"):
            return None
        if source == "unexplained":  # the finding claims every request no earlier finding explained
            matched = remaining[spec.symptom].copy()
        if matched is not None:  # a finding that fired explains these requests; later ones see the rest
            remaining[spec.symptom] &= ~matched
            self.explained[spec.symptom] |= matched
        finding = _finding(playbook, spec, values, from_fallback)
        if self.judge is None or finding.context:
            return finding
        rows = self.frame.loc[matched] if matched is not None and bool(matched.any()) else None
        return self.judge.rescale(finding, spec.symptom, rows)

    def _finding_signals(self, matched: pd.Series | None, exec_lines: int) -> dict[str, Any]:
        """Per-finding signals; the no-match case (config defaults) is computed once per diagnosis."""
        if matched is not None and bool(matched.any()):
            return finding_signals(self.evidence, self.frame, matched, exec_lines)
        if self.no_match_signals is None:
            self.no_match_signals = finding_signals(self.evidence, self.frame, None, 0)
        return {**self.no_match_signals, "exec_log_lines": exec_lines}

    def unexplained(self) -> list[str]:
        """One line per symptom with failing requests no finding explained, and what they look like."""
        lines = []
        for family in ("401", "403", "429", "5xx", "connect", "message", "disconnect"):
            if family not in self.active or self.frame.empty:
                continue
            rest = self.frame[self.masks[family] & ~self.explained[family]]
            if rest.empty:
                continue
            shape = rest[["status", "error_type", "error_message", "integration_error", "route"]].astype(
                "string"
            )
            top = shape.fillna("-").value_counts().index[0]
            status, error_type, message, integration_error, route = (str(v) for v in top)
            text = integration_error if integration_error != "-" else message
            lines.append(
                f"{len(rest):,} of {self.active[family]:,} {family} matched no playbook; most common: status "
                f"{status.removesuffix('.0')}, error type {error_type}, {text[:120]!r} on {route}"
            )
        return lines

    def best(self) -> dict[str, Finding]:
        """One finding per id (two playbooks may name the same cause): the one that explains most."""
        best: dict[str, Finding] = {}
        for finding in self.findings:
            if finding.id not in best or finding.count > best[finding.id].count:
                best[finding.id] = finding
        return best


class _Judge:
    """Scales a cause's playbook severity by its impact in the window (the rule is `severity.scale`)."""

    def __init__(self, result: Triage, latency: tuple[float | None, float | None], levels: AlarmLevels):
        self.result, self.latency, self.levels = result, latency, levels

    def rescale(self, finding: Finding, symptom: str, rows: pd.DataFrame | None) -> Finding:
        """`rows`: the requests (events) the finding explains, None when it explains no row."""
        family = family_of(symptom, rows["status"] if rows is not None and "status" in rows else None)
        if family is None:
            return finding
        times = rows["time"] if rows is not None else None
        unit = "events" if symptom in WEBSOCKET_SYMPTOMS else "requests"
        impact = finding_impact(family, finding.count, self.result, times, self.latency, unit=unit)
        judgement = scale(finding.severity, impact, self.levels)
        return replace(
            finding,
            severity=judgement.severity,
            evidence=(*finding.evidence, EvidenceItem("impact", judgement.detail)),
        )


def _count(spec: FindingSpec, values: dict[str, Any]) -> tuple[int, str]:
    """The first positive signal named in `count`, and its name ("" when none)."""
    for name in spec.count:
        value = values.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return int(value), name
    return 0, ""


def _finding(playbook: Playbook, spec: FindingSpec, values: dict[str, Any], from_fallback: bool) -> Finding:
    evidence = tuple(
        EvidenceItem(line.source, template.render(line.detail, values))
        for line in spec.evidence
        if (
            evaluate_condition(line.when, values)
            if line.when is not None
            else template.has_values(line.detail, values)
        )
    )
    remediation = (
        template.render(spec.remediation.text, values),
        *(template.render(cli, values) for cli in spec.remediation.cli),
    )
    symptom = spec.symptom
    if symptom in ("5xx", "401", "403", "429") and values.get("top_status"):
        symptom = values["top_status"]
    return Finding(
        id=spec.id,
        symptom=symptom,
        title=template.render(spec.title, values),
        severity=spec.severity,
        share=values["share"],
        count=values["count"],
        confidence=spec.fallback_confidence if from_fallback else spec.confidence,
        evidence=evidence,
        remediation=remediation,
        docs=tuple(spec.remediation.docs),
        playbook=playbook.id,
        false_positives=tuple(spec.false_positives),
        context=spec.symptom == "any",
    )
