"""Per-document work: a pure function from one document to its compact summary.

Repair the encoding, match the rules line by line, sign the document and its passages, and score
readability and tone. The result holds no copy of the text, so the corpus pass can keep one
summary per document, and the function runs the same in a local process pool or on a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from audit import lexicon, passages, readability, sentences, tone
from audit.minhash import Signer, shingles
from audit.normalize import Repair, repair, words
from audit.records import Document, DocumentSummary, Finding
from audit.rules import Hit, RuleSet
from audit.settings import ScanSettings


@dataclass
class Analyzer:
    """Holds what every document is analyzed with: settings, rules, tone signals, MinHash signer."""

    settings: ScanSettings
    rules: RuleSet
    signer: Signer = field(init=False)
    lexicon: lexicon.Lexicon = field(init=False)

    def __post_init__(self) -> None:
        sim = self.settings.similarity
        self.signer = Signer(sim.num_perm, sim.seed)
        self.lexicon = lexicon.load(self.settings.rule_dirs)

    def __call__(self, doc: Document) -> DocumentSummary:
        return analyze(doc, self)

    def batch(self, docs: list[Document]) -> list[DocumentSummary]:
        """Analyze several documents (one task of a process pool)."""
        return [analyze(d, self) for d in docs]


def unit_shingles(text: str, size: int) -> list[str]:
    """The shingles a document or passage is compared by."""
    return shingles(words(text), size)


@dataclass
class Prepared:
    """A document's repaired lines and what the rules found in them."""

    lines: list[str]
    repairs: list[Repair]
    hits: list[Hit]
    #: Rules that gave up on a line (their time limit ran out): reported, not applied.
    timeouts: list[Hit]

    @property
    def body(self) -> list[str]:
        """The lines with leftover page text blanked out (line numbers kept)."""
        flagged = {h.line for h in self.hits}
        return ["" if i in flagged else line for i, line in enumerate(self.lines, start=1)]


def prepare(doc: Document, rules: RuleSet) -> Prepared:
    """Repair a document's encoding and match the rules against its lines."""
    normalized = repair(doc.text)
    lines = normalized.text.split("\n")
    hits = rules.apply(lines)
    return Prepared(lines, normalized.repairs, [h for h in hits if not h.timed_out], [h for h in hits if h.timed_out])


def analyze(doc: Document, analyzer: Analyzer) -> DocumentSummary:
    """The summary of one document."""
    settings = analyzer.settings
    sim = settings.similarity
    prepared = prepare(doc, analyzer.rules)
    lines, hits = prepared.lines, prepared.hits
    findings = [
        Finding(doc.id, "encoding", "encoding.not-utf8", "warning",
                "Not valid UTF-8: read as Windows-1252", line=number or None,
                text=lines[number - 1] if number else "",
                detail={"before": "(bytes that are not UTF-8)", "after": lines[number - 1] if number else "(the whole record)"})
        for number in doc.recoded_lines
    ]
    findings += [
        Finding(doc.id, "encoding", "encoding.mojibake", "warning",
                f"Encoding damage repaired ({', '.join(r.steps)})", line=r.line, text=r.before,
                detail={"before": r.before, "after": r.after})
        for r in prepared.repairs
    ]
    findings += [
        Finding(doc.id, "boilerplate", h.rule.id, h.rule.severity, h.rule.message, line=h.line,
                text=lines[h.line - 1], span=h.span, detail={"action": h.rule.action})
        for h in hits
    ]
    findings += [
        Finding(doc.id, "quality", h.rule.id, "error",
                f"Rule gave up on this line after {analyzer.rules.timeout}s (its pattern is too slow here)",
                line=h.line, text=lines[h.line - 1][:200])
        for h in prepared.timeouts
    ]
    body_lines = prepared.body
    body = "\n".join(line for line in body_lines if line)
    doc_words = words(body)
    units = passages.cut(body_lines, sim.min_passage_words, sim.max_paragraph_sentences, sim.window_sentences)
    if units:
        passage_signatures = np.stack([
            analyzer.signer.sign(unit_shingles(passages.text(body_lines, p), sim.passage_shingle_size))
            for p in units
        ])
    else:
        passage_signatures = np.zeros((0, sim.num_perm), dtype=np.uint32)
    signature = analyzer.signer.sign(shingles(doc_words, sim.shingle_size)) if doc_words else None
    # Readability and tone count the same sentences and words.
    text_units = list(sentences.sentences(body_lines)) if settings.readability or settings.tone else []
    return DocumentSummary(
        id=doc.id,
        source=doc.source,
        origin=doc.origin,
        lines=len(lines),
        text_lines=sum(1 for line in lines if line.strip()),
        words=len(doc_words),
        chars=len(doc.text),
        findings=findings,
        readability=readability.score(text_units) if settings.readability else None,
        tone=tone.document_tone(text_units, analyzer.lexicon, settings.min_loaded_sentence,
                                settings.quoted_weight) if settings.tone else None,
        signature=signature,
        passages=units,
        passage_signatures=passage_signatures,
    )
