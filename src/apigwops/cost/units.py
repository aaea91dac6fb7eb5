"""Quantities as people type them (5M, 1.5B, 750K) and as AWS meters them (KB to GB, 512 KB increments).

AWS's examples convert KB to GB by dividing by 1024 twice (15,000,000 KB = 14.3 GB) and count 1 TB as
1,024 GB in data-transfer tiers; the metering increments change the billable count before any price applies.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from apigwops.cost.money import ceil_div, dec

KB_PER_GB = Decimal(1024 * 1024)
MB_PER_GB = Decimal(1024)
HTTP_INCREMENT_KB = Decimal(512)
WEBSOCKET_INCREMENT_KB = Decimal(32)
WEBSOCKET_MAX_KB = Decimal(128)

# The largest quantity priced: a quadrillion (10^15) of anything a month is ~1,000x the largest API Gateway
# bills and keeps every product of quantities and prices inside Decimal's 28 significant digits, so a typo
# such as 999999999999999999999999T is one clear error instead of a failed rounding deep in the estimator.
MAX_QUANTITY = Decimal(10**15)

_SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "G": 10**9, "T": 10**12}
_COUNT = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?|\.[0-9]+)\s*([KMBGT]?)\s*$", re.IGNORECASE)


def parse_count(text: str | int | float | Decimal) -> Decimal:
    """'5M' -> 5000000, '1.5B' -> 1500000000, '432000000', '750K', '1,000'; raises ValueError otherwise.

    The result may be fractional only when the text is (a duration in ms, a size in KB). NaN, infinities
    (YAML's `.nan`, `.inf`) and anything above `MAX_QUANTITY` are refused with a ValueError.
    """
    if isinstance(text, bool):
        raise ValueError(f"not a number: {text!r}")
    if isinstance(text, int | float | Decimal):
        value = dec(text)
    else:
        match = _COUNT.match(text)
        if not match:
            raise ValueError(f"not a number: {text!r} (examples: 5M, 1.5B, 432000000, 750K)")
        try:
            value = (
                Decimal(match.group(1).replace(",", "").replace("_", "")) * _SUFFIXES[match.group(2).upper()]
            )
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    if value < 0:
        raise ValueError(f"must not be negative: {text!r}")
    if value > MAX_QUANTITY:
        raise ValueError(f"too large: {text!r} (at most 10^15, a quadrillion)")
    return value.normalize() if value != value.to_integral_value() else Decimal(int(value))


def http_metered_requests(requests: Decimal, request_kb: Decimal) -> Decimal:
    """HTTP APIs are metered in 512 KB increments: a 513 KB request counts as two."""
    per_request = max(Decimal(1), ceil_div(request_kb, HTTP_INCREMENT_KB))
    return requests * per_request


def websocket_metered_messages(messages: Decimal, message_kb: Decimal) -> Decimal:
    """WebSocket messages are metered in 32 KB increments: a 33 KB message counts as two."""
    per_message = max(Decimal(1), ceil_div(message_kb, WEBSOCKET_INCREMENT_KB))
    return messages * per_message
