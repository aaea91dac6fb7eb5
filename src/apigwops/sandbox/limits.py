"""Usage-plan enforcement per API key: a token bucket for rate and burst, and a monthly quota counter."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from apigwops.sandbox.constants import Tier

Decision = Literal["ok", "throttled", "quota"]


@dataclass
class _Bucket:
    tokens: float
    updated: float
    used: int = 0


class UsagePlanLimiter:
    """API Gateway's per-key token bucket (rate refills, burst is the capacity; THR) and quota (KC429)."""

    def __init__(self, tiers: dict[str, Tier], clock: Callable[[], float] = time.monotonic) -> None:
        self._tiers = tiers
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def check(self, key: str, tier_name: str, *, quota_exhausted: bool = False) -> Decision:
        tier = self._tiers[tier_name]
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(tier.burst), now)
            if tier.quota_per_month is not None and (quota_exhausted or bucket.used >= tier.quota_per_month):
                return "quota"
            bucket.tokens = min(float(tier.burst), bucket.tokens + (now - bucket.updated) * tier.rate_per_s)
            bucket.updated = now
            if bucket.tokens < 1.0:
                return "throttled"
            bucket.tokens -= 1.0
            bucket.used += 1
            return "ok"
