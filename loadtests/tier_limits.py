"""tier-limits: drive one API key at about twice its usage plan's rate and record when 429s begin.

A token bucket of rate r and burst b accepts about r*t + b requests in t seconds. apigwops passes r and b
(from the usage plan, or --expect-rate/--expect-burst) and judges what this file records: requests sent,
accepted and throttled, the time of the first 429 and how many were accepted before it. Runs in one process,
so one clock times every request. 429s are marked as successes here (they are the point); the judgement is
apigwops's throttle check.
"""

from __future__ import annotations

import time
from typing import Any

from apigwops_plugin import ApiUser, params, record_extra
from locust import constant_throughput, task
from smoke import concrete

PARAMS = params()
RATE = float(PARAMS.get("rate", 10))
DRIVE_RPS = float(PARAMS.get("drive_rps", 2 * RATE + 1))
USERS = max(int(PARAMS.get("users", 1)), 1)
METHOD, PATH = (PARAMS.get("routes") or [["GET", "/"]])[0]

RECORD: dict[str, Any] = {
    "sent": 0,
    "accepted": 0,
    "throttled": 0,
    "other": 0,
    "first_ts": None,
    "last_ts": None,
    "first_429_ts": None,
    "accepted_before_first_429": 0,
}
record_extra("throttle", RECORD)


class TierLimitsUser(ApiUser):
    wait_time = constant_throughput(DRIVE_RPS / USERS)

    @task
    def hit(self) -> None:
        sent_at = time.time()
        if RECORD["first_ts"] is None:
            RECORD["first_ts"] = sent_at
        with self.client.request(METHOD, concrete(PATH), name=PATH, catch_response=True) as response:
            RECORD["sent"] += 1  # counted on the answer: a request cut off by the stop never reached the key
            status = response.status_code
            if status == 429:
                response.success()
                RECORD["throttled"] += 1
                if RECORD["first_429_ts"] is None:
                    RECORD["first_429_ts"] = time.time()
                    RECORD["accepted_before_first_429"] = RECORD["accepted"]
            elif 200 <= status < 400:
                RECORD["accepted"] += 1
            else:
                RECORD["other"] += 1
        RECORD["last_ts"] = time.time()
