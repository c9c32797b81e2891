"""A scan's documents and findings as sequences read back from disk, one document at a time.

The corpus pass keeps the summaries in memory without their report content; the report,
thresholds and `clean` read that content back through these two views, in document order, as
often as they need to. Each looks like the list it stands for (``len``, indexing, iteration).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from audit.read.spool import Indexed
from audit.records import DocumentSummary, Finding, Scores
from audit.report.rows import FirstRows
from audit.report.score_figures import ScoreFigures


class SpooledDocuments(Indexed[DocumentSummary]):
    """The summaries with their details put back: ``summaries[i]`` goes with ``findings[i]``,
    ``scores[i]`` and, when the scan rendered those, ``rendered[i]``, its item in the JSON report.
    `figures`, when the scan counted them, are what the report shows of their languages,
    readability and tone."""

    def __init__(self, summaries: list[DocumentSummary], findings: Indexed[list[Finding]], scores: Indexed[Scores],
                 rendered: Indexed[str] | None = None, figures: ScoreFigures | None = None) -> None:
        for name, spooled in (("findings", findings), ("scores", scores), ("rendered", rendered)):
            if spooled is not None and len(spooled) != len(summaries):
                raise ValueError(f"{len(summaries)} summaries but {len(spooled)} {name}")
        self.summaries = summaries
        self.findings = findings
        self.scores = scores
        self.rendered = rendered
        self.figures = figures

    def __len__(self) -> int:
        return len(self.summaries)

    def _item(self, i: int) -> DocumentSummary:
        return self.summaries[i].with_details(self.findings[i], self.scores[i])

    def __iter__(self) -> Iterator[DocumentSummary]:
        for summary, findings, scores in zip(self.summaries, self.findings, self.scores):
            yield summary.with_details(findings, scores)

    def scored(self) -> Iterator[tuple[DocumentSummary, Scores]]:
        """Each document (its summary, without details) with its readability and tone, not its
        findings: for what reads only those, without reading every finding back from disk (nor
        copying every summary to put them in)."""
        return zip(self.summaries, self.scores)


class SpooledFindings(Indexed[Finding]):
    """Every document's findings in document order (``found[i]`` the i-th document's), then the
    corpus's own (`extra`); `counts` are how many each document has. ``rendered[i]``, when the
    scan rendered those, is the items of ``found[i]`` in the JSON report
    (:func:`audit.report.json_entries.findings_text`). `first_rows`, when the scan noted them,
    are the documents that hold the first rows of the Markdown report's tables of findings."""

    def __init__(self, found: Indexed[list[Finding]], counts: Sequence[int], extra: list[Finding],
                 rendered: Indexed[str] | None = None, first_rows: FirstRows | None = None) -> None:
        if len(counts) != len(found) or rendered is not None and len(rendered) != len(found):
            raise ValueError(f"{len(counts)} counts but {len(found)} documents' findings"
                             + ("" if rendered is None else f" and {len(rendered)} rendered"))
        self.found = found
        self.extra = extra
        self.rendered = rendered
        self.first_rows = first_rows
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
        return self.found[doc][i - start]

    def __iter__(self) -> Iterator[Finding]:
        for findings in self.found:
            yield from findings
        yield from self.extra


def summaries(documents: Sequence[DocumentSummary]) -> Sequence[DocumentSummary]:
    """The documents as the corpus pass holds them, without reading their details back from disk:
    for what needs only ids, sources, dates and counts (their findings, readability and tone are
    empty there)."""
    return documents.summaries if isinstance(documents, SpooledDocuments) else documents


def score_figures(documents: Sequence[DocumentSummary]) -> ScoreFigures:
    """What the report shows of the documents' languages, readability and tone: as the scan
    counted them, else counted now."""
    if isinstance(documents, SpooledDocuments) and documents.figures is not None:
        return documents.figures
    return ScoreFigures.of(scored(documents))


def scored_at(documents: Sequence[DocumentSummary], i: int) -> tuple[DocumentSummary, Scores]:
    """The i-th document with its readability and tone, read back alone where a scan keeps them."""
    if isinstance(documents, SpooledDocuments):
        return documents.summaries[i], documents.scores[i]
    d = documents[i]
    return d, (d.readability, d.tone)


def scored(documents: Sequence[DocumentSummary]) -> Iterable[tuple[DocumentSummary, Scores]]:
    """Each document with its readability and tone, its findings left on disk where a scan
    keeps them (:meth:`SpooledDocuments.scored`): for what reads no findings."""
    if isinstance(documents, SpooledDocuments):
        return documents.scored()
    return ((d, (d.readability, d.tone)) for d in documents)
