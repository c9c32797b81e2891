"""Per-text functions for pipelines: one text in, one measure out, with a scan's own analysis.

Each function runs the per-document stage of a scan (:mod:`audit.analyze`) on one text: the
readability and tone a report shows for a document, its leftover page text as findings, the
text as ``clean`` writes it, and its MinHash signature as a datasketch ``LeanMinHash``. What a
corpus alone can tell (near-duplicates, template lines repeated across a source) needs
:func:`audit.scan`.

A :class:`TextAuditor` loads the rules and the tone lexicon once; the module's functions keep
one per settings, so calling them in a loop costs the analysis alone.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from audit.analyze import Analyzer, analyze_batch, prepare
from audit.cleaning.plan import CleanCounts, clean_record, plan
from audit.lines.rules import load_rules
from audit.lines.statistics import SIGNALS
from audit.records import Document, DocumentSummary, Finding, Origin, Readability, Tone
from audit.settings import ScanSettings
from audit.text.normalize import body_text

if TYPE_CHECKING:  # datasketch's package imports SciPy's integrator: a third of a second
    from datasketch import LeanMinHash

#: The id and source a single text is analyzed under (they appear in its findings).
TEXT = "text"


@dataclass
class TextAuditor:
    """The per-document analysis of a scan, for one text at a time.

    >>> auditor = TextAuditor()
    >>> text = "Storm floods the valley\\nShare this article\\nThe river rose two metres overnight."
    >>> [f.rule for f in auditor.leftovers(text)]
    ['share.widget']
    >>> auditor.stripped(text)
    'Storm floods the valley\\nThe river rose two metres overnight.'
    """

    settings: ScanSettings = field(default_factory=ScanSettings)
    analyzer: Analyzer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rules = load_rules(self.settings.rule_dirs, self.settings.disabled_rules, known=SIGNALS)
        self.analyzer = Analyzer(self.settings, rules)

    def summary(self, text: str, id: str = TEXT, source: str = TEXT) -> DocumentSummary:
        """Everything a scan's per-document stage finds in `text` (:class:`DocumentSummary`)."""
        return analyze_batch([_document(text, id, source)], self.analyzer)[0]

    def readability(self, text: str) -> Readability | None:
        """The readability of `text`'s body (None when it has no sentence to score, or is in a
        language other than English: the formulas are English ones)."""
        return self.summary(text).readability

    def tone(self, text: str) -> Tone | None:
        """How loaded `text`'s wording is, with the words that show it (None with tone off, or for
        a text in a language other than English: the lexicons are English)."""
        return self.summary(text).tone

    def leftovers(self, text: str) -> list[Finding]:
        """The leftover page text in `text`: findings of kind boilerplate, in line order."""
        return [f for f in self.summary(text).findings if f.kind == "boilerplate"]

    def stripped(self, text: str) -> str:
        """`text` as ``clean`` writes it: encoding repaired, the lines of leftovers whose action is
        ``strip`` removed (template lines need a corpus, and are not looked for)."""
        doc = _document(text, TEXT, TEXT)
        cleaned = clean_record(doc, plan(self.summary(text).findings), CleanCounts(), io.StringIO())
        assert cleaned is not None  # only a duplicate or an unreadable record is dropped whole
        return cleaned

    def signature(self, text: str) -> LeanMinHash:
        """`text`'s MinHash signature as a scan compares documents by (leftovers blanked), as a
        datasketch ``LeanMinHash``: datasketch's ``MinHashLSH`` and ``jaccard`` take it."""
        disabled = frozenset(self.settings.disabled_rules)
        compared = prepare(_document(text, TEXT, TEXT), self.analyzer.rules, self.settings.lines, disabled).compared
        sim = self.settings.similarity
        signed = self.analyzer.signer.sign_texts([body_text(compared)], sim.shingle_size)
        return self.analyzer.signer.lean(signed.signatures[0])


def _document(text: str, id: str, source: str) -> Document:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return Document(id=id, source=source, text=text, origin=Origin(id))


@lru_cache(maxsize=4)
def _auditor(settings: ScanSettings) -> TextAuditor:
    # Settings are frozen, so one auditor per settings is safe to share.
    return TextAuditor(settings)


def auditor(settings: ScanSettings | None = None) -> TextAuditor:
    """The :class:`TextAuditor` for `settings` (the defaults when None), made once."""
    return _auditor(settings or ScanSettings())


def readability_of(text: str, settings: ScanSettings | None = None) -> Readability | None:
    """The readability of one text: the combined grade and textstat's five formulas.

    >>> r = readability_of("The cat sat on the mat. It was happy there.")
    >>> r.sentences, r.words, r.grade < 5
    (2, 10, True)
    """
    return auditor(settings).readability(text)


def tone_of(text: str, settings: ScanSettings | None = None) -> Tone | None:
    """How loaded one text's wording is (0 to 1), with the words behind the score.

    >>> t = tone_of("The senator slammed the outrageous, disastrous bill.")
    >>> t.score > 0.5, sorted(t.evidence)
    (True, ['disastrous', 'outrageous', 'slammed'])
    """
    return auditor(settings).tone(text)


def leftovers_of(text: str, settings: ScanSettings | None = None) -> list[Finding]:
    """The leftover page text in one text, as findings (rule, line, message)."""
    return auditor(settings).leftovers(text)


def strip_leftovers(text: str, settings: ScanSettings | None = None) -> str:
    """One text with its leftover lines removed, as ``clean`` writes it."""
    return auditor(settings).stripped(text)


def signature_of(text: str, settings: ScanSettings | None = None) -> LeanMinHash:
    """One text's MinHash signature, as a datasketch ``LeanMinHash``."""
    return auditor(settings).signature(text)
