"""JSON output: one document on stdout, stable key order, UTF-8 kept readable."""

from __future__ import annotations

import json
from typing import Any


def to_json(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, default=str)
