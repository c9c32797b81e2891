"""Passages shared between outlets, grouped by pair of sources: who reuses whom, and how much."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from audit.records import ScanResult
from audit.results import summaries
from audit.similarity.lsh import runs
from audit.similarity.passage_table import PassageTable


@dataclass
class SourcePair:
    """What two sources share: passages, the documents and words involved on each side, and
    which side published first where both documents of a passage pair carry a date."""

    a: str
    b: str
    passages: PassageTable = field(default_factory=lambda: PassageTable.of([]))
    documents: tuple[set[str], set[str]] = field(default_factory=lambda: (set(), set()))
    #: Words of the shared passages on each side (each located passage counted once).
    words: tuple[int, int] = (0, 0)
    #: Share of each source's words that lie in passages shared with the other.
    shares: tuple[float, float] = (0.0, 0.0)
    #: Passage pairs whose `a` side was published first, and whose `b` side was.
    first: tuple[int, int] = (0, 0)

    @property
    def reuser(self) -> str | None:
        """The source that published the shared passages later, when the dates say so clearly
        (at least two thirds of the dated pairs); None when undated or mixed."""
        dated = sum(self.first)
        if not dated:
            return None
        if self.first[0] * 3 >= dated * 2:
            return self.b
        if self.first[1] * 3 >= dated * 2:
            return self.a
        return None

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "passages": len(self.passages),
                "documents": [len(self.documents[0]), len(self.documents[1])], "words": list(self.words),
                "shares": list(self.shares), "published_first": list(self.first), "reuser": self.reuser}


def source_pairs(result: ScanResult) -> list[SourcePair]:
    """Passage pairs grouped by the unordered pair of sources (named in alphabetical order, each
    passage pair turned to match), most shared passages first.

    Counted on the passages' columns (:class:`~audit.similarity.passage_table.PassageTable`):
    each group's passages are a table too, and all share one list of documents (the report
    places those documents once)."""
    table = PassageTable.of(result.passage_pairs)
    if not len(table):
        return []
    names = sorted(set(table.sources))
    code = {name: k for k, name in enumerate(names)}
    source = np.array([code[name] for name in table.sources], dtype=np.int64)[table.doc]
    table = table.taken(np.arange(len(table)), source[:, 0] > source[:, 1])
    source.sort(axis=1)
    shared = set(table.documents)
    dates: dict[str, str | None] = {}
    totals: dict[str, int] = defaultdict(int)
    for d in summaries(result.documents):
        totals[d.source] += d.words
        if d.id in shared:
            dates[d.id] = d.date
    # Each document's date by its rank among the dates (-1: none), so that pairs compare as numbers.
    rank = {date: k for k, date in enumerate(sorted({d for d in dates.values() if d}))}
    day = np.array([rank.get(dates.get(document) or "", -1) for document in table.documents], dtype=np.int64)[table.doc]
    dated = (day >= 0).all(axis=1) & (day[:, 0] != day[:, 1])
    first = np.stack([dated & (day[:, 0] < day[:, 1]), dated & (day[:, 1] < day[:, 0])], axis=1)
    order, starts, ends = runs(source[:, 0] * len(names) + source[:, 1], min_size=1)
    groups = []
    for start, end in zip(starts.tolist(), ends.tolist()):
        rows = order[start:end]  # in the table's order: the sort is stable
        a, b = names[source[rows[0], 0]], names[source[rows[0], 1]]
        documents = tuple({table.documents[d] for d in np.unique(table.doc[rows, side]).tolist()} for side in (0, 1))
        words = _words(table, rows, 0), _words(table, rows, 1)
        shares = tuple(round(w / totals[s], 4) if totals[s] else 0.0 for w, s in zip(words, (a, b)))
        dated_first = first[rows].sum(axis=0).tolist()
        groups.append(SourcePair(a, b, table.taken(rows), (documents[0], documents[1]), words,
                                 (shares[0], shares[1]), (dated_first[0], dated_first[1])))
    return sorted(groups, key=lambda g: (-len(g.passages), g.a, g.b))


def _words(table: PassageTable, rows: np.ndarray, side: int) -> int:
    """The words of the distinct spans (document, lines and text) on one side of the pairs at
    `rows`: spans told apart by their folded digests, and by their texts where those differ."""
    doc, lines, texts = table.doc[rows, side], table.lines[rows, side], table.texts[rows, side]
    place = np.concatenate([doc[:, None], lines, table.folded[rows, side].view(np.int64)], axis=1)
    # Reversed, so that each span's words are its last pair's, as a dict of them would keep.
    _, last, inverse = np.unique(place[::-1], axis=0, return_index=True, return_inverse=True)
    if (texts[::-1] != texts[::-1][last][inverse.ravel()]).any():
        # One place's texts that differ in case or spacing alone (a line holding one passage twice).
        spans = zip(doc.tolist(), map(tuple, lines.tolist()), texts.tolist())
        return sum(dict(zip(spans, table.words[rows, side].tolist())).values())
    return int(table.words[rows, side][::-1][last].sum())
