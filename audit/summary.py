"""Corpus-level figures of a scan: what the summary table shows and the thresholds judge."""

from __future__ import annotations

from typing import Any

from audit.records import ScanResult


def summarize(result: ScanResult) -> dict[str, Any]:
    """The figures of a scan, keyed as in the JSON contract's ``summary``."""
    docs = result.documents
    n = len(docs)
    boilerplate = [f for f in result.findings if f.kind == "boilerplate"]
    repaired = {f.document for f in result.findings if f.kind == "encoding"}
    in_clusters = sum(len(c.members) - 1 for c in result.clusters)
    lines = sum(d.text_lines for d in docs)
    grades = [d.readability.grade for d in docs if d.readability]
    return {
        "documents": n,
        "records": result.records,
        "sources": len({d.source for d in docs}),
        "lines": sum(d.lines for d in docs),
        "text_lines": lines,
        "words": sum(d.words for d in docs),
        "boilerplate_lines": len(boilerplate),
        "boilerplate_share": round(len(boilerplate) / lines, 4) if lines else 0.0,
        "template_lines": sum(1 for f in boilerplate if f.rule == "lines.template"),
        "page_dumps": sum(1 for f in result.findings if f.rule == "lines.page-dump"),
        "quality_findings": sum(1 for f in result.findings if f.kind == "quality"),
        "encoding_repairs": sum(1 for f in result.findings if f.kind == "encoding"),
        "documents_repaired": len(repaired),
        "repair_share": round(len(repaired) / n, 4) if n else 0.0,
        "duplicate_pairs": len(result.duplicate_pairs),
        "clusters": len(result.clusters),
        "duplicate_documents": in_clusters,
        "duplicate_share": round(in_clusters / n, 4) if n else 0.0,
        "passage_pairs": len(result.passage_pairs),
        "input_errors": result.input_errors,
        # None when readability is off or no document has a score: nothing to judge.
        "mean_grade": round(sum(grades) / len(grades), 2) if grades else None,
    }
