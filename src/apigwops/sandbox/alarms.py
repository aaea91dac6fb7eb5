"""The seed's recommended alarms on the sandbox's stages, and the evaluation moto does not do.

`provision_alarms` creates, in moto, the recommended set (`apigwops.alarms.recommended`, one place for the
thresholds and metric names) on the REST stage (`ApiName`+`Stage`, `5XXError`/`4XXError`) and the HTTP stage
(`ApiId`+`Stage`, `5xx`/`4xx`); `provision_websocket_alarms` on the WebSocket stage (`ApiId`+`Stage`, §6.3:
`IntegrationError` standing for 5xx, `ClientError` for 4xx, `IntegrationLatency`; the mapping is inferred, see
`recommended.py`), once that stage's API exists. moto stores alarms but never evaluates them, so `AlarmEvaluator` does what CloudWatch would for the
count alarms: every few seconds it reads the metric's Sum over the alarm's period from moto (GetMetricData) and
moves the alarm with SetAlarmState when the comparison flips, which records a state change in moto.

What AWS writes, and what is inferred:
- StateReason and StateReasonData follow the shape AWS records (aws-cli `describe-alarm-history` example:
  "Threshold Crossed: 1 datapoint was greater than the threshold (10.0). The most recent datapoints: [12.0].",
  reason data `version`, `queryDate`, `startDate`, `statistic`, `period`, `recentDatapoints`, `threshold`).
- [inferred] The sandbox evaluates a sliding period ending now; CloudWatch evaluates periods aligned to the
  period's boundaries. Sandbox runs last minutes, so an aligned 5-minute bucket would often split an incident.
- The p99 latency alarms are created but left as moto made them: moto cannot compute percentiles.
- moto (5.2.6) lacks DescribeAlarmHistory: apigwops then falls back to the alarm's StateUpdatedTimestamp.

Writes go through the sandbox's own loopback clients, never through apigwops' read-only clients.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apigwops.alarms.recommended import (
    NAMESPACE,
    PERIOD_S,
    Recommendation,
    StageRef,
    alarm_name_for,
    recommended_for,
)
from apigwops.sandbox import constants as c
from apigwops.sandbox.websocket import facts as ws_facts

_OPERATOR_TEXT = {"GreaterThanThreshold": "greater than", "LessThanThreshold": "less than"}


@dataclass(frozen=True)
class SandboxAlarm:
    name: str
    stage: StageRef
    rec: Recommendation


def _alarms_on(stages: list[StageRef]) -> list[SandboxAlarm]:
    return [SandboxAlarm(alarm_name_for(s, r), s, r) for s in stages for r in recommended_for(s)]


def _websocket_stage(api_id: str) -> StageRef:
    return StageRef(c.REGION, api_id, ws_facts.API_NAME, "WEBSOCKET", c.STAGE)


def sandbox_alarms(
    rest_api_id: str, http_api_id: str, websocket_api_id: str | None = None
) -> list[SandboxAlarm]:
    stages = [
        StageRef(c.REGION, rest_api_id, c.REST_API_NAME, "REST", c.STAGE),
        StageRef(c.REGION, http_api_id, c.HTTP_API_NAME, "HTTP", c.STAGE),
    ]
    if websocket_api_id is not None:
        stages.append(_websocket_stage(websocket_api_id))
    return _alarms_on(stages)


def provision_alarms(cloudwatch: Any, rest_api_id: str, http_api_id: str) -> list[str]:
    """Create the recommended alarms of the REST and HTTP stages in moto; returns their names."""
    return _put_alarms(cloudwatch, sandbox_alarms(rest_api_id, http_api_id))


def provision_websocket_alarms(cloudwatch: Any, websocket_api_id: str) -> list[str]:
    """Create the recommended alarms of the WebSocket stage in moto; returns their names. Separate from
    `provision_alarms` because the WebSocket API is provisioned alongside the others (sandbox/core.py)."""
    return _put_alarms(cloudwatch, _alarms_on([_websocket_stage(websocket_api_id)]))


def _put_alarms(cloudwatch: Any, made: list[SandboxAlarm]) -> list[str]:
    for alarm in made:
        rec = alarm.rec
        stat = {"ExtendedStatistic": rec.statistic} if rec.extended else {"Statistic": rec.statistic}
        cloudwatch.put_metric_alarm(
            AlarmName=alarm.name,
            AlarmDescription=f"apigwops recommended: {rec.description}",
            Namespace=NAMESPACE,
            MetricName=rec.metric,
            Dimensions=[{"Name": k, "Value": v} for k, v in alarm.stage.dimensions().items()],
            Period=PERIOD_S,
            EvaluationPeriods=1,
            Threshold=rec.threshold,
            ComparisonOperator=rec.comparison,
            TreatMissingData="notBreaching",
            **stat,
        )
    return [a.name for a in made]


def _aws_time(moment: datetime) -> str:
    """CloudWatch's reason-data timestamps: 2014-04-09T18:44:00.000+0000."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _breaches(rec: Recommendation, value: float) -> bool:
    return value > rec.threshold if rec.comparison.startswith("Greater") else value < rec.threshold


