"""Records that flow between the stages: documents in, findings and summaries out."""

from __future__ import annotations

import copy
import operator
import pickle
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # numpy loads with the analysis, not with every import of these records (--help)
    import numpy as np


def _no_anchors() -> np.ndarray:
    """An empty anchor array (uint64)."""
    import numpy as np

    return np.zeros(0, dtype=np.uint64)


R = TypeVar("R")


def _pickled_by_fields(cls: type[R]) -> type[R]:
    """Pickle a slotted dataclass as a call of the class with its fields in order.

    Python pickles slots through a state that a function of the dataclass module sets field by
    field; a call reads back in 60% of the time, and writes in 70%. A scan writes every document's
    details to disk and reads them back once for each section of the report, and every summary
    goes from the worker that made it to the corpus pass (bench/HISTORY.md, the eighth and ninth
    rounds)."""
    values = operator.attrgetter(*(f.name for f in fields(cls)))  # type: ignore[arg-type]

    def __reduce__(self: R) -> tuple[type[R], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


#: Severities, mildest first.
SEVERITIES = ("info", "warning", "error")


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Origin:
    """Where a document came from: a file, and the 1-based line of a JSONL record in it."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass
class Document:
    """One document of the corpus, as read (before normalization)."""

    id: str
    source: str
    text: str
    #: Where it was read (none for a document made in memory).
    origin: Origin = field(default_factory=lambda: Origin(""))
    #: The record as read, its text field included (JSONL), or an empty dict (files); kept so that
    #: `clean` and `dedup` can write it back with every field in its place.
    fields: dict[str, Any] = field(default_factory=dict)
    #: Lines (1-based; 0 for a whole JSONL record) that were not UTF-8 and were read as Windows-1252.
    recoded_lines: list[int] = field(default_factory=list)


@dataclass
class InputProblem:
    """A record or file that could not be read; reported as a finding of kind input-error."""

    origin: Origin
    message: str
    #: What could be read of it, for clean's removal log, so that nothing goes unrecorded: the
    #: line of a JSON Lines record that is not a valid one, the text of a record whose id repeats
    #: an earlier one's ("" for a file or a record too large, unreadable or empty).
    text: str = ""


@_pickled_by_fields
@dataclass(slots=True)
class Finding:
    """One observation about a document; every stage reports through this one type."""

    document: str
    kind: str
    rule: str
    severity: str
    message: str
    line: int | None = None
    text: str = ""
    span: tuple[int, int] | None = None
    #: Kind-specific detail, e.g. the text after an encoding repair.
    detail: dict[str, Any] = field(default_factory=dict)

    def order(self) -> tuple[int, bool]:
        """Its place among its document's findings: by line (the document's own first), an
        encoding repair first on its line."""
        return self.line or 0, self.kind != "encoding"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "document": self.document,
            "line": self.line,
            "kind": self.kind,
            "rule": self.rule,
            "severity": self.severity,
            "text": self.text,
            "message": self.message,
        }
        if self.span is not None:
            out["span"] = list(self.span)
        out.update(self.detail)
        return out


@_pickled_by_fields
@dataclass(slots=True)
class Readability:
    """Readability of one document: the combined grade and textstat's five formulas."""

    #: Combined grade level (higher = harder); see ``audit.readability.grade``.
    grade: float
    flesch_reading_ease: float
    flesch_kincaid_grade: float
    gunning_fog: float
    smog_index: float
    dale_chall: float
    words: int
    sentences: int
    syllables: int
    #: Words rarer than ``audit.readability.grade.RARE_ZIPF`` (numbers left out).
    rare_words: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@_pickled_by_fields
@dataclass(slots=True)
class SentenceTone:
    """Tone of one sentence: a score in [0, 1] and the words that drive it."""

    line: int
    text: str
    score: float
    evidence: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "score": self.score, "evidence": self.evidence, "text": self.text}


@_pickled_by_fields
@dataclass(slots=True)
class Tone:
    """Tone of one document: a summary score, its signals and its most loaded sentences."""

    score: float
    evidence: list[str]
    signals: dict[str, float]
    sentences: list[SentenceTone]

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "evidence": self.evidence,
            "signals": self.signals,
            "sentences": [s.to_json() for s in self.sentences],
        }


@dataclass
class Passage:
    """A unit compared between documents: a paragraph, or a window of sentences inside one."""

    index: int
    line: int
    start: int
    end: int
    words: int


