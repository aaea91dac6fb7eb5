"""The alarm that paged, named beside the findings: a few lines for the terminal and for markdown.

Reads the additive `alarm` key of the diagnose document (`AlarmTarget.as_json()`); untrusted names go into rich
`Text` so that brackets survive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from apigwops.runtime import Runtime

_OPERATORS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}


def threshold_text(alarm: dict[str, Any]) -> str:
    """'5XXError Sum > 10 over 1 x 300 s' (metric alarms), the expression for math, the rule for composites."""
    if alarm.get("type") == "composite":
        return f"rule {alarm.get('rule')}"
    op = _OPERATORS.get(str(alarm.get("comparison")), str(alarm.get("comparison") or "?"))
    threshold = alarm.get("threshold")
    value = f"{threshold:g}" if isinstance(threshold, (int, float)) else "?"
    periods = f"{alarm.get('evaluation_periods') or 1} x {alarm.get('period_s') or '?'} s"
    if alarm.get("type") == "math" and alarm.get("expressions"):
        subject = " ; ".join(f"{e['id']} = {e['expression']}" for e in alarm["expressions"])
    else:
        metrics = alarm.get("metrics") or []
        subject = f"{metrics[0]['name']} {metrics[0]['statistic']}" if metrics else "?"
    return f"{subject} {op} {value} over {periods}"


def alarm_lines(alarm: dict[str, Any]) -> list[str]:
    lines = [
        f"alarm {alarm['name']} ({alarm.get('state')}): {threshold_text(alarm)}",
        f"fired {alarm.get('fired_at') or 'never (in the history read)'}"
        + (f", back to OK {alarm['returned_to_ok_at']}" if alarm.get("returned_to_ok_at") else "")
        + f"; window from {alarm.get('window_source')}",
    ]
    if alarm.get("used_child"):
        lines.append(f"diagnosed from child alarm {alarm['used_child']}")
    lines += [f"note: {n}" for n in alarm.get("notes") or []]
    lines += [f"not resolved: {u}" for u in alarm.get("unresolved") or []]
    return lines


def render_alarm_table(alarm: dict[str, Any], console: Console) -> None:
    from rich.text import Text

    first, *rest = alarm_lines(alarm)
    console.print(Text(first, style="bold magenta"))
    for line in rest:
        console.print(Text(line, style="dim"))


def alarm_markdown(alarm: dict[str, Any]) -> str:
    first, *rest = alarm_lines(alarm)
    return "\n".join([f"**{first}**", *(f"- {line}" for line in rest), ""])


def render_alarm(runtime: Runtime, alarm: dict[str, Any]) -> None:
    """Above the findings on a terminal or in markdown; JSON carries it as the `alarm` key, and with --query only
    the selection is printed."""
    from apigwops.render.output import console, write
    from apigwops.runtime import OutputFormat

    if runtime.query is not None:
        return
    if runtime.output == OutputFormat.table:
        render_alarm_table(alarm, console(runtime))
    elif runtime.output == OutputFormat.markdown:
        write(alarm_markdown(alarm))
