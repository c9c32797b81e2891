"""Shared passages as columns: a sequence of :class:`~audit.records.PassagePair` that holds
arrays, not an object a pair.

A corpus shares passages by the hundred thousand. As objects, each pair was five (the pair, two
spans, two line tuples) for a scan's process to unpickle and for its garbage collector to walk:
11,582 pairs of 20,000 planted documents took a Dask client 60 ms to unpickle, and 130 ms while
the collector ran (bench/HISTORY.md, the twenty-first round). As columns they cross as a few
arrays and a list of texts, and what reads every pair reads the columns (the report's groups by
pair of sources, :mod:`audit.report.source_pairs`). A pair becomes a :class:`PassagePair` only
when it is taken out (indexed or iterated), so what quotes a few of them pays for those alone.

Each side of a pair is a row of the side columns (`doc`, `lines`, `words`, `folded`, `texts`:
side 0 is ``a``); the documents are named once in `documents` and `sources` (one entry for each
id and source). A pair taken out is made anew each time: changing it leaves the table as it was.
The table is a sequence, as a scan's documents and findings are, not a list: it cannot be
appended to or sorted in place (``list(table)`` can).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from audit.records import PassagePair, Span

#: Where a shared passage is, by which a scan orders them: (document, line, document, line), the
#: documents by their number among the summaries (:func:`audit.similarity.verify.shared_passages`).
PassageKey = tuple[int, int, int, int]

_MASK = (1 << 64) - 1


@dataclass(eq=False)
class PassageTable(Sequence[PassagePair]):
    """Shared passages, in order, as columns (see the module's docstring).

    `keys`, when given, is each pair's :data:`PassageKey` (an (n, 4) int64 array): what tables
    made in several places are put in order by (:meth:`joined`). A span's words and folded
    digest are its text's (:class:`~audit.records.Span` makes them so): what the report counts
    on the columns relies on it.
    """

    documents: list[str]
    sources: list[str]
    #: Each side's document, a position in `documents`: (n, 2).
    doc: np.ndarray
    #: Each side's first and last line: (n, 2, 2).
    lines: np.ndarray
    #: Each side's words (:attr:`Span.words`): (n, 2).
    words: np.ndarray
    #: Each side's folded digest (:attr:`Span.folded`, 128 bits) as its high and low 64 bits: (n, 2, 2) uint64.
    folded: np.ndarray
    #: Each side's text: (n, 2), an object array of str.
    texts: np.ndarray
    similarity: np.ndarray
    keys: np.ndarray | None = None

    @classmethod
    def of(cls, pairs: Iterable[PassagePair], keys: Iterable[PassageKey] | None = None) -> PassageTable:
        """The table of `pairs` (itself when it is one and no keys are given)."""
        if isinstance(pairs, PassageTable) and keys is None:
            return pairs
        pairs = list(pairs)
        names = _Names()
        doc, lines, words, folded, texts = [], [], [], [], []
        for p in pairs:
            for span in (p.a, p.b):
                doc.append(names.position(span.document, span.source))
                lines.append(span.lines)
                words.append(span.words)
                folded.append((span.folded >> 64, span.folded & _MASK))
                texts.append(span.text)
        n = len(pairs)
        return cls(names.documents, names.sources, np.array(doc, dtype=np.int64).reshape(n, 2),
                   np.array(lines, dtype=np.int64).reshape(n, 2, 2), np.array(words, dtype=np.int64).reshape(n, 2),
                   np.array(folded, dtype=np.uint64).reshape(n, 2, 2), _text_column(texts),
                   np.array([p.similarity for p in pairs], dtype=np.float64),
                   None if keys is None else np.array(list(keys), dtype=np.int64).reshape(n, 4))

    @classmethod
    def joined(cls, tables: Sequence[PassageTable]) -> PassageTable:
        """The pairs of `tables` (each with its keys) in one table, in the order of their keys, the
        keys dropped. A scan's keys are distinct (a key names two documents and a line of each,
        and all the passages of two documents are verified in one place, which merges those of
        one key): the table is then the same however the pairs were shared among the tables."""
        if not tables:
            return cls.of([])
        if any(table.keys is None for table in tables):
            raise ValueError("tables are joined by their keys: a table without them was given")
        names = _Names()
        docs = []
        for table in tables:
            moved = np.array([names.position(*named) for named in zip(table.documents, table.sources)], dtype=np.int64)
            docs.append(moved[table.doc])
        keys = np.concatenate([table.keys for table in tables])  # type: ignore[misc]
        order = np.lexsort(keys.T[::-1])

        def column(name: str) -> np.ndarray:
            return np.concatenate([getattr(table, name) for table in tables])[order]

        return cls(names.documents, names.sources, np.concatenate(docs)[order], column("lines"), column("words"),
                   column("folded"), column("texts"), column("similarity"))

    def taken(self, rows: np.ndarray, swapped: np.ndarray | None = None) -> PassageTable:
        """The pairs at `rows`, in that order, each with its sides swapped where `swapped` says
        (a bool a row). The new table shares this one's lists of documents and sources (its text
        column refers to the same strings)."""
        sides = np.zeros((len(rows), 2), dtype=np.int64) + np.arange(2)
        if swapped is not None:
            sides ^= swapped.astype(np.int64)[:, None]
        at = (rows[:, None], sides)
        return PassageTable(self.documents, self.sources, self.doc[at], self.lines[at], self.words[at],
                            self.folded[at], self.texts[at], self.similarity[rows],
                            None if self.keys is None else self.keys[rows])

    def __len__(self) -> int:
        return len(self.similarity)

    @overload
    def __getitem__(self, index: int) -> PassagePair: ...

    @overload
    def __getitem__(self, index: slice) -> list[PassagePair]: ...

    def __getitem__(self, index: int | slice) -> PassagePair | list[PassagePair]:
        if isinstance(index, slice):
            return self._pairs(range(len(self))[index])
        index = operator.index(index)
        if not -len(self) <= index < len(self):
            raise IndexError("passage pair index out of range")
        return self._pairs([index % len(self)])[0]

    def __iter__(self) -> Iterator[PassagePair]:
        # A thousand at a time: a column read as a list is far quicker than item by item.
        for start in range(0, len(self), 1000):
            yield from self._pairs(range(start, min(len(self), start + 1000)))

    def _pairs(self, rows: Sequence[int]) -> list[PassagePair]:
        picked = np.asarray(rows, dtype=np.int64)
        doc, lines, words = self.doc[picked].tolist(), self.lines[picked].tolist(), self.words[picked].tolist()
        folded = self.folded[picked]
        digests = ((folded[..., 0].astype(object) << 64) | folded[..., 1].astype(object)).tolist()
        texts = self.texts[picked].tolist()

        def span(k: int, side: int) -> Span:
            d = doc[k][side]
            first, last = lines[k][side]
            return Span(self.documents[d], self.sources[d], (first, last), texts[k][side], words[k][side],
                        digests[k][side])

        similarities = self.similarity[picked].tolist()
        return [PassagePair(span(k, 0), span(k, 1), similarity) for k, similarity in enumerate(similarities)]

    def __eq__(self, other: object) -> bool:
        # As a list compares: equal to a list or a table of the same pairs, and nothing else.
        if not isinstance(other, (list, PassageTable)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __repr__(self) -> str:
        return f"PassageTable({len(self)} pairs of {len(self.documents)} documents)"

    def __reduce__(self) -> tuple[Any, ...]:
        # Dataclass fields by position: no dict a table to pickle, and the text column as a list.
        return _table, (self.documents, self.sources, self.doc, self.lines, self.words, self.folded,
                        self.texts.ravel().tolist(), self.similarity, self.keys)


class _Names:
    """The documents a table names, each (id, source) once, in the order first seen."""

    def __init__(self) -> None:
        self.documents: list[str] = []
        self.sources: list[str] = []
        self._positions: dict[tuple[str, str], int] = {}

    def position(self, document: str, source: str) -> int:
        """The document's position in the lists, added at their end if new."""
        named = document, source
        if named not in self._positions:
            self._positions[named] = len(self.documents)
            self.documents.append(document)
            self.sources.append(source)
        return self._positions[named]


def _text_column(texts: list[str]) -> np.ndarray:
    """Both sides' texts, a pair after another, as the (n, 2) object array of a table (built by
    assignment: ``np.array`` of strings would make a fixed-width string array)."""
    column = np.empty(len(texts), dtype=object)
    column[:] = texts
    return column.reshape(-1, 2)


def _table(documents: list[str], sources: list[str], doc: np.ndarray, lines: np.ndarray, words: np.ndarray,
           folded: np.ndarray, texts: list[str], similarity: np.ndarray, keys: np.ndarray | None) -> PassageTable:
    return PassageTable(documents, sources, doc, lines, words, folded, _text_column(texts), similarity, keys)
