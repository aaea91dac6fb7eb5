"""Unicode sparklines: a small chart in a terminal or a ticket without a plotting dependency."""

from __future__ import annotations

from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None], *, floor: float = 0.0) -> str:
    """One character per value scaled between `floor` and the maximum; a gap (no data) is a space."""
    present = [v for v in values if v is not None]
    if not present:
        return " " * len(values)
    top = max(present)
    span = top - floor
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        elif span <= 0:
            out.append(BARS[0])
        else:
            index = round((max(value, floor) - floor) / span * (len(BARS) - 1))
            out.append(BARS[min(index, len(BARS) - 1)])
    return "".join(out)