class Held(Enum):
    """An array a summary does not carry because it is kept where the document was analyzed (on a
    Dask worker, which joins it in when verification needs it): all the holder of the summary
    knows is that there is one."""

    ELSEWHERE = "kept where the document was analyzed"


#: The value of a summary's array that is kept where the document was analyzed.
HELD = Held.ELSEWHERE


@_pickled_by_fields
@dataclass(slots=True)
class DocumentSummary:
    """Everything the corpus pass needs of one document: compact, with no copy of its text.

    Slots, not a ``__dict__``, and NumPy arrays, not lists of objects: a million summaries are
    held at once (bench/scan_memory.py).
    """

    id: str
    source: str
    origin: Origin
    lines: int
    #: Lines with some text on them.
    text_lines: int
    words: int
    chars: int
    #: A list as analyzed; an empty tuple once the scan keeps them on disk (:meth:`without_details`).
    findings: Sequence[Finding]
    readability: Readability | None
    tone: Tone | None
    #: MinHash signature of the whole document (uint32 values), or None when it has no words; a
    #: Dask client's summaries hold :data:`HELD` instead of the values (and of the anchors and
    #: prose keys).
    signature: np.ndarray | Held | None
    #: Where each passage is: one row (line, start, end) per passage, in passage order (an int32
    #: array of shape (passages, 3)); verification re-reads the text. A Dask client's summaries
    #: hold :data:`HELD`: the table stays where the document was analyzed, which quotes its passages.
    passages: np.ndarray | Held
    #: The LSH band keys of the passages' MinHash signatures, one row per passage (a uint64 array
    #: of shape (passages, passage_bands)): all that finding candidate passages needs. The scan
    #: moves them to disk (:class:`audit.similarity.keystore.PassageKeys`) and sets this to None.
    passage_keys: np.ndarray | None
    #: When the document was published (the record's `date` field, as given), if known.
    date: str | None = None
    #: The document's anchors: a content-defined sample of its shingle hashes (sorted uint64),
    #: which finds documents contained in others (none: never found inside another).
    anchors: np.ndarray | Held = field(default_factory=_no_anchors)
    #: One key per line for the corpus count of template lines (a uint64 array; 0 for a line with
    #: no letters or digits), or None when template lines are switched off. A scan moves them to
    #: disk for the count, so the documents of its result hold None (a Dask client's summaries
    #: come without them: each part keeps its documents' keys and finds their template lines).
    line_keys: np.ndarray | None = None
    #: The distinct keys of the lines of prose paragraphs (a sorted uint64 array): what copies of
    #: one text share, whatever else their extractors kept.
    prose_keys: np.ndarray | Held | None = None
    #: Lines with leftover page text or an encoding repair on them (what "cleanest" compares);
    #: kept apart from the findings, which a scan moves to disk (:meth:`pack`).
    flagged_lines: int = 0
    #: The language the document's text is in (ISO 639-1, ``und`` when it cannot be told; None:
    #: not identified, as in summaries made before languages were).
    language: str | None = None
    #: The document's compared lines (:attr:`audit.analyze.Prepared.compared`), when the analyzer
    #: keeps them for an engine that spools them for verification instead of re-preparing the
    #: document; a scan moves them to disk as each summary arrives.
    compared: list[str] | None = None
    #: The report content pickled where the summary was made (:meth:`pack`; its findings,
    #: readability and tone are then empty), until it joins its block's
    #: (:class:`audit.engines.blocks.Block`), which the scan writes to disk as it is.
    packed: Packed | None = None

    def without_details(self) -> None:
        """Drop the report content (a scan keeps it in a :class:`audit.read.spool.Spool`). An empty
        tuple, not a new list for each summary: the garbage collector tracks every list, and walked the
        client's hundreds of thousands of them (bench/HISTORY.md, the nineteenth round)."""
        self.findings, self.readability, self.tone = (), None, None

    def pack(self, render: Callable[[DocumentSummary], tuple[str, str]] | None = None) -> Packed:
        """The report content, moved into :attr:`packed` (once: a packed summary keeps its own);
        `render` gives its entries in the JSON report, when that is to be written
        (:func:`audit.report.json_entries.entries`)."""
        if self.packed is None:
            found = self.findings
            self.packed = Packed(pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL),
                                 pickle.dumps((self.readability, self.tone), protocol=pickle.HIGHEST_PROTOCOL),
                                 tuple(f.kind for f in found), tuple(f.rule for f in found),
                                 self.readability.grade if self.readability else None,
                                 frozenset() if self.line_keys is None else claimed_lines(found),
                                 None if render is None else render(self))
            self.without_details()
        return self.packed

    def with_details(self, findings: list[Finding], scores: Scores) -> DocumentSummary:
        """A copy with its report content (which a scan keeps on disk, :class:`Packed`) put back."""
        # copy.copy makes it by a call of the class with the fields (see _pickled_by_fields), not
        # through dataclasses.replace, which looks up the fields anew for every summary.
        summary = copy.copy(self)
        summary.findings = findings
        summary.readability, summary.tone = scores
        return summary