class AlarmEvaluator:
    """Evaluates the sandbox's count alarms against what moto holds and sets their state (a daemon thread)."""

    def __init__(
        self,
        cloudwatch: Any,
        rest_api_id: str,
        http_api_id: str,
        *,
        websocket_api_id: str | None = None,
        interval_s: float = 2.0,
    ) -> None:
        self._cw = cloudwatch
        every = sandbox_alarms(rest_api_id, http_api_id, websocket_api_id)
        self._alarms = [a for a in every if not a.rec.extended]
        self._states = {a.name: "OK" for a in self._alarms}  # moto's initial state
        self._interval = interval_s
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sandbox-alarms", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.evaluate()
            except Exception as exc:  # moto gone while stopping; keep the last error for `sandbox status`
                self.errors = [*self.errors[-19:], f"{type(exc).__name__}: {exc}"]

    def evaluate(self, now: datetime | None = None) -> dict[str, str]:
        """One evaluation of every count alarm; returns the states after it."""
        moment = now or datetime.now(UTC)
        start = moment - timedelta(seconds=PERIOD_S)
        with self._lock:
            answer = self._cw.get_metric_data(
                MetricDataQueries=[
                    {
                        "Id": f"a{i}",
                        "MetricStat": {
                            "Metric": {
                                "Namespace": NAMESPACE,
                                "MetricName": a.rec.metric,
                                "Dimensions": [
                                    {"Name": k, "Value": v} for k, v in a.stage.dimensions().items()
                                ],
                            },
                            "Period": 60,
                            "Stat": a.rec.statistic,
                        },
                    }
                    for i, a in enumerate(self._alarms)
                ],
                StartTime=start.replace(second=0, microsecond=0),
                EndTime=moment + timedelta(seconds=60),
            )
            sums = {int(r["Id"][1:]): float(sum(r.get("Values", []))) for r in answer["MetricDataResults"]}
            for index, alarm in enumerate(self._alarms):
                value = sums.get(index, 0.0)
                state = "ALARM" if _breaches(alarm.rec, value) else "OK"
                if state != self._states[alarm.name]:
                    self._set(alarm, state, value, start, moment)
                    self._states[alarm.name] = state
            return dict(self._states)

    def _set(self, alarm: SandboxAlarm, state: str, value: float, start: datetime, moment: datetime) -> None:
        rec = alarm.rec
        relation = _OPERATOR_TEXT.get(rec.comparison, "greater than")
        verb = "was" if state == "ALARM" else "was not"
        reason = (
            f"Threshold Crossed: 1 datapoint {verb} {relation} the threshold ({rec.threshold:.1f}). "
            f"The most recent datapoints: [{value:.1f}]."
        )
        data = {
            "version": "1.0",
            "queryDate": _aws_time(moment),
            "startDate": _aws_time(start.replace(second=0, microsecond=0)),
            "statistic": rec.statistic,
            "period": PERIOD_S,
            "recentDatapoints": [value],
            "threshold": rec.threshold,
        }
        self._cw.set_alarm_state(
            AlarmName=alarm.name, StateValue=state, StateReason=reason, StateReasonData=json.dumps(data)
        )
