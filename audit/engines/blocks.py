"""What an engine gives a scan of a run of documents: their summaries, and their report content
packed together where they were analyzed, with what the scan counts of it.

The scan keeps the report content on disk and counts its figures as it comes (see
:class:`audit.records.Packed`). Made where the documents were analyzed (a pool worker, a Dask
worker, or the scan's process with one job), a run's content is one run of pickles a spool writes
in one write, and its figures and the first rows of the Markdown report's tables are counted
there, and added up by the scan: the process that gathers every summary no longer handles each
document's content (bench/HISTORY.md, the nineteenth round).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from audit.checks.figures import Tally
from audit.read.spool import Pickles
from audit.records import DocumentSummary, Finding, Scores
from audit.report.rows import FirstRows
from audit.report.score_figures import ScoreFigures

#: Gives a summary's entries in the JSON report (:func:`audit.report.json_entries.entries`).
Render = Callable[[DocumentSummary], tuple[str, str]]


@dataclass(eq=False)
class Block:
    """A run of consecutive documents' summaries (their report content taken out), and that
    content: each document's findings and its scores pickled, one after another, and, when the
    scan writes the JSON report, each one's item in ``documents`` and its findings' items
    (`entries`). With them what the scan counts of them: each document's number of findings,
    the lines its leftover findings claimed (`claimed`, for template lines: None where no summary
    has line keys), the figures (`tally`), the first rows of the tables of findings (`rows`,
    the documents indexed from the block's first) and what the report shows of their languages,
    readability and tone (`scored`, indexed likewise)."""

    summaries: list[DocumentSummary]
    findings: Pickles
    scores: Pickles
    entries: tuple[Pickles, Pickles] | None
    counts: np.ndarray
    claimed: list[frozenset[int]] | None
    tally: Tally
    rows: FirstRows
    scored: ScoreFigures

    @classmethod
    def of(cls, summaries: list[DocumentSummary], render: Render | None = None) -> Block:
        """The block of `summaries`, their report content packed (:meth:`DocumentSummary.pack`)."""
        tally, rows, scored = Tally(), FirstRows(), ScoreFigures()
        packs = []
        for k, summary in enumerate(summaries):
            scored.document(k, summary, (summary.readability, summary.tone))
            packed = summary.pack(render)
            summary.packed = None
            tally.packed(summary, packed)
            rows.add(k, packed.kinds, packed.rules)
            packs.append(packed)
        entries = None
        if render is not None:
            entries = tuple(Pickles.of([pickle.dumps(p.json[i], protocol=pickle.HIGHEST_PROTOCOL)  # type: ignore[index]
                                        for p in packs]) for i in (0, 1))
        return cls(summaries, Pickles.of([p.findings for p in packs]), Pickles.of([p.scores for p in packs]),
                   entries, np.fromiter((len(p.kinds) for p in packs), dtype=np.int64, count=len(packs)),  # type: ignore[arg-type]
                   [p.claimed for p in packs] if any(s.line_keys is not None for s in summaries) else None,
                   tally, rows, scored)

    def __len__(self) -> int:
        return len(self.summaries)

    def only(self, keep: Sequence[int]) -> Block:
        """The block of the summaries at the positions `keep` (in order): what is left of a run
        when the scan drops some of its documents (a repeated id). Counted again from the pickles."""
        tally, rows, scored = Tally(), FirstRows(most=self.rows.most), ScoreFigures(most=self.scored.most)
        counts = []
        for k, i in enumerate(keep):
            found: list[Finding] = pickle.loads(self.findings[i])
            scores: Scores = pickle.loads(self.scores[i])
            tally.document(self.summaries[i], scores[0])
            scored.document(k, self.summaries[i], scores)
            tally.findings(found)
            rows.add(k, [f.kind for f in found], [f.rule for f in found])
            counts.append(len(found))
        entries = None if self.entries is None else (self.entries[0].only(keep), self.entries[1].only(keep))
        return Block([self.summaries[i] for i in keep], self.findings.only(keep), self.scores.only(keep), entries,
                     np.array(counts, dtype=np.int64), None if self.claimed is None else [self.claimed[i] for i in keep],
                     tally, rows, scored)
