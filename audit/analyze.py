"""Per-document work: a pure function from one document to its compact summary.

Repair the encoding, cut the lines into paragraphs, match the rules and the line statistics, key
the lines for the corpus count of template lines, sign the document and its passages, identify
its language, and score readability and tone where they are valid for that language. The result holds no copy of the text, so the corpus pass can keep one
summary per document, and the function runs the same in a local process pool or on a cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from audit.lines import model as line_model
from audit.lines import menus, sections
from audit.lines import statistics as line_stats
from audit.lines.rules import Hit, RuleSet
from audit.lines.templates import line_keys, prose_keys
from audit.readability import grade as readability
from audit.records import Document, DocumentSummary, Finding
from audit.settings import LineSettings, ScanSettings
from audit.similarity import passages
from audit.similarity.lsh import band_keys
from audit.similarity.minhash import Signer
from audit.text import language as languages
from audit.text import sentences
from audit.text.normalize import Repair, body_text, repair, words
from audit.tone import lexicon
from audit.tone import score as tone


@dataclass
class Analyzer:
    """Holds what every document is analyzed with: settings, rules, tone signals, MinHash signer."""

    settings: ScanSettings
    rules: RuleSet
    #: Whether summaries carry their compared lines (for an engine that spools them: the
    #: corpus pass then reads them instead of repairing and matching the document again).
    keep_compared: bool = False
    #: What renders each summary's entries in the JSON report as it is packed, when the scan's
    #: caller writes that report (:func:`audit.report.json_entries.entries`): where the documents
    #: are analyzed, in parallel, not in the one process that writes the report.
    render: Callable[[DocumentSummary], tuple[str, str]] | None = None
    signer: Signer = field(init=False)
    lexicon: lexicon.Lexicon = field(init=False)

    def __post_init__(self) -> None:
        sim = self.settings.similarity
        self.signer = Signer(sim.num_perm, sim.seed)
        self.lexicon = lexicon.load(self.settings.rule_dirs)

    def __call__(self, doc: Document) -> DocumentSummary:
        return analyze(doc, self)

    def batch(self, docs: list[Document]) -> list[DocumentSummary]:
        """Analyze several documents (one task of a process pool); signing is done for all at once."""
        return analyze_batch(docs, self)


@dataclass
class Prepared:
    """A document's repaired lines and what the rules and the line statistics found in them."""

    lines: list[str]
    repairs: list[Repair]
    hits: list[Hit]
    #: Rules that gave up on a line (their time limit ran out): reported, not applied.
    timeouts: list[Hit]
    layout: line_stats.Layout
    #: Lines the statistics flag that no rule claimed (leftover page text and quality signals).
    flags: list[line_stats.LineFlag]

    @property
    def leftovers(self) -> set[int]:
        """Line numbers of leftover page text: rule hits and statistics of kind boilerplate."""
        return {h.line for h in self.hits} | {f.line for f in self.flags if f.signal.kind == "boilerplate"}

    @property
    def body(self) -> list[str]:
        """The lines with leftover page text blanked out (line numbers kept): what readability
        and tone read."""
        flagged = self.leftovers
        return ["" if i in flagged else line for i, line in enumerate(self.lines, start=1)]

    @property
    def compared(self) -> list[str]:
        """The lines with the rules' hits blanked out (line numbers kept): what near-duplicate documents
        are found and verified by (and passages' texts read: a passage's line is the same here).

        The line statistics' flags stay in: they are guesses from a line's shape, and where they
        guess wrong in one version of a page and not in another, the two no longer match (on
        extraction-dev, blanking them too cost cluster recall 0.9845 -> 0.9726; see bench/RESULTS.md).
        """
        claimed = {h.line for h in self.hits}
        return ["" if i in claimed else line for i, line in enumerate(self.lines, start=1)]


