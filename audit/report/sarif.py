"""Render a scan as SARIF 2.1.0: the format code-scanning services (GitHub's among them) read.

Rule ids are the findings' own (``share.widget``, ``input.unreadable``, ``duplicate.document``,
``passage.shared``): stable from run to run, so a service can track each finding over time, helped
by the baseline hash as a partial fingerprint. Failed thresholds concern the corpus, not a place in
a file, so they are tool notifications of the invocation rather than results; the verdict and the
failures are also in the run's properties.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from audit.checks.baseline import PASSAGE_RULE
from audit.records import ScanResult
from audit.report.annotations import Annotation, annotations
from audit.settings import threshold_docs
from audit.version import __version__

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: SARIF's level for each severity.
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
#: Descriptions of the rule ids that do not come from a rule file.
BUILT_IN_RULES = {
    "input.unreadable": "A file or record that could not be read",
    "duplicate.document": "A near-duplicate of another document",
    PASSAGE_RULE: "A passage shared between documents of different sources",
}
#: The base relative paths are resolved against: the checkout's root, which the consumer knows
#: (left undefined in the log so that the log does not depend on where the checkout lies).
SRCROOT = "%SRCROOT%"
FINGERPRINT = "corpusAudit/v1"


def _location(path: str, line: int | None) -> dict[str, Any]:
    if Path(path).is_absolute():
        artifact: dict[str, Any] = {"uri": Path(path).as_uri()}
    else:
        artifact = {"uri": quote(path), "uriBaseId": SRCROOT}
    # Code scanning needs a line; a finding about a whole document points at its first line.
    return {"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": line or 1}}}


def _result(a: Annotation, index: int) -> dict[str, Any]:
    out: dict[str, Any] = {"ruleId": a.rule, "ruleIndex": index, "level": LEVELS[a.severity],
                           "message": {"text": a.message}}
    if a.path is not None:
        out["locations"] = [_location(a.path, a.line)]
    if a.fingerprint:
        out["partialFingerprints"] = {FINGERPRINT: a.fingerprint}
    return out


def to_sarif(result: ScanResult) -> dict[str, Any]:
    """The SARIF log of a scan, as plain data."""
    located = [a for a in annotations(result) if not a.rule.startswith("threshold.")]
    first_message = {}
    for f in result.findings:
        first_message.setdefault(f.rule, f.message)
    rule_ids = sorted({a.rule for a in located})
    rules = [{"id": r, "shortDescription": {"text": BUILT_IN_RULES.get(r) or first_message.get(r, r)},
              "defaultConfiguration": {"level": LEVELS[next(a.severity for a in located if a.rule == r)]}}
             for r in rule_ids]
    index = {r: i for i, r in enumerate(rule_ids)}
    docs = threshold_docs()
    failed = [c for c in result.checks if not c.passed]
    notifications = [{"id": f"threshold.{c.name}", "shortDescription": {"text": docs.get(c.name, c.name)}}
                     for c in failed]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "corpus-audit", "version": __version__, "semanticVersion": __version__,
                            "rules": rules, "notifications": notifications}},
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": c.message},
                 "descriptor": {"id": f"threshold.{c.name}", "index": i}}
                for i, c in enumerate(failed)],
        }],
        "results": [_result(a, index[a.rule]) for a in located],
        "properties": {"verdict": result.verdict, "failures": result.failures},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(result: ScanResult) -> str:
    return json.dumps(to_sarif(result), ensure_ascii=False, indent=2) + "\n"
