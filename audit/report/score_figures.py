"""What the Markdown report shows of the documents' languages, readability and tone, counted a
document at a time where the documents are analyzed, and added up.

Those sections show per source how many documents are in each language, the mean and standard
deviation of each readability measure and of tone, and the most frequent evidence words; then the
first MAX_ROWS documents' readability, and the MAX_ROWS most loaded documents with their tone.
A scan counts these as each run of documents is analyzed (:class:`ScoreFigures`, in each
:class:`audit.engines.blocks.Block`) and adds the runs up: the report then reads back from disk
only the tone of the documents it lists, not every document's scores (bench/HISTORY.md, the
twentieth round).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from audit.records import DocumentSummary, Scores
from audit.report.moments import Moments
from audit.report.rows import MAX_ROWS, Rows
from audit.text import language as languages

#: Readability's measures, as the report names them.
MEASURES = ("grade", "flesch_reading_ease", "flesch_kincaid_grade", "gunning_fog", "smog_index", "dale_chall")
#: How the languages' counts name a document whose language was not identified.
NOT_IDENTIFIED = "not identified"
#: The evidence words of a document counted for its source's most frequent ones.
EVIDENCE_COUNTED = 5


#: What a source's scored documents are counted for: readability's measures, tone, and the share
#: of loaded sentences.
SERIES = (*MEASURES, "tone", "loaded_share")


@dataclass(slots=True)
class SourceScores:
    """One source's scored documents: how many, and the :class:`Moments` of each of
    :data:`SERIES` (a document without readability counts only for tone); the evidence words
    counted, in the order first seen."""

    documents: int = 0
    series: dict[str, Moments] = field(default_factory=lambda: {name: Moments() for name in SERIES})
    evidence: dict[str, int] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Callable[..., SourceScores], tuple[Any, ...]]:
        # Every run of documents sends a few for each of its sources: the moments go as one tuple of
        # their fields, not an object each (bench/HISTORY.md, the twentieth round).
        return _source_scores, (self.documents, tuple(v for name in SERIES for v in _fields(self.series[name])),
                                self.evidence)

    def add(self, other: SourceScores) -> None:
        self.documents += other.documents
        for name, moments in self.series.items():
            moments.merge(other.series[name])
        _count(self.evidence, other.evidence.items())


def _count(counts: dict[str, int], items: Iterable[tuple[str, int]]) -> None:
    """Add the (key, count) `items` into `counts`, new keys after those already there."""
    for key, n in items:
        counts[key] = counts.get(key, 0) + n


def _fields(m: Moments) -> tuple[Any, ...]:
    return m.count, m.scale, m.total, m.squares, m.special


def _source_scores(documents: int, fields: tuple[Any, ...], evidence: dict[str, int]) -> SourceScores:
    return SourceScores(documents, {name: Moments(*fields[5 * k:5 * k + 5]) for k, name in enumerate(SERIES)}, evidence)


@dataclass
class ScoreFigures:
    """The languages, readability and tone of documents counted one at a time by their index
    (:meth:`document`), or a run of them counted apart (:meth:`add_run`): per source the documents
    in each language and the scored documents' :class:`SourceScores`; the
    first `most` rows of the per-document readability table (scored documents' readability) and
    of the documents not scored for their language (id, language), listed after those; how many
    documents have a tone, and the most loaded of them as (minus the score, id, index): the `most`
    first of `loaded` in order (:meth:`most_loaded`), which holds fewer than twice as many."""

    most: int = MAX_ROWS
    #: Per source, the documents in each language (plain dicts, as the evidence words: a run holds
    #: one for each of its sources, and a Counter takes three times as long to unpickle).
    languages: dict[str, dict[str, int]] = field(default_factory=dict)
    sources: dict[str, SourceScores] = field(default_factory=dict)
    readability: Rows = field(default_factory=Rows)
    unscored: Rows = field(default_factory=Rows)
    toned: int = 0
    loaded: list[tuple[float, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.readability.most = self.unscored.most = self.most

    @classmethod
    def of(cls, documents: Iterable[tuple[DocumentSummary, Scores]]) -> ScoreFigures:
        """The figures of documents in order, each with its readability and tone."""
        figures = cls()
        for i, (d, scores) in enumerate(documents):
            figures.document(i, d, scores)
        return figures

    def document(self, index: int, d: DocumentSummary, scores: Scores) -> None:
        """Count the document at `index` with its readability and tone."""
        _count(self.languages.setdefault(d.source, {}), ((d.language or NOT_IDENTIFIED, 1),))
        if not languages.scored(d.language):
            self.unscored.add((d.id, d.language))
            return
        readability, tone = scores
        if not (readability or tone):
            return
        source = self.sources.setdefault(d.source, SourceScores())
        source.documents += 1
        if readability:
            for m in MEASURES:
                source.series[m].add(getattr(readability, m))
            self.readability.add([d.id, readability.words, readability.sentences, readability.grade,
                                  readability.flesch_reading_ease, readability.flesch_kincaid_grade,
                                  readability.gunning_fog, readability.smog_index, readability.dale_chall])
        if tone:
            source.series["tone"].add(tone.score)
            source.series["loaded_share"].add(tone.signals["loaded_share"])
            _count(source.evidence, ((word, 1) for word in tone.evidence[:EVIDENCE_COUNTED]))
            self.toned += 1
            self.loaded.append((-tone.score, d.id, index))
            # Cut back now and then, so that a million documents' scores are never held at once.
            if len(self.loaded) >= 2 * self.most:
                self.loaded = heapq.nsmallest(self.most, self.loaded)

    def add_run(self, run: ScoreFigures, offset: int) -> None:
        """Count in a run of documents counted apart, its first at index `offset` here."""
        if run.most < self.most:
            raise ValueError(f"a run counted for {run.most} rows a table, not {self.most}")
        for source, counts in run.languages.items():
            _count(self.languages.setdefault(source, {}), counts.items())
        for source, scores in run.sources.items():
            self.sources.setdefault(source, SourceScores()).add(scores)
        self.readability.add_run(run.readability)
        self.unscored.add_run(run.unscored)
        self.toned += run.toned
        self.loaded += [(score, id, offset + i) for score, id, i in run.loaded]
        if len(self.loaded) >= 2 * self.most:
            self.loaded = heapq.nsmallest(self.most, self.loaded)

    def most_loaded(self) -> list[int]:
        """The indexes of the `most` most loaded documents, most loaded first (ties by id)."""
        return [i for _, _, i in heapq.nsmallest(self.most, self.loaded)]
