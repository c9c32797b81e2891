"""Judge a scan against its thresholds: each limit with its measured value, and the ones exceeded."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from audit.checks.figures import Tally, count_figures
from audit.records import SEVERITIES, Check, ScanResult
from audit.settings import Thresholds

#: threshold field -> (summary figure it bounds, how the figure is shown); ``min_`` fields are
#: lower bounds, every other one an upper bound.
BOUNDS = {
    "max_duplicate_share": ("duplicate_share", "{:.1%}"),
    "max_boilerplate_share": ("boilerplate_share", "{:.1%}"),
    "max_repair_share": ("repair_share", "{:.1%}"),
    "max_input_errors": ("input_errors", "{}"),
    "max_passage_pairs": ("passage_pairs", "{}"),
    "min_mean_grade": ("mean_grade", "{:.1f}"),
    "max_mean_grade": ("mean_grade", "{:.1f}"),
    "max_other_language_share": ("other_language_share", "{:.1%}"),
}


def _key(name: str) -> str:
    return name.replace("_", "-")


def _bound(name: str, limit: Any, value: Any, fmt: str) -> Check:
    shown = "not measured" if value is None else fmt.format(value)
    shown_limit = "off" if limit is None else fmt.format(limit)
    lower = name.startswith("min_")
    failed = limit is not None and value is not None and (value < limit if lower else value > limit)
    reason = f"{shown} {'<' if lower else '>'} {shown_limit}" if failed else ""
    return Check(_key(name), value, limit, not failed, shown, shown_limit, reason)


def _fail_on(result: ScanResult, severity: str | None) -> Check:
    """Findings at `severity` or above: any one of them fails."""
    if severity is None:
        return Check("fail-on", None, None, True, "–", "off")
    floor = SEVERITIES.index(severity)
    rules = Counter(f.rule for f in result.findings if SEVERITIES.index(f.severity) >= floor)
    hits = sum(rules.values())
    shown = f"{hits} finding{'s' * (hits != 1)}"
    if not hits:
        return Check("fail-on", 0, severity, True, shown, severity)
    top = ", ".join(f"{rule} {n}" for rule, n in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))[:5])
    more = f", {len(rules) - 5} more rules" if len(rules) > 5 else ""
    reason = f"{shown} at severity {severity} or above ({top}{more})"
    return Check("fail-on", hits, severity, False, shown, severity, reason)


def evaluate(result: ScanResult, thresholds: Thresholds, figures: dict[str, Any] | None = None) -> list[Check]:
    """Every threshold, in the order they are declared, judged against the scan's figures
    (`figures`, or counted here)."""
    figures = figures if figures is not None else count_figures(result)
    checks = []
    for f in dataclasses.fields(thresholds):
        limit = getattr(thresholds, f.name)
        if f.name == "fail_on":
            checks.append(_fail_on(result, limit))
        else:
            figure, fmt = BOUNDS[f.name]
            checks.append(_bound(f.name, limit, figures[figure], fmt))
    return checks


def decide(result: ScanResult, thresholds: Thresholds, tally: Tally | None = None) -> None:
    """Judge `result` and record the outcome on it: the figures (from the `tally` of its documents
    and findings when the caller kept one), every check, the failures and the verdict."""
    result.figures = count_figures(result, tally)
    result.checks = evaluate(result, thresholds, result.figures)
    result.failures = [c.message for c in result.checks if not c.passed]
    result.verdict = "fail" if result.failures else "pass"
