"""Watches the load generator's own CPU, because a saturated Locust reports its own latency, not the API's.

Locust warns about its CPU only after ~20 s and only in its log; here every Locust process (master and local
workers) is sampled once a second with psutil, and a run whose busiest process sits above the threshold (median
of its samples, so the import burst at start-up does not count) is marked unreliable in every report. So is a
run whose Locust event loop woke up late (the plugin's loop-lag probe), whatever the cause.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

CPU_THRESHOLD_PCT = 85.0
LAG_THRESHOLD_MS = 10.0  # median event-loop lag of Locust's busiest process (measured by the plugin)
ADVICE = (
    "the load generator was CPU-bound or starved of CPU, so latency numbers include Locust's own queueing: "
    "add processes with --workers (up to the number of cores), lower --users, or spread the run over "
    "machines with --master-bind and --worker"
)


@dataclass(frozen=True)
class CpuReport:
    """CPU share of the busiest Locust process, and its event-loop lag.

    CPU alone misses a generator starved by a busy machine (a shared CI runner: the process gets 50% and
    still cannot keep up); the lag of a 50 ms sleep catches that, and both mean the same for the numbers.
    """

    busiest_median_pct: float | None
    peak_pct: float | None
    samples: int
    threshold_pct: float = CPU_THRESHOLD_PCT
    loop_lag_ms: float | None = None

    @property
    def reliable(self) -> bool:
        cpu_ok = self.busiest_median_pct is None or self.busiest_median_pct <= self.threshold_pct
        lag_ok = self.loop_lag_ms is None or self.loop_lag_ms <= LAG_THRESHOLD_MS
        return cpu_ok and lag_ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "busiest_process_median_pct": self.busiest_median_pct,
            "peak_pct": self.peak_pct,
            "samples": self.samples,
            "threshold_pct": self.threshold_pct,
            "loop_lag_ms": self.loop_lag_ms,
            "loop_lag_threshold_ms": LAG_THRESHOLD_MS,
            "latency_reliable": self.reliable,
            "advice": None if self.reliable else ADVICE,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CpuReport:
        return cls(
            data.get("busiest_process_median_pct"),
            data.get("peak_pct"),
            int(data.get("samples", 0)),
            float(data.get("threshold_pct", CPU_THRESHOLD_PCT)),
            data.get("loop_lag_ms"),
        )


def judge_samples(
    samples: dict[int, list[float]],
    threshold_pct: float = CPU_THRESHOLD_PCT,
    lags_ms: list[float | None] | None = None,
) -> CpuReport:
    """Per-process samples (percent of one core) and per-second loop lags to a report; the first sample of
    each (start-up: imports, connecting) is skipped."""
    medians, peak, count = [], None, 0
    for values in samples.values():
        usable = values[1:] if len(values) > 1 else values
        if not usable:
            continue
        count += len(usable)
        medians.append(statistics.median(usable))
        peak = max(peak or 0.0, max(usable))
    lags = [lag for lag in (lags_ms or [])[1:] if lag is not None]
    lag = round(statistics.median(lags), 2) if lags else None
    return CpuReport(round(max(medians), 1) if medians else None, peak, count, threshold_pct, lag)


@dataclass
class CpuWatcher:
    """Samples a process and its children; without psutil it reports nothing rather than failing the run."""

    pid: int
    samples: dict[int, list[float]] = field(default_factory=dict)
    _procs: dict[int, Any] = field(default_factory=dict)

    def sample(self) -> None:
        try:
            import psutil  # type: ignore[import-untyped]
        except ImportError:  # pragma: no cover - psutil comes with locust
            return
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        for proc in procs:
            known = self._procs.setdefault(proc.pid, proc)
            try:
                value = known.cpu_percent(interval=None)
            except psutil.Error:
                continue
            self.samples.setdefault(proc.pid, []).append(float(value))

    def report(self, lags_ms: list[float | None] | None = None) -> CpuReport:
        return judge_samples(self.samples, lags_ms=lags_ms)