def prepare(doc: Document, rules: RuleSet, settings: LineSettings, disabled: frozenset[str] = frozenset()) -> Prepared:
    """Repair a document's encoding and match the rules and the line statistics against its lines.

    Rules read a hard-wrapped paragraph as one unit. Statistics whose id is in `disabled` are off.
    """
    normalized = repair(doc.text)
    lines = normalized.text.split("\n")
    paras = line_stats.paragraphs(lines, settings)
    applied = rules.apply(lines, [(p.first, p.last) for p in paras])
    hits = [h for h in applied if not h.timed_out]
    claimed = {h.line for h in hits}
    for hit in [h for h in hits if h.rule.block]:
        block = [n for n in line_stats.block_after(paras, hit.line) if n not in claimed]
        hits += [Hit(n, hit.rule, (0, len(lines[n - 1]))) for n in block]
        claimed.update(block)
    hits.sort(key=lambda h: h.line)
    layout = line_stats.layout(paras, settings, claimed)
    flags = line_stats.flag_lines(lines, layout, claimed) if settings.enabled else []
    flags = [f for f in flags if f.signal.id not in disabled]
    if settings.enabled:
        flags = _context_flags(lines, layout, claimed, flags, settings, disabled)
    return Prepared(lines, normalized.repairs, hits, [h for h in applied if h.timed_out], layout, flags)


def _context_flags(lines: list[str], layout: line_stats.Layout, claimed: set[int], flags: list[line_stats.LineFlag],
                   settings: LineSettings, disabled: frozenset[str]) -> list[line_stats.LineFlag]:
    """The statistics' flags with the comments block's, the menus' and the line model's added (in line
    order): the model reads the lines flagged so far as evidence about their neighbours."""
    flagged = claimed | {f.line for f in flags if f.signal.kind == "boilerplate"}
    found: list[tuple[str, list[tuple[int, str]]]] = []
    main = layout.main_lines()
    if "lines.section" not in disabled:
        block = sections.comment_block(lines, main[0] if main else 1)
        if block is not None:
            found.append(("lines.section", [(n, f"from line {block[0]}, {block[1]}")
                                            for n in range(block[0], len(lines) + 1)]))
    if "lines.menu" not in disabled:
        found.append(("lines.menu", menus.menu_lines(lines, main)))
    for signal_id, lines_why in found:
        signal = line_stats.SIGNALS[signal_id]
        mine = [line_stats.LineFlag(n, signal, why) for n, why in lines_why
                if n not in flagged and not line_stats.blank(lines[n - 1])]
        taken = {f.line for f in mine}
        # A quality flag (a URL, digits) on a line of the block gives way to it.
        flags = [f for f in flags if f.signal.kind == "boilerplate" or f.line not in taken] + mine
        flagged |= taken
    if settings.model_min_score is not None and "lines.model" not in disabled:
        flags += line_model.flag_lines(lines, layout, flagged, settings.model_min_score, line_model.builtin())
    return sorted(flags, key=lambda f: f.line)


def _statistic_findings(doc: Document, prepared: Prepared, settings: LineSettings, disabled: frozenset[str]) -> list[Finding]:
    findings = []
    layout = prepared.layout
    page = line_stats.SIGNALS["lines.page-dump"]
    if settings.enabled and layout.page_dump and page.id not in disabled:
        first, last = layout.main_lines()
        findings.append(Finding(doc.id, page.kind, page.id, page.severity,
                                f"{page.message}: {layout.outside_lines} lines outside the main text "
                                f"(lines {first}-{last}), {layout.menu_lines} of them menu-like",
                                detail={"main_text": [first, last], "outside_lines": layout.outside_lines,
                                        "menu_lines": layout.menu_lines}))
    for flag in prepared.flags:
        signal = flag.signal
        action = settings.action if signal.kind == "boilerplate" else "flag"
        findings.append(Finding(doc.id, signal.kind, signal.id, signal.severity, f"{signal.message} ({flag.detail})",
                                line=flag.line, text=prepared.lines[flag.line - 1], detail={"action": action}))
    return findings


def analyze(doc: Document, analyzer: Analyzer) -> DocumentSummary:
    """The summary of one document."""
    return analyze_batch([doc], analyzer)[0]


def _published(doc: Document) -> str | None:
    date = doc.fields.get("date")
    return date if isinstance(date, str) and date else None


def findings_of(doc: Document, prepared: Prepared, analyzer: Analyzer) -> list[Finding]:
    """What the per-document work found: encoding repairs, leftover page text (rules and line
    statistics), rules that gave up; in line order."""
    lines = prepared.lines
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
        for h in prepared.hits
    ]
    findings += [
        Finding(doc.id, "quality", h.rule.id, "error",
                f"Rules gave up on the document here: their budget of {analyzer.rules.budget}s a document "
                "ran out, and the lines from this one on were not searched" if h.budget_spent else
                f"Rule gave up on this line after {analyzer.rules.timeout}s (its pattern is too slow here)",
                line=h.line, text=lines[h.line - 1][:200])
        for h in prepared.timeouts
    ]
    findings += _statistic_findings(doc, prepared, analyzer.settings.lines, frozenset(analyzer.settings.disabled_rules))
    findings.sort(key=Finding.order)
    return findings


