"""Open the incident report in headless Chromium: the chart must paint and every finding must render.

Needs Debian's `chromium` package (`apt-get update && apt-get install -y chromium`); skipped with that hint
when it is missing. The browser runs with networking features off and a throwaway profile; the report itself
forbids loads through its Content-Security-Policy, and unit tests check it holds nothing that loads.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.builders.incident import make_evidence, make_report_json

from apigwops.report.html import render_incident_html
from apigwops.report.svg import COLORS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        CHROMIUM is None, reason="chromium is not installed (apt-get update && apt-get install -y chromium)"
    ),
]


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)


def _pixels_like(image: np.ndarray, hex_color: str, tolerance: float = 0.03) -> np.ndarray:
    rgb = np.array([int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.all(np.abs(image[:, :, :3] - rgb) <= tolerance, axis=2)


def _engine_report(evidence: Any) -> dict[str, Any]:
    from apigwops.diagnose import engine

    report: dict[str, Any] = engine.diagnose(evidence).as_json()
    return report


@pytest.mark.parametrize("source", ["design-example", "diagnose-engine"])
def test_report_renders_chart_and_every_finding_in_chromium(tmp_path: Path, source: str) -> None:
    from matplotlib.image import imread

    evidence = make_evidence()
    report = make_report_json(evidence) if source == "design-example" else _engine_report(evidence)
    assert report["findings"]
    page = tmp_path / "incident.html"
    page.write_text(render_incident_html(report, evidence), encoding="utf-8")
    png = tmp_path / "shot.png"

    shot = _chromium(tmp_path / "profile1", f"--screenshot={png}", "--window-size=1280,2000", page.as_uri())
    assert png.is_file(), shot.stderr[-2000:]
    image = imread(png)
    assert image.shape[:2] == (2000, 1280)

    # The chart painted: its bar colours cover real areas (the legend swatches alone are 12x12 pixels each).
    red, blue = _pixels_like(image, COLORS["5xx"]), _pixels_like(image, COLORS["ok"])
    assert red.sum() > 3000, red.sum()
    assert blue.sum() > 10000, blue.sum()
    rows = np.nonzero(blue.sum(axis=1) > 100)[0]  # the bar band (a legend swatch row has 12 blue pixels)
    band = slice(rows.min(), rows.max() + 1)
    assert rows.max() - rows.min() > 100
    assert (image[band, :, :3] < 0.95).any(axis=2).mean() > 0.2  # not blank: a fifth of the band is ink
    # 5xx bars only from the onset on: inside the band, red starts well right of the first blue bar.
    red_columns = np.nonzero(red[band].sum(axis=0) > 10)[0]
    blue_columns = np.nonzero(blue[band].any(axis=0))[0]
    assert red_columns.min() > blue_columns.min() + 300, (red_columns.min(), blue_columns.min())

    dom = _chromium(tmp_path / "profile2", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert '<svg id="timeline"' in dom.stdout
    assert dom.stdout.count('class="bucket"') == 30
    assert 'class="marker marker-onset"' in dom.stdout
    for finding in report["findings"]:  # type: ignore[attr-defined]
        assert f'data-finding-id="{finding["id"]}"' in dom.stdout
        assert html.escape(finding["title"], quote=True) in dom.stdout or finding["title"] in dom.stdout
