"""The report's inline stylesheet: kept apart so html.py reads as structure, not styling."""

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1d1f;margin:24px auto;max-width:1140px;
padding:0 16px;background:#fff}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}h4{font-size:13px;margin:10px 0 4px;color:#444}
dl.facts{display:flex;flex-wrap:wrap;gap:6px 22px;margin:0}dl.facts div{display:flex;gap:6px}
dt{color:#666}dd{margin:0;font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-top:16px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:110px}
.card .label{color:#666;font-size:12px}.card .value{font-size:18px;font-weight:600}
svg{max-width:100%;height:auto;border:1px solid #eee;border-radius:6px}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:#444}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border-radius:2px}
.legend .note{color:#777}
#findings ol{list-style:none;padding:0;margin:0}
.finding{border:1px solid #ddd;border-left:6px solid #999;border-radius:6px;padding:10px 14px;margin:0 0 12px}
.finding .rank{color:#777}.finding .fid{font-size:13px;background:#f3f3f3;padding:1px 5px;border-radius:3px}
.finding p.facts{display:flex;flex-wrap:wrap;gap:4px 16px;margin:4px 0;color:#333}
.badge{display:inline-block;font-size:11px;text-transform:uppercase;padding:1px 7px;border-radius:10px;
color:#fff;background:#888}
.severity-critical{border-left-color:#7f0000}.severity-critical .badge{background:#7f0000}
.severity-high{border-left-color:#b34700}.severity-high .badge{background:#b34700}
.severity-medium{border-left-color:#a67c00}.severity-medium .badge{background:#a67c00}
.severity-low{border-left-color:#2f6f9f}.severity-low .badge{background:#2f6f9f}
.severity-info .badge{background:#777}
pre{background:#f6f8fa;border:1px solid #e5e5e5;border-radius:4px;padding:8px;overflow-x:auto;white-space:pre-wrap}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
tr.check-error td:nth-child(2){color:#b00020;font-weight:600}tr.check-skipped td:nth-child(2){color:#a67c00}
tr.before{color:#777}.none{color:#666}
footer{margin-top:32px;color:#888;font-size:12px}
"""
