"""Corpus-level figures of a scan: what the summary table shows and the thresholds judge."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from audit.records import DocumentSummary, Finding, Packed, Readability, ScanResult
from audit.report.moments import Moments
from audit.results import scored

#: The rules whose findings the figures count apart.
COUNTED_RULES = frozenset({"lines.template", "lines.page-dump", "language.other"})


def figures_of(result: ScanResult) -> dict[str, Any]:
    """The figures of a scan: those it was judged on, or else counted now."""
    return result.figures if result.figures is not None else count_figures(result)


@dataclass
class Tally:
    """What the figures count over the documents and their findings, one at a time: counted
    where the documents are analyzed, a run of them at a time, instead of read back from disk.
    Tallies of runs of documents counted apart add up (:meth:`add`) to the tally of them all."""

    documents: int = 0
    lines: int = 0
    text_lines: int = 0
    words: int = 0
    #: The grades, summed exactly: sums counted apart (a part of the corpus each, where it was
    #: analyzed) add up to the same total in any order, and the mean shown is the exact one,
    #: rounded once.
    grades: Moments = field(default_factory=Moments)
    sources: set[str] = field(default_factory=set)
    kinds: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    repaired: set[str] = field(default_factory=set)

    def document(self, d: DocumentSummary, readability: Readability | None) -> None:
        """Count a document with its readability."""
        self._document(d, readability.grade if readability else None)

    def packed(self, d: DocumentSummary, packed: Packed) -> None:
        """Count a document and its findings from its :class:`Packed` report content, as
        :meth:`document` and :meth:`findings` count them unpacked."""
        self._document(d, packed.grade)
        self.kinds.update(packed.kinds)
        self.rules.update(rule for rule in packed.rules if rule in COUNTED_RULES)
        if "encoding" in packed.kinds:
            self.repaired.add(d.id)

    def _document(self, d: DocumentSummary, grade: float | None) -> None:
        self.documents += 1
        self.sources.add(d.source)
        self.lines += d.lines
        self.text_lines += d.text_lines
        self.words += d.words
        if grade is not None:
            self.grades.add(grade)

    def findings(self, found: Iterable[Finding]) -> None:
        """Count findings (a document's, or the corpus's own)."""
        for f in found:
            self.kinds[f.kind] += 1
            if f.rule in COUNTED_RULES:
                self.rules[f.rule] += 1
            if f.kind == "encoding":
                self.repaired.add(f.document)

    def add(self, other: Tally) -> None:
        """Count another run of documents' tally in."""
        self.documents += other.documents
        self.lines += other.lines
        self.text_lines += other.text_lines
        self.words += other.words
        self.grades.merge(other.grades)
        self.sources |= other.sources
        self.kinds.update(other.kinds)
        self.rules.update(other.rules)
        self.repaired |= other.repaired

    def mean_grade(self, digits: int) -> float | None:
        """The exact mean of the grades counted, rounded once to `digits` decimals (half to even);
        None when none was counted."""
        if not self.grades.count:
            return None
        return float(round(self.grades.exact_mean(), digits))


def count_figures(result: ScanResult, tally: Tally | None = None) -> dict[str, Any]:
    """The figures of a scan, keyed as in the JSON contract's ``summary``, from the `tally` of its
    documents and findings, else counted now (one pass over each: a scan reads both back from disk).
    """
    if tally is None:
        tally = Tally()
        for d, (readability, _) in scored(result.documents):
            tally.document(d, readability)
        tally.findings(result.findings)
    n, text_lines, kinds, rules, repaired = tally.documents, tally.text_lines, tally.kinds, tally.rules, tally.repaired
    in_clusters = sum(len(c.members) - 1 for c in result.clusters)
    return {
        "documents": n,
        "records": result.records,
        "sources": len(tally.sources),
        "lines": tally.lines,
        "text_lines": text_lines,
        "words": tally.words,
        "boilerplate_lines": kinds["boilerplate"],
        "boilerplate_share": round(kinds["boilerplate"] / text_lines, 4) if text_lines else 0.0,
        "template_lines": rules["lines.template"],
        "page_dumps": rules["lines.page-dump"],
        "quality_findings": kinds["quality"],
        "encoding_repairs": kinds["encoding"],
        "documents_repaired": len(repaired),
        "repair_share": round(len(repaired) / n, 4) if n else 0.0,
        "duplicate_pairs": len(result.duplicate_pairs),
        "clusters": len(result.clusters),
        "duplicate_documents": in_clusters,
        "duplicate_share": round(in_clusters / n, 4) if n else 0.0,
        "passage_pairs": len(result.passage_pairs),
        "input_errors": result.input_errors,
        # Documents in a language the `languages` setting does not expect; the share is None (not
        # measured) when the setting is not set, as any language is then expected.
        "other_language_documents": rules["language.other"],
        "other_language_share": (round(rules["language.other"] / n, 4) if n else 0.0)
        if result.settings.get("languages") else None,
        # None when readability is off or no document has a score: nothing to judge.
        "mean_grade": tally.mean_grade(2),
    }
