"""The self-contained HTML incident report: one file, inline CSS and SVG, nothing fetched when opened.

`render_incident_html(report_json, evidence)` in `html.py` is the entry point; `timeline.py` turns the
evidence tables into per-bucket numbers and `svg.py` draws them, so each can be tested on its own.
"""
