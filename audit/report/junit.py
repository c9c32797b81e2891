"""Render a scan's verdict as JUnit XML, the test report most CI systems read (GitLab, Jenkins, Azure…).

Each threshold is one test case: a failed threshold is a failed test whose message names the
measured value and the limit, a threshold that is off is a skipped test. A second suite has one
test case per rule that found something, so a CI page lists what was found even when every
threshold holds (those cases pass: findings fail a check only through a threshold or ``fail-on``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from audit.checks.baseline import PASSAGE_RULE
from audit.records import SEVERITIES, ScanResult
from audit.report.annotations import Annotation, annotations
from audit.version import __version__

#: Annotations listed in one test case's output before the rest are counted.
MAX_LISTED = 50
# XML 1.0 cannot carry most control characters, and scraped text has them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text with the characters XML 1.0 forbids replaced by U+FFFD.

    >>> xml_text("bell\\x07 and tab\\t")
    'bell\\ufffd and tab\\t'
    """
    return _NOT_XML.sub("\ufffd", text)


def _where(a: Annotation) -> str:
    if a.path is None:
        return ""
    return f"{a.path}:{a.line}: " if a.line else f"{a.path}: "


def _at_or_above(items: list[Annotation], severity: str) -> list[Annotation]:
    """The findings that made ``fail-on`` fail (shared passages are not findings)."""
    floor = SEVERITIES.index(severity)
    return [a for a in items if a.rule != PASSAGE_RULE and SEVERITIES.index(a.severity) >= floor]


def to_junit(result: ScanResult, title: str) -> ET.Element:
    """The JUnit XML tree: a thresholds suite and a findings suite."""
    failed = sum(not c.passed for c in result.checks)
    root = ET.Element("testsuites", name=f"corpus-audit {title}", tests=str(len(result.checks)),
                      failures=str(failed))
    suite = ET.SubElement(root, "testsuite", name="corpus-audit thresholds", tests=str(len(result.checks)),
                          failures=str(failed), errors="0", skipped=str(sum(c.off for c in result.checks)))
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="corpus-audit.version", value=__version__)
    ET.SubElement(props, "property", name="verdict", value=result.verdict)
    located = [a for a in annotations(result) if not a.rule.startswith("threshold.")]
    for c in result.checks:
        case = ET.SubElement(suite, "testcase", classname="corpus-audit.thresholds", name=c.name)
        if c.off:
            ET.SubElement(case, "skipped", message="off")
        elif not c.passed:
            failure = ET.SubElement(case, "failure", type="threshold", message=xml_text(c.message))
            hits = _at_or_above(located, c.limit) if c.name == "fail-on" else []
            failure.text = xml_text("\n".join([c.message] + [_where(a) + a.message for a in hits[:MAX_LISTED]]))
        else:
            ET.SubElement(case, "system-out").text = c.message
    by_rule: dict[str, list[Annotation]] = defaultdict(list)
    for a in located:
        by_rule[a.rule].append(a)
    findings = ET.SubElement(root, "testsuite", name="corpus-audit findings", tests=str(len(by_rule)),
                             failures="0", errors="0", skipped="0")
    for rule, items in sorted(by_rule.items()):
        case = ET.SubElement(findings, "testcase", classname="corpus-audit.findings", name=rule)
        lines = [f"{len(items)} found"] + [_where(a) + a.message for a in items[:MAX_LISTED]]
        if len(items) > MAX_LISTED:
            lines.append(f"… and {len(items) - MAX_LISTED} more (all of them are in --format json)")
        ET.SubElement(case, "system-out").text = xml_text("\n".join(lines))
    root.set("tests", str(len(result.checks) + len(by_rule)))
    return root


def render_junit(result: ScanResult, title: str) -> str:
    root = to_junit(result, title)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
