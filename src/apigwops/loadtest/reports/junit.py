"""JUnit XML: one test case per SLO (and per scenario check), with the measured value, for CI test tabs."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from apigwops.loadtest.result import LoadtestReport


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "not measured (no requests)"
    return f"{value:g} ms" if unit == "ms" else f"{value:g}{unit}"


def junit_xml(report: LoadtestReport) -> str:
    cases = len(report.slos) + len(report.checks)
    failed = sum(not s.passed for s in report.slos) + sum(not c.passed for c in report.checks)
    suite = ET.Element(
        "testsuite",
        name=f"apigwops loadtest {report.run.get('scenario', '')}".strip(),
        tests=str(cases),
        failures=str(failed),
        errors="0",
        time=f"{report.whole.duration_s:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for key in ("requests", "failures", "rps"):
        ET.SubElement(props, "property", name=key, value=str(report.whole.to_dict()[key]))
    ET.SubElement(props, "property", name="judged_on", value=report.judged_on)
    ET.SubElement(props, "property", name="latency_reliable", value=str(report.cpu.reliable).lower())
    for slo in report.slos:
        case = ET.SubElement(suite, "testcase", classname="apigwops.loadtest.slo", name=slo.expr)
        measured = f"{slo.metric} measured {_fmt(slo.actual, slo.unit)} ({report.judged_on} run)"
        if slo.passed:
            ET.SubElement(case, "system-out").text = measured
        else:
            ET.SubElement(case, "failure", message=f"SLO breached: {slo.expr}; {measured}").text = measured
    for check in report.checks:
        case = ET.SubElement(suite, "testcase", classname="apigwops.loadtest.check", name=check.id)
        if check.passed:
            ET.SubElement(case, "system-out").text = check.detail
        else:
            ET.SubElement(case, "failure", message=check.detail).text = check.detail
    if not report.cpu.reliable:
        ET.SubElement(suite, "system-err").text = f"latency unreliable: {report.cpu.to_dict()['advice']}"
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