#: A document's readability and tone.
Scores = tuple[Readability | None, Tone | None]


@_pickled_by_fields
@dataclass(slots=True)
class Packed:
    """A document's report content pickled where its summary was made, so that a scan keeps it on
    disk and a million summaries fit in memory: its findings, and its :data:`Scores` apart (which
    some of the report's sections read alone). With them, what a scan counts of them: each finding's kind and rule, the grade, and the lines leftover
    findings claimed (which template lines leave alone; none when the summary has no line keys).

    The scan writes the pickles to disk as they are, in the one process that gathers every
    summary: unpickled there and pickled again, the details of Dragnet's news pages cost a Dask
    client a fifth of its CPU (1.13 against 0.89 ms a document; bench/HISTORY.md, "the fifteenth
    round"). Apart, the scores are read back without the findings ("the sixteenth round").
    """

    findings: bytes
    scores: bytes
    kinds: tuple[str, ...]
    rules: tuple[str, ...]
    grade: float | None
    claimed: frozenset[int]
    #: The document's entries in the JSON report (its item in ``documents``, its findings' items
    #: in ``findings``), when the scan writes one: rendered here, they are copied there.
    json: tuple[str, str] | None = None


def claimed_lines(findings: Sequence[Finding]) -> frozenset[int]:
    """The lines that leftover findings are on: template lines count the rest."""
    return frozenset(f.line for f in findings if f.kind == "boilerplate" and f.line)


@_pickled_by_fields
@dataclass(slots=True)
class Span:
    """A located piece of text inside a document, for the report. Slotted, as a pair of them is
    (:class:`PassagePair`): a corpus can share passages by the million, and a dict for each was
    one more object for the garbage collector to walk (bench/HISTORY.md, the nineteenth round)."""

    document: str
    source: str
    lines: tuple[int, int]
    text: str
    #: The words the text holds (:func:`audit.text.normalize.count_words`): counted where the
    #: passage is quoted (a Dask worker), not by the report, which sums them per pair of sources.
    words: int = -1
    #: The digest of the text with case and spacing folded (:func:`audit.text.normalize.folded_digest`),
    #: made there too: the report gathers the pairs that repeat one passage between copies by it,
    #: and folding every text there was most of its passages section (bench/HISTORY.md, the
    #: twentieth round).
    folded: int = -1

    def __post_init__(self) -> None:
        if self.words < 0 or self.folded < 0:
            # Not at import: `--help` loads these records.
            from audit.text.normalize import count_words, folded_digest

            if self.words < 0:
                self.words = count_words(self.text)
            if self.folded < 0:
                self.folded = folded_digest(self.text)

    def to_json(self) -> dict[str, Any]:
        return {"document": self.document, "source": self.source, "lines": list(self.lines), "text": self.text}


@_pickled_by_fields
@dataclass(slots=True)
class PassagePair:
    """A passage shared by documents of two different sources, verified."""

    a: Span
    b: Span
    similarity: float

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a.to_json(), "b": self.b.to_json(), "similarity": self.similarity}


@dataclass
class DuplicatePair:
    """Two documents that are near-duplicates, or the first contained in the second, verified.

    `similarity` is the Jaccard similarity of their word shingles, `containment` the share of
    the first one's shingles found in the second; `estimated` is the MinHash estimate of Jaccard.
    """

    a: str
    b: str
    estimated: float
    similarity: float
    containment: float
    relation: str

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "relation": self.relation, "estimated": self.estimated,
                "similarity": self.similarity, "containment": self.containment}


