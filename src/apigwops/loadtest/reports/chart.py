"""RPS and p95 over time as a PNG, from the plugin's once-a-second series (matplotlib, Agg, no display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_chart(series: list[dict[str, Any]], path: Path, *, unreliable: bool = False) -> bool:
    """Returns False (and writes nothing) when there is no series to draw.

    One point is still drawn (as a marker): a short run on a busy machine may sample only once, and a report
    directory that sometimes lacks its chart is worse than a chart with a single point.
    """
    if not series:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = float(series[0]["t"])
    seconds = [float(p["t"]) - start for p in series]
    fig, rps_axis = plt.subplots(figsize=(9, 4), dpi=100)
    rps_axis.plot(
        seconds, [p.get("rps", 0) for p in series], color="tab:blue", marker=".", label="requests/s"
    )
    rps_axis.set_xlabel("seconds since start")
    rps_axis.set_ylabel("requests/s", color="tab:blue")
    latency_axis = rps_axis.twinx()
    p95 = [p.get("p95_ms") for p in series]
    latency_axis.plot(
        [s for s, v in zip(seconds, p95, strict=True) if v is not None],
        [v for v in p95 if v is not None],
        color="tab:red",
        marker=".",
        label="p95 ms",
    )
    latency_axis.set_ylabel("p95 (ms)", color="tab:red")
    title = "RPS and p95 over time"
    if unreliable:
        title += " (latency unreliable: load generator CPU-bound)"
    rps_axis.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True
