"""The CI check: scan, set aside what a baseline records, judge, and state the verdict in one line.

``check`` measures exactly what ``scan`` measures; what it adds is the decision. With a baseline,
the findings it records are taken out before judging, so thresholds and ``fail-on`` see only new
findings (see :mod:`audit.checks.baseline`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from audit.checks.baseline import apply_baseline, keys, read_baseline, render_baseline
from audit.checks.thresholds import decide
from audit.errors import ConfigError
from audit.output import write_atomic
from audit.pipeline import scan
from audit.read.readers import Fields
from audit.read.sources import Source
from audit.records import ScanResult
from audit.settings import ScanSettings


@dataclass
class CheckOutcome:
    """A judged scan: known findings taken out when a baseline was given."""

    result: ScanResult
    #: Findings (and shared passages) the baseline accounted for.
    known: int = 0
    #: The baseline file judged against, if any.
    baseline: str | None = None

    @property
    def passed(self) -> bool:
        return self.result.verdict == "pass"

    def baseline_note(self) -> str:
        """One sentence on the baseline, or "" without one."""
        if self.baseline is None:
            return ""
        return (f"Baseline {self.baseline}: {self.known} known finding{'s' * (self.known != 1)} set aside; "
                "only new findings are judged.")

    def verdict_line(self) -> str:
        """The first line of the check's output: the verdict and every failed threshold.

        >>> r = ScanResult({}, [], [], [], [], [], 0, 0, "fail", ["max-input-errors: 2 > 0"])
        >>> CheckOutcome(r).verdict_line()
        'corpus-audit: fail: max-input-errors: 2 > 0'
        """
        r = self.result
        if self.passed:
            n = len(r.findings)
            line = (f"corpus-audit: pass: every threshold holds ({len(r.documents)} documents, "
                    f"{n} finding{'s' * (n != 1)})")
        else:
            line = "corpus-audit: fail: " + "; ".join(r.failures)
        return f"{line} [{self.baseline_note()}]" if self.baseline else line


def validate(settings: ScanSettings) -> None:
    """Refuse settings that contradict each other (a readability bound with readability off)."""
    t = settings.thresholds
    if not settings.readability and (t.min_mean_grade is not None or t.max_mean_grade is not None):
        raise ConfigError("min-mean-grade and max-mean-grade need readability = true")


def check(source: Source, settings: ScanSettings | None = None, fields: Fields | None = None,
          baseline: str | None = None, write_baseline: str | None = None,
          progress: Callable[[int], None] | None = None, name: str | None = None,
          json_report: bool = False) -> CheckOutcome:
    """Scan `source` (paths or records, as :func:`audit.pipeline.scan` takes them) and judge it
    against the thresholds.

    `write_baseline` records every finding of this run in that file; the run is then judged
    against it (so only corpus measures such as readability can fail) unless `baseline` names
    another file to judge against. `progress` and `json_report` are passed on to
    :func:`audit.pipeline.scan`.
    """
    settings = settings or ScanSettings()
    validate(settings)
    known = read_baseline(baseline) if baseline else None  # a bad baseline fails before the scan
    result = scan(source, settings, fields, progress, name, json_report)
    if write_baseline:
        write_atomic(write_baseline, render_baseline(result))
        if known is None:
            known, baseline = keys(result), write_baseline
    if known is None:
        return CheckOutcome(result)
    judged, count = apply_baseline(result, known)
    decide(judged, settings.thresholds)
    return CheckOutcome(judged, count, baseline)
