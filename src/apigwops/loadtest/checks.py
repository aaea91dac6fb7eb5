"""Verdicts beyond SLOs: did requests fail (the gate of a run without SLOs), does the throttle match the
usage plan, did any attack payload get through.

Pure functions over what the run recorded (totals, the plugin's `extras`), so they are judged the same way for
a fresh run and for `apigwops loadtest check DIR`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_TOLERANCE = 0.2
REQUESTS_CHECK = "requests"  # the gate of a run without --slo: no failed request, at least one request


def judge_requests(requests: int, failures: int, status_counts: dict[str, int]) -> CheckResult:
    """Without SLOs, a run passes only when requests completed and none failed, as Locust's own exit code
    (non-zero on any failure) says: a pipeline must not ship a deploy whose every request failed."""
    data = {"requests": requests, "failures": failures}
    if requests == 0:
        return CheckResult(REQUESTS_CHECK, False, "no request completed", data)
    if failures:
        statuses = ", ".join(
            f"{'no response' if k == '0' else k}: {v}"
            for k, v in sorted(status_counts.items())
            if k == "0" or int(k) >= 400
        )
        detail = f"{failures} of {requests} requests failed ({100 * failures / requests:.4g}%)"
        return CheckResult(REQUESTS_CHECK, False, detail + (f"; {statuses}" if statuses else ""), data)
    return CheckResult(REQUESTS_CHECK, True, f"all {requests} requests succeeded", data)


def reached_nothing(requests: int, status_counts: dict[str, int], missing_token: int, url: str) -> str | None:
    """One line when the run never reached the API: every request refused (nothing listening), or every one
    answered 403 Missing Authentication Token (API Gateway's answer for a wrong path or stage)."""
    if requests and status_counts.get("0", 0) == requests:
        return (
            f"reached nothing: all {requests} requests got no response (connection refused, reset or timed out);"
            f" is anything listening at {url}?"
        )
    if requests and missing_token >= requests:
        return (
            f"reached nothing: all {requests} requests were answered 403 Missing Authentication Token, API"
            " Gateway's answer for a path or stage that does not exist; check the stage in the URL and --route"
        )
    return None


@dataclass(frozen=True)
class CheckResult:
    id: str
    passed: bool
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "passed": self.passed, "detail": self.detail, "data": self.data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(str(data["id"]), bool(data["passed"]), str(data["detail"]), dict(data.get("data", {})))


def _near(actual: float, expected: float, tolerance: float) -> bool:
    # Two requests of slack on top of the relative tolerance: one in flight at each end of a short window.
    return abs(actual - expected) <= tolerance * expected + 2


def judge_throttle(
    record: dict[str, Any] | None, rate: float, burst: float, tolerance: float = DEFAULT_TOLERANCE
) -> CheckResult:
    """A token bucket of rate r and burst b accepts about r*t + b requests in t seconds, and refuses the
    first request with 429 once b + r*t have been accepted. Both are checked against what the key got."""
    if not record or not record.get("sent"):
        return CheckResult("throttle", False, "the tier-limits scenario recorded no requests")
    elapsed = max(float(record["last_ts"]) - float(record["first_ts"]), 1e-6)
    accepted, throttled, sent = int(record["accepted"]), int(record["throttled"]), int(record["sent"])
    expected = rate * elapsed + burst
    effective_rate = max(accepted - burst, 0) / elapsed
    data: dict[str, Any] = {
        "rate": rate,
        "burst": burst,
        "elapsed_s": round(elapsed, 3),
        "sent": sent,
        "accepted": accepted,
        "throttled": throttled,
        "other": int(record.get("other", 0)),
        "expected_accepted": round(expected, 1),
        "effective_rate": round(effective_rate, 2),
    }
    problems = []
    if throttled == 0:
        problems.append(
            f"no 429 in {sent} requests at {sent / elapsed:.1f}/s: the key is not throttled at {rate:g}/s"
        )
    elif not _near(accepted, expected, tolerance):
        problems.append(
            f"accepted {accepted} in {elapsed:.1f}s, expected about {expected:.0f} (r*t + b = {rate:g}*{elapsed:.1f}"
            f" + {burst:g}); the effective rate is about {effective_rate:.1f}/s"
        )
    first_429 = record.get("first_429_ts")
    if throttled and first_429 is not None:
        before = int(record.get("accepted_before_first_429", 0))
        expected_before = burst + rate * (float(first_429) - float(record["first_ts"]))
        data.update(accepted_before_first_429=before, expected_before_first_429=round(expected_before, 1))
        if not _near(before, expected_before, tolerance):
            problems.append(
                f"the first 429 came after {before} accepted requests, expected about {expected_before:.0f}"
                f" (burst {burst:g} plus the rate)"
            )
    if data["other"]:
        problems.append(f"{data['other']} responses were neither 2xx nor 429 (wrong key or route?)")
    if problems:
        return CheckResult("throttle", False, "; ".join(problems), data)
    return CheckResult(
        "throttle",
        True,
        f"429s began after {data.get('accepted_before_first_429', accepted)} requests; accepted {accepted}"
        f" ≈ {expected:.0f} expected at {rate:g}/s burst {burst:g}",
        data,
    )


def judge_waf(record: dict[str, Any] | None) -> CheckResult:
    """Every probe must get 403; a benign control request must not, or the 403s prove nothing."""
    if not record or not record.get("probes"):
        return CheckResult("waf-probe", False, "the waf-probe scenario recorded no probes")
    probes: dict[str, dict[str, Any]] = record["probes"]
    slipped = sorted(pid for pid, probe in probes.items() if int(probe.get("status", 0)) != 403)
    control = record.get("control_status")
    data: dict[str, Any] = {
        "probes": len(probes),
        "blocked": len(probes) - len(slipped),
        "slipped": [
            {
                "id": pid,
                "payload": probes[pid].get("payload"),
                "where": probes[pid].get("where"),
                "status": probes[pid].get("status"),
            }
            for pid in slipped
        ],
        "control_status": control,
    }
    if control is not None and int(control) == 403:
        return CheckResult(
            "waf-probe",
            False,
            "the benign control request also got 403 (missing API key or a rule that blocks everything), "
            "so the probe results are inconclusive",
            data,
        )
    if slipped:
        listed = ", ".join(f"{p['id']} ({p['where']}: {p['status']})" for p in data["slipped"])
        return CheckResult(
            "waf-probe", False, f"{len(slipped)} of {len(probes)} payloads got through: {listed}", data
        )
    return CheckResult("waf-probe", True, f"all {len(probes)} payloads were blocked with 403", data)