def _language_findings(doc: Document, language: str, expected: tuple[str, ...]) -> list[Finding]:
    """A finding when `expected` languages are set and the document is identified as another."""
    if not expected or language == languages.UNDETERMINED or language in expected:
        return []
    return [Finding(doc.id, "quality", "language.other", "warning",
                    f"In language {language}, not {' or '.join(expected)} (the languages setting)",
                    detail={"language": language})]


def analyze_batch(docs: list[Document], analyzer: Analyzer) -> list[DocumentSummary]:
    """The summaries of several documents, each a function of its document alone.

    The documents and their passages are signed in two calls of the compiled kernel, which is
    where batching pays: a call per text would cost more than the signing itself.
    """
    settings = analyzer.settings
    sim = settings.similarity
    disabled = frozenset(settings.disabled_rules)
    prepared = [prepare(doc, analyzer.rules, settings.lines, disabled) for doc in docs]
    bodies = [p.body for p in prepared]
    # Passages come from the body (no statistics-flagged footer is a passage), documents are
    # compared whole on their lines with only the rules' hits out (see Prepared.compared). The
    # verification stage reads the `compared` lines for both: a passage's line is in both alike.
    # Passages and the readability and tone units are cut at the same sentence ends.
    cuts = [[sentences.split(line) for line in b] for b in bodies]
    units = [passages.cut(b, sim.min_passage_words, sim.max_paragraph_sentences, sim.window_sentences, c)
             for b, c in zip(bodies, cuts)]
    compared = [p.compared for p in prepared]  # built once: signed here, kept for the corpus pass below
    texts = [body_text(c) for c in compared]
    signed = analyzer.signer.sign_texts(texts, sim.shingle_size, sim.anchor_every)
    passage_signed = analyzer.signer.sign_texts(
        [passages.text(b, p) for b, us in zip(bodies, units) for p in us], sim.passage_shingle_size)
    # Passages are compared by their band keys only (verification reads the compared lines): a quarter
    # of the bytes of their signatures.
    passage_keys = band_keys(passage_signed.signatures, sim.passage_bands, sim.passage_rows)
    body_texts = [body_text(b) for b in bodies]
    identified = languages.identify_all(body_texts)
    out = []
    first = 0
    for i, (doc, prep, us, language) in enumerate(zip(docs, prepared, units, identified)):
        compared_words = int(signed.words[i])
        # `words` counts the body (what a reader gets), which the statistics may have cut further.
        word_count = compared_words if len(prep.leftovers) == len({h.line for h in prep.hits}) else len(words(body_texts[i]))
        # Readability's formulas and tone's lexicons are English: a number for other text is noise.
        scored = languages.scored(language)
        # Readability and tone count the same sentences and words.
        text_units = list(sentences.sentences(bodies[i], cuts[i])) if scored and (settings.readability or settings.tone) else []
        keys = line_keys(doc.source, prep.lines) if settings.lines.min_template_documents else None
        found = findings_of(doc, prep, analyzer) + _language_findings(doc, language, settings.languages)
        out.append(DocumentSummary(
            id=doc.id,
            source=doc.source,
            origin=doc.origin,
            lines=len(prep.lines),
            text_lines=sum(p.size for p in prep.layout.paragraphs),  # paragraphs hold every line not blank
            words=word_count,
            chars=len(doc.text),
            findings=found,
            readability=readability.score(text_units) if scored and settings.readability else None,
            tone=tone.document_tone(text_units, analyzer.lexicon, settings.min_loaded_sentence,
                                    settings.quoted_weight) if scored and settings.tone else None,
            signature=signed.signatures[i].copy() if compared_words else None,
            anchors=signed.anchors_of(i).copy(),
            passages=passages.table(us),
            passage_keys=passage_keys[first:first + len(us)].copy(),
            date=_published(doc),
            line_keys=keys,
            prose_keys=prose_keys(keys, prep.layout) if keys is not None else None,
            flagged_lines=len({f.line for f in found if f.kind in ("boilerplate", "encoding")}),
            language=language,
            compared=compared[i] if analyzer.keep_compared else None,
        ))
        first += len(us)
    return out
