"""waf-probe: known-bad payloads (SQL injection, XSS, traversal, command and JNDI injection), each sent once.

Each must be refused with 403 by the stage's WAF; apigwops lists every payload that got through. A benign
control request goes first: if it also gets 403 (no API key, a rule that blocks everything), the 403s prove
nothing and the probe says so. Payloads go in the query string, and in a JSON body when the route takes one.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import gevent
from apigwops_plugin import ApiUser, params, record_extra
from locust import constant, task
from smoke import concrete

PAYLOADS: dict[str, str] = {
    "sqli-tautology": "' OR '1'='1",
    "sqli-union": "1 UNION SELECT username, password FROM users--",
    "sqli-stacked": "1; DROP TABLE users--",
    "xss-script": "<script>alert(1)</script>",
    "xss-img-onerror": '<img src=x onerror="alert(1)">',
    "xss-svg-onload": "<svg/onload=alert(1)>",
    "path-traversal": "../../../../etc/passwd",
    "cmd-injection": "; cat /etc/passwd",
    "jndi-injection": "${jndi:ldap://127.0.0.1/a}",
}
PARAMS = params()
METHOD, PATH = (PARAMS.get("routes") or [["GET", "/"]])[0]
BODY_METHODS = {"POST", "PUT", "PATCH"}

RESULT: dict[str, Any] = {"probes": {}, "control_status": None}
record_extra("waf", RESULT)


class WafProbeUser(ApiUser):
    wait_time = constant(1)
    done = False

    def _send(self, probe_id: str, where: str, payload: str) -> int:
        url = f"{concrete(PATH)}?q={quote(payload, safe='')}" if where == "query" else concrete(PATH)
        body = json.dumps({"q": payload}) if where == "body" else None
        with self.client.request(
            METHOD, url, data=body, name=f"{where}:{probe_id}", catch_response=True,
            headers={"Content-Type": "application/json"} if body else None,
        ) as response:  # fmt: skip
            status = int(response.status_code or 0)
            if probe_id == "control":
                response.success() if status != 403 else response.failure("benign control request got 403")
            elif status == 403:
                response.success()
            else:
                response.failure(f"payload got through with {status}")
        return status

    @task
    def probe_all(self) -> None:
        if WafProbeUser.done:
            return
        WafProbeUser.done = True
        RESULT["control_status"] = self._send("control", "query", "hello")
        places = ["query", "body"] if METHOD in BODY_METHODS else ["query"]
        for probe_id, payload in PAYLOADS.items():
            for where in places:
                status = self._send(probe_id, where, payload)
                RESULT["probes"][f"{probe_id}@{where}"] = {
                    "payload": payload,
                    "where": where,
                    "status": status,
                }
        gevent.spawn_later(0.2, self.environment.runner.quit)  # every probe sent: no reason to wait for -t
