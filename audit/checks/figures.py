"""Corpus-level figures of a scan: what the summary table shows and the thresholds judge."""

from __future__ import annotations

from collections import Counter
from typing import Any

from audit.records import ScanResult


def figures_of(result: ScanResult) -> dict[str, Any]:
    """The figures of a scan: those it was judged on, or else counted now."""
    return result.figures if result.figures is not None else count_figures(result)


def count_figures(result: ScanResult) -> dict[str, Any]:
    """The figures of a scan, keyed as in the JSON contract's ``summary``.

    One pass over the documents and one over the findings: a scan reads both back from disk.
    """
    n = lines = text_lines = words = graded = 0
    grade_sum = 0.0
    sources: set[str] = set()
    for d in result.documents:
        n += 1
        sources.add(d.source)
        lines += d.lines
        text_lines += d.text_lines
        words += d.words
        if d.readability:
            graded += 1
            grade_sum += d.readability.grade
    kinds: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    repaired: set[str] = set()
    for f in result.findings:
        kinds[f.kind] += 1
        if f.rule in ("lines.template", "lines.page-dump", "language.other"):
            rules[f.rule] += 1
        if f.kind == "encoding":
            repaired.add(f.document)
    in_clusters = sum(len(c.members) - 1 for c in result.clusters)
    return {
        "documents": n,
        "records": result.records,
        "sources": len(sources),
        "lines": lines,
        "text_lines": text_lines,
        "words": words,
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
        "mean_grade": round(grade_sum / graded, 2) if graded else None,
    }