@dataclass
class Cluster:
    """Documents joined by verified pairs, with the one kept and why.

    `pairs` are the cluster's ties: for each member, the pair that ties it to the kept member
    (or, without one, its strongest); the other verified pairs inside are not kept, so that a
    cluster of n copies costs n pairs rather than n x 200. `similarity` is its weakest link: the
    lowest, over all verified pairs inside it, of each pair's score (its containment where
    containment counts, i.e. the smaller one has enough words and at least ``min_containment``
    of it is inside, else its Jaccard similarity); `containment` is the lowest containment among
    all its verified pairs of kind "contained" (None when it has none), and `jaccard` the lowest
    Jaccard similarity among its other verified pairs, the near-duplicates (None when it has none).
    """

    members: list[str]
    kept: str
    reason: str
    similarity: float
    pairs: list[DuplicatePair] = field(default_factory=list)
    containment: float | None = None
    jaccard: float | None = None

    def links(self) -> dict[str, tuple[DuplicatePair | None, str, str]]:
        """For each member: the pair that ties it to the cluster (with the kept member when there
        is one, else its strongest), the other document, and how the member relates to it:
        near-duplicate, contained (in the other) or contains (the other). One pass over the pairs,
        so a cluster of thousands of copies costs as much as its pairs. A cluster made without its
        pairs ties every member to the kept one, as a near-duplicate, with no pair."""
        best: dict[str, tuple[tuple[bool, float], DuplicatePair]] = {}
        for pair in self.pairs:
            rank = (self.kept in (pair.a, pair.b), max(pair.similarity, pair.containment))
            for member in (pair.a, pair.b):
                # Strictly better only: of equal pairs, the first one ties the member.
                if member not in best or rank > best[member][0]:
                    best[member] = (rank, pair)
        out: dict[str, tuple[DuplicatePair | None, str, str]] = {}
        for member in self.members:
            if member not in best:
                out[member] = (None, self.kept, "near-duplicate")
                continue
            pair = best[member][1]
            other = pair.b if pair.a == member else pair.a
            relation = pair.relation if pair.relation == "near-duplicate" or pair.a == member else "contains"
            out[member] = (pair, other, relation)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"members": self.members, "kept": self.kept, "reason": self.reason, "similarity": self.similarity,
                "containment": self.containment, "jaccard": self.jaccard, "pairs": [p.to_json() for p in self.pairs]}


@dataclass(frozen=True)
class Check:
    """One threshold as judged: what was measured, the limit, and whether the limit holds.

    ``limit`` None means the threshold is off; ``value`` None means nothing could be measured (no
    readability scores, say), which never fails.
    """

    #: The threshold's config key, e.g. ``max-boilerplate-share``.
    name: str
    value: Any
    limit: Any
    passed: bool
    #: The measured value as shown, e.g. ``12.1%``.
    shown: str
    #: The limit as shown (``off`` when off).
    shown_limit: str
    #: Why it failed, in a few words (empty when it holds).
    reason: str = ""

    @property
    def off(self) -> bool:
        return self.limit is None

    @property
    def message(self) -> str:
        """One line naming the threshold, the measured value and the limit.

        >>> Check("max-input-errors", 3, 0, False, "3", "0", "3 > 0").message
        'max-input-errors: 3 > 0'
        """
        return f"{self.name}: {self.reason or f'{self.shown} (limit {self.shown_limit})'}"

    def to_json(self) -> dict[str, Any]:
        return {"threshold": self.name, "value": self.value, "limit": self.limit, "passed": self.passed}


@dataclass
class ScanResult:
    """The outcome of a scan: per-document summaries and the corpus-level findings.

    A scan gives `documents` and `findings` as sequences read back from disk
    (:mod:`audit.results`), and `passage_pairs` as columns; read them in a loop rather than
    making lists of them.
    """

    settings: dict[str, Any]
    documents: Sequence[DocumentSummary]
    findings: Sequence[Finding]
    duplicate_pairs: list[DuplicatePair]
    clusters: list[Cluster]
    #: A sequence: a scan's are columns (:class:`audit.similarity.passage_table.PassageTable`), each
    #: pair made as it is taken out; a list does as well.
    passage_pairs: Sequence[PassagePair]
    input_errors: int
    records: int
    verdict: str = "pass"
    failures: list[str] = field(default_factory=list)
    #: Every threshold as judged, failed or not (see :mod:`audit.checks.thresholds`).
    checks: list[Check] = field(default_factory=list)
    #: The corpus figures the thresholds were judged on (:func:`audit.checks.figures.count_figures`), kept
    #: so that the report need not read every document and finding back from disk again; None
    #: until judged.
    figures: dict[str, Any] | None = None
