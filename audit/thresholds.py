"""Judge a scan against its thresholds: the list of limits it exceeds (empty means pass)."""

from __future__ import annotations

from audit.records import ScanResult
from audit.settings import Thresholds
from audit.summary import summarize

#: threshold field -> (summary figure it bounds, how the figure is shown)
BOUNDS = {
    "max_duplicate_share": ("duplicate_share", "{:.1%}"),
    "max_boilerplate_share": ("boilerplate_share", "{:.1%}"),
    "max_repair_share": ("repair_share", "{:.1%}"),
    "max_input_errors": ("input_errors", "{}"),
    "max_passage_pairs": ("passage_pairs", "{}"),
}


def judge(result: ScanResult, thresholds: Thresholds) -> list[str]:
    """One message per exceeded limit, naming the measured value and the limit."""
    figures = summarize(result)
    failures = []
    for name, (figure, fmt) in BOUNDS.items():
        limit = getattr(thresholds, name)
        value = figures[figure]
        if limit is not None and value > limit:
            failures.append(f"{name.replace('_', '-')}: {fmt.format(value)} > {fmt.format(limit)}")
    return failures
