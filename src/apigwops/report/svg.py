"""The timeline chart as inline SVG, drawn by hand so the report needs no script and loads nothing.

Top panel: one stacked bar per bucket (5xx at the bottom in red, 4xx in orange, the rest in blue), so the
bar height is the request count and the share of errors is visible at a glance. Bottom panel: p99 latency.
Vertical markers show the onset (red) and deployments or function updates (grey) that fall in the window.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from apigwops.report.timeline import Bucket, Timeline
from apigwops.timewindow import iso

WIDTH, HEIGHT = 1100, 390
LEFT, RIGHT = 70, 24
COUNTS_TOP, COUNTS_BOTTOM = 46, 236
LATENCY_TOP, LATENCY_BOTTOM = 272, 346
COLORS = {"ok": "#7fb2dd", "4xx": "#f28e2b", "5xx": "#c0262d", "p99": "#6a3d9a", "onset": "#c0262d"}


@dataclass(frozen=True)
class Marker:
    """A vertical line on the chart: the onset or a change (deployment, stage or function update)."""

    time: datetime
    kind: str  # onset | deployment | stage-update | function-update
    label: str


def timeline_svg(timeline: Timeline, markers: Sequence[Marker] = ()) -> str:
    """One <svg> element; every number also sits in a <title> so the chart reads without hovering."""
    buckets = timeline.buckets
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(1, len(buckets))
    count_max = _nice_ceiling(max((b.requests for b in buckets), default=0))
    latency_max = _nice_ceiling(max((b.p99_ms or 0.0 for b in buckets), default=0.0))
    minutes = timeline.bucket_seconds // 60
    size = f"{minutes}-minute" if minutes < 60 else f"{minutes // 60}-hour"
    parts = [
        f'<svg id="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="timeline-title" '
        'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="timeline-title">Requests, 4xx, 5xx and p99 latency per {size} bucket '
        f"({escape(timeline.source)})</title>",
        '<rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>',
        _axis(COUNTS_TOP, COUNTS_BOTTOM, count_max, "requests", lambda v: f"{v:,.0f}"),
        _axis(LATENCY_TOP, LATENCY_BOTTOM, latency_max, "p99 latency", _duration),
        _bars(buckets, slot, count_max),
        _latency_line(buckets, slot, latency_max),
        _time_ticks(timeline, slot),
        _markers(timeline, markers),
        "</svg>",
    ]
    return "\n".join(p for p in parts if p)


def _x(timeline: Timeline, moment: datetime) -> float:
    start, end = timeline.span  # the bars' extent: clock-aligned buckets, not the window's edges
    fraction = (moment - start).total_seconds() / max(1.0, (end - start).total_seconds())
    return LEFT + fraction * (WIDTH - LEFT - RIGHT)


def _y(value: float, top: int, bottom: int, maximum: float) -> float:
    return bottom - (value / maximum) * (bottom - top) if maximum > 0 else bottom


def _axis(top: int, bottom: int, maximum: float, label: str, formatter: Callable[[float], str]) -> str:
    lines = [f'<g class="axis" data-axis="{escape(label)}">']
    for fraction in (0.0, 0.5, 1.0):
        y = bottom - fraction * (bottom - top)
        lines.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        text = escape(formatter(maximum * fraction))
        lines.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{text}</text>')
    lines.append(
        f'<text x="{LEFT}" y="{top - 8}" fill="#333" font-weight="600">{escape(label)}</text>'
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{top}" y2="{bottom}" stroke="#999"/></g>'
    )
    return "\n".join(lines)


def _bars(buckets: Sequence[Bucket], slot: float, maximum: float) -> str:
    out = ['<g id="series-requests">']
    width = max(1.0, slot * 0.8)
    for i, bucket in enumerate(buckets):
        x = LEFT + i * slot + (slot - width) / 2
        stack = (
            ("5xx", bucket.server_errors),
            ("4xx", bucket.client_errors),
            ("ok", bucket.requests - bucket.client_errors - bucket.server_errors),
        )
        base = 0.0
        title = (
            f"{bucket.start:%H:%M} UTC: {bucket.requests:,} requests, {bucket.client_errors:,} 4xx, "
            f"{bucket.server_errors:,} 5xx, p99 {_duration(bucket.p99_ms) if bucket.p99_ms is not None else 'n/a'}"
        )
        out.append(f'<g class="bucket" data-start="{iso(bucket.start)}"><title>{escape(title)}</title>')
        for series, value in stack:
            if value <= 0:
                continue
            y_top = _y(base + value, COUNTS_TOP, COUNTS_BOTTOM, maximum)
            y_bottom = _y(base, COUNTS_TOP, COUNTS_BOTTOM, maximum)
            out.append(
                f'<rect class="bar-{series}" x="{x:.1f}" y="{y_top:.1f}" width="{width:.1f}" '
                f'height="{max(0.5, y_bottom - y_top):.1f}" fill="{COLORS[series]}"/>'
            )
            base += value
        out.append("</g>")
    out.append("</g>")
    return "\n".join(out)


def _latency_line(buckets: Sequence[Bucket], slot: float, maximum: float) -> str:
    points = [
        (LEFT + (i + 0.5) * slot, _y(b.p99_ms, LATENCY_TOP, LATENCY_BOTTOM, maximum))
        for i, b in enumerate(buckets)
        if b.p99_ms is not None
    ]
    if not points:
        return (
            f'<text id="series-p99" x="{LEFT + 8}" y="{(LATENCY_TOP + LATENCY_BOTTOM) / 2:.0f}" fill="#777">'
            "no latency data</text>"
        )
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{COLORS["p99"]}"/>' for x, y in points)
    return (
        f'<g id="series-p99"><polyline points="{path}" fill="none" stroke="{COLORS["p99"]}" '
        f'stroke-width="2"/>{dots}</g>'
    )


def _time_ticks(timeline: Timeline, slot: float) -> str:
    buckets = timeline.buckets
    step = max(1, math.ceil(len(buckets) / 10))
    long_window = timeline.window.seconds > 86400
    out = ['<g class="x-ticks">']
    for i in range(0, len(buckets), step):
        x = LEFT + i * slot
        label = f"{buckets[i].start:%m-%d %H:%M}" if long_window else f"{buckets[i].start:%H:%M}"
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{LATENCY_BOTTOM}" y2="{LATENCY_BOTTOM + 4}" stroke="#999"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{LATENCY_BOTTOM + 18}" text-anchor="middle" fill="#555">{label}</text>'
        )
    out.append(
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end" fill="#777">time (UTC)</text></g>'
    )
    return "\n".join(out)


def _markers(timeline: Timeline, markers: Sequence[Marker]) -> str:
    window = timeline.window
    inside = sorted((m for m in markers if window.start <= m.time <= window.end), key=lambda m: m.time)
    out = ['<g id="markers">']
    row_ends: list[float] = []  # right edge of the last label in each row, so labels never overprint
    for marker in inside:
        x = _x(timeline, marker.time)
        color = COLORS["onset"] if marker.kind == "onset" else "#555555"
        dash = "6 3" if marker.kind == "onset" else "3 3"
        row = next((r for r, end in enumerate(row_ends) if end < x), len(row_ends))
        if row == len(row_ends):
            row_ends.append(0.0)
        row_ends[row] = x + 4 + 6.5 * len(marker.label)
        label_y = 12 + (row % 3) * 11
        out.append(
            f'<g class="marker marker-{escape(marker.kind)}" data-time="{iso(marker.time)}">'
            f"<title>{escape(marker.label)} at {iso(marker.time)}</title>"
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{COUNTS_TOP - 6}" y2="{LATENCY_BOTTOM}" stroke="{color}" '
            f'stroke-width="{2 if marker.kind == "onset" else 1.5}" stroke-dasharray="{dash}"/>'
            f'<text x="{x + 3:.1f}" y="{label_y}" fill="{color}" font-size="11">{escape(marker.label)}</text></g>'
        )
    out.append("</g>")
    return "\n".join(out)


def _nice_ceiling(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at least `value` (axes read better on round numbers)."""
    if value <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(value))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value))


def _duration(ms: float | None) -> str:
    if ms is None:
        return "n/a"
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"
