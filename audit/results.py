"""A scan's documents and findings as sequences read back from disk, one document at a time.

The corpus pass keeps the summaries in memory without their report content; the report,
thresholds and `clean` read that content back through these two views, in document order, as
often as they need to. Each looks like the list it stands for (``len``, indexing, iteration).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from audit.read.spool import Indexed
from audit.records import Details, DocumentSummary, Finding


class SpooledDocuments(Indexed[DocumentSummary]):
    """The summaries with their details put back; ``summaries[i]`` goes with ``details[i]``, and
    with ``rendered[i]``, its item in the JSON report, when the scan rendered those."""

    def __init__(self, summaries: list[DocumentSummary], details: Indexed[Details],
                 rendered: Indexed[str] | None = None) -> None:
        if len(summaries) != len(details) or rendered is not None and len(rendered) != len(details):
            raise ValueError(f"{len(summaries)} summaries but {len(details)} details"
                             + ("" if rendered is None else f" and {len(rendered)} rendered"))
        self.summaries = summaries
        self.details = details
        self.rendered = rendered

    def __len__(self) -> int:
        return len(self.summaries)

    def _item(self, i: int) -> DocumentSummary:
        return self.summaries[i].with_details(self.details[i])

    def __iter__(self) -> Iterator[DocumentSummary]:
        for summary, details in zip(self.summaries, self.details):
            yield summary.with_details(details)


class SpooledFindings(Indexed[Finding]):
    """Every document's findings in document order, then the corpus's own (`extra`); `counts`
    are the number of findings of each document's details. ``rendered[i]``, when the scan
    rendered those, is the items in the JSON report of ``details[i].findings``
    (:func:`audit.report.json_entries.findings_text`)."""

    def __init__(self, details: Indexed[Details], counts: Sequence[int], extra: list[Finding],
                 rendered: Indexed[str] | None = None) -> None:
        if len(counts) != len(details) or rendered is not None and len(rendered) != len(details):
            raise ValueError(f"{len(counts)} counts but {len(details)} details"
                             + ("" if rendered is None else f" and {len(rendered)} rendered"))
        self.details = details
        self.extra = extra
        self.rendered = rendered
        # Where each document's findings end in the whole sequence: indexing finds the document.
        self._ends = np.cumsum(np.asarray(counts, dtype=np.int64))
        self._spooled = int(self._ends[-1]) if len(self._ends) else 0

    def __len__(self) -> int:
        return self._spooled + len(self.extra)

    def _item(self, i: int) -> Finding:
        if i >= self._spooled:
            return self.extra[i - self._spooled]
        doc = int(np.searchsorted(self._ends, i, side="right"))
        start = int(self._ends[doc - 1]) if doc else 0
        return self.details[doc].findings[i - start]

    def __iter__(self) -> Iterator[Finding]:
        for details in self.details:
            yield from details.findings
        yield from self.extra


def summaries(documents: Sequence[DocumentSummary]) -> Sequence[DocumentSummary]:
    """The documents as the corpus pass holds them, without reading their details back from disk:
    for what needs only ids, sources, dates and counts (their findings, readability and tone are
    empty there)."""
    return documents.summaries if isinstance(documents, SpooledDocuments) else documents
