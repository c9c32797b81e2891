"""Exact verification of candidate pairs on the shingle hashes of their compared lines.

A document pair holds when its Jaccard similarity, or the share of the smaller document found in
the larger (containment), reaches its threshold; verified pairs are kept as columns
(:class:`Edges`). Candidate passages are verified on their own shingles and quoted.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, fields

import numpy as np

from audit.records import DocumentSummary, DuplicatePair, PassagePair, Span
from audit.settings import SimilaritySettings
from audit.similarity import kernels
from audit.similarity.candidates import CHUNK
from audit.similarity.lsh import runs
from audit.similarity.minhash import shingle_sets, word_grams
from audit.similarity.passage_table import PassageKey, PassageTable
from audit.similarity.work import Run
from audit.text.normalize import body_text, words

#: For each pair of documents: the size of the intersection of their shingle sets, the two sets'
#: sizes, and the MinHash estimate of their Jaccard (0 where the pair fails the loose cut,
#: :func:`loosely`, and is not looked at again).
Counts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: Candidate pairs verified at a time: the shingle sets of at most twice as many documents are
#: in memory at once (a few KB each).
VERIFY_BLOCK = 16_384
#: Candidate passages verified in one call of a pool, about (a tenth of a second of work, many
#: times the cost of sending it); all those of one pair of documents go to the same call.
PASSAGE_CALL = 2_000


def exact_jaccard(a: AbstractSet[Hashable], b: AbstractSet[Hashable]) -> float:
    """Jaccard similarity of two sets (0 when both are empty).

    >>> exact_jaccard({"a", "b"}, {"b", "c"})
    0.3333
    """
    shared = len(a & b)
    union = len(a) + len(b) - shared  # not len(a | b), a set built to be counted
    return round(shared / union, 4) if union else 0.0


@dataclass
class Quoted:
    """What quoting a document's shared passages needs of its summary."""

    id: str
    source: str
    #: As :attr:`DocumentSummary.passages`.
    passages: np.ndarray


@dataclass
class Edges:
    """The verified pairs as columns, in the order of the candidate pairs: about 60 bytes a pair,
    where a pair as Python objects costs hundreds. :class:`DuplicatePair` records are made only
    for the pairs a report shows (:meth:`pair`)."""

    i: np.ndarray
    j: np.ndarray
    #: The pair's first document: the contained one of a "contained" pair, else `i`.
    first: np.ndarray
    estimated: np.ndarray
    similarity: np.ndarray
    containment: np.ndarray
    contained: np.ndarray
    #: What orders the merges: containment for a contained pair, Jaccard otherwise (or the
    #: containment, where it counts and is higher).
    strength: np.ndarray

    def __len__(self) -> int:
        return len(self.i)

    def take(self, rows: np.ndarray) -> Edges:
        """The pairs at `rows` (an index array), copied."""
        return Edges(*(getattr(self, f.name)[rows] for f in fields(self)))

    @classmethod
    def zeros(cls, n: int) -> Edges:
        """`n` pairs of zeros, to be filled in place."""
        return cls(*(np.zeros(n, dtype=np.int64) for _ in range(3)), *(np.zeros(n) for _ in range(3)),
                   np.zeros(n, dtype=bool), np.zeros(n))

    @classmethod
    def concatenated(cls, parts: Sequence[Edges]) -> Edges:
        """The pairs of `parts`, one part after the other."""
        if not parts:
            return cls.zeros(0)
        return cls(*(np.concatenate([getattr(e, f.name) for e in parts]) for f in fields(cls)))

    @classmethod
    def joined(cls, parts: Sequence[Edges]) -> Edges:
        """The pairs of `parts`, in the order of their documents (i, then j): the order of the
        candidate pairs, and so of the pairs one process verifies."""
        edges = cls.concatenated(parts)
        return edges.take(np.lexsort((edges.j, edges.i)))

    def pair(self, k: int, summaries: list[DocumentSummary]) -> DuplicatePair:
        """Verified pair `k` as a record."""
        first = int(self.first[k])
        second = int(self.i[k]) + int(self.j[k]) - first
        return DuplicatePair(summaries[first].id, summaries[second].id, float(self.estimated[k]),
                             float(self.similarity[k]), float(self.containment[k]),
                             "contained" if self.contained[k] else "near-duplicate")


def intersections(pairs: np.ndarray, sets: Mapping[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pair of documents, the size of the intersection of their shingle sets and the two
    sets' sizes.

    Counted by a compiled merge, a block of pairs at a time: only the sets one block needs are
    in memory at once (`sets` may be on disk, a :class:`audit.read.spool.Shelf`), and a bucket of
    thousands of copies, which gives hundreds of thousands of pairs, costs one call a block.
    A pair with a document `sets` lacks (not found again: its file changed meanwhile) shares
    nothing, and all three of its numbers are 0, as on a cluster (:mod:`audit.engines.dask.engine`).
    """
    inter, size_a, size_b = (np.zeros(len(pairs), dtype=np.int64) for _ in range(3))
    for at in range(0, len(pairs), VERIFY_BLOCK):
        block = pairs[at:at + VERIFY_BLOCK]
        docs = np.unique(block)
        found = [sets.get(d) for d in docs.tolist()]
        held = np.array([f is not None for f in found], dtype=bool)
        found = [f if f is not None else np.zeros(0, dtype=np.uint64) for f in found]
        sizes = np.array([len(f) for f in found], dtype=np.int64)
        bounds = np.concatenate(([0], np.cumsum(sizes)))
        values = np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)
        left, right = np.searchsorted(docs, block[:, 0]), np.searchsorted(docs, block[:, 1])
        both = held[left] & held[right]
        inter[at:at + len(block)] = kernels.intersection_sizes(values, bounds, left, right)
        size_a[at:at + len(block)], size_b[at:at + len(block)] = sizes[left] * both, sizes[right] * both
    return inter, size_a, size_b


def verify(pairs: np.ndarray, counts: Counts, words: np.ndarray, settings: SimilaritySettings) -> Edges:
    """The candidate pairs that hold: near-duplicates by Jaccard, or one contained in the other.

    `counts` are each pair's shingle intersection, set sizes and MinHash estimate (:data:`Counts`);
    `words` each pair's two documents' word counts (an (m, 2) array: a document too short is
    never "contained").
    """
    inter, size_a, size_b, estimated = counts
    passing = np.flatnonzero(loosely(inter, size_a, size_b, settings))
    estimates = estimated[passing]
    # Columns filled in place, not lists of Python floats: a big bucket passes millions of pairs.
    edges = Edges.zeros(len(passing))
    n_kept = 0
    # Python numbers a block at a time: a list of millions of them costs 30 bytes each.
    blocks = ((passing[at:at + CHUNK].tolist(), estimates[at:at + CHUNK].tolist()) for at in range(0, len(passing), CHUNK))
    for k, estimate in ((k, e) for ks, es in blocks for k, e in zip(ks, es)):
        i, j, n, la, lb = int(pairs[k, 0]), int(pairs[k, 1]), int(inter[k]), int(size_a[k]), int(size_b[k])
        # Python's round, not NumPy's: the scores in the report are the decimals it gives.
        similarity = round(n / (la + lb - n), 4)
        # The smaller document (fewer shingles; earlier on a tie) is the one that may be inside.
        small = i if (la, i) <= (lb, j) else j
        containment = round(n / min(la, lb), 4)
        contained = containment >= settings.min_containment and words[k, int(small != i)] >= settings.min_containment_words
        if similarity >= settings.min_document_similarity:
            is_contained, strength = False, max(similarity, containment if contained else 0.0)
        elif contained:
            is_contained, strength = True, containment
        else:
            continue
        edges.i[n_kept], edges.j[n_kept], edges.first[n_kept] = i, j, small if is_contained else i
        edges.estimated[n_kept], edges.similarity[n_kept] = round(estimate, 4), similarity
        edges.containment[n_kept], edges.contained[n_kept], edges.strength[n_kept] = containment, is_contained, strength
        n_kept += 1
    return edges if n_kept == len(passing) else edges.take(np.arange(n_kept))


def loosely(inter: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, settings: SimilaritySettings) -> np.ndarray:
    """Which pairs pass a loose first cut in bulk, before the exact, rounded test of
    :func:`verify`: most candidates of a big bucket fail or pass by far. A pair with an empty
    set (or a document not found again) fails."""
    with np.errstate(divide="ignore", invalid="ignore"):
        loose = ((inter / (size_a + size_b - inter) >= settings.min_document_similarity - 1e-3)
                 | (inter / np.minimum(size_a, size_b) >= settings.min_containment - 1e-3))
    return (size_a > 0) & (size_b > 0) & loose


def pair_counts(pairs: np.ndarray, sets: Mapping[int, np.ndarray], signature: Callable[[int], np.ndarray],
            settings: SimilaritySettings) -> Counts:
    """The pairs' :data:`Counts`: intersections, and the MinHash estimates (by `signature`, a
    document's signature by its index) of the pairs that pass the loose cut."""
    inter, size_a, size_b = intersections(pairs, sets)
    estimated = np.zeros(len(pairs))
    passing = np.flatnonzero(loosely(inter, size_a, size_b, settings))
    estimated[passing] = _estimates(signature, pairs[passing])
    return inter, size_a, size_b, estimated


def _estimates(signature: Callable[[int], np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """The MinHash estimate of Jaccard (:func:`audit.similarity.minhash.jaccard`) of each pair, in blocks."""
    out = np.zeros(len(pairs))
    for at in range(0, len(pairs), CHUNK):
        block = pairs[at:at + CHUNK]
        a = np.stack([signature(i) for i in block[:, 0].tolist()])
        b = np.stack([signature(j) for j in block[:, 1].tolist()])
        out[at:at + len(block)] = (a == b).mean(axis=1)
    return out


def load_sets(loaded: Iterable[tuple[int, list[str]]], size: int) -> Iterator[tuple[int, list[str], np.ndarray]]:
    """(index, body lines, shingle hashes) of documents read for verification, hashed in batches."""
    batch: list[tuple[int, list[str]]] = []
    for item in loaded:
        batch.append(item)
        if len(batch) == 256:
            yield from _with_sets(batch, size)
            batch = []
    yield from _with_sets(batch, size)


def _with_sets(batch: list[tuple[int, list[str]]], size: int) -> Iterator[tuple[int, list[str], np.ndarray]]:
    sets = shingle_sets([body_text(lines) for _, lines in batch], size)
    for (i, lines), s in zip(batch, sets):
        yield i, lines, s


def word_counts(summaries: list[DocumentSummary]) -> np.ndarray:
    """Each document's word count, by index (what :func:`verify` needs of a pair's documents)."""
    return np.fromiter((s.words for s in summaries), dtype=np.int64, count=len(summaries))


def quoted_lines(candidates: np.ndarray, passages_of: Callable[[int], np.ndarray]) -> np.ndarray:
    """The lines (0-based) that candidate passages (rows of (document, passage, document,
    passage), or of (document, passage)) are on: all that verifying and quoting them reads of the
    texts, as distinct (document, line) rows in order (an array: a Python set a document took
    0.22 s for the candidate passages of 20,000 planted documents, and as long again to send to a
    cluster). `passages_of` gives a document's :attr:`DocumentSummary.passages`.

    >>> tables = {0: np.array([[3, 0, 9], [3, 10, 20], [5, 0, 9]]), 1: np.array([[1, 0, 4]])}
    >>> quoted_lines(np.array([[0, 1, 1, 0], [0, 2, 1, 0], [0, 0, 1, 0]]), tables.__getitem__).tolist()
    [[0, 2], [0, 4], [1, 0]]
    """
    sides = np.asarray(candidates, dtype=np.int64).reshape(-1, 2)
    documents, which = np.unique(sides[:, 0], return_inverse=True)
    firsts = [passages_of(d)[:, 0] for d in documents.tolist()]
    starts = np.zeros(len(firsts) + 1, dtype=np.int64)
    np.cumsum([len(f) for f in firsts], out=starts[1:])
    lines = np.concatenate([np.zeros(0, dtype=np.int64)] + firsts)[starts[which] + sides[:, 1]] - 1  # int64, as the first
    width = int(lines.max(initial=0)) + 1
    return np.stack(np.divmod(np.unique(sides[:, 0] * width + lines), width), axis=1)


def lines_on(quoted: np.ndarray, document: int) -> list[int]:
    """The lines of one document among :func:`quoted_lines` (none when it has no candidate passage)."""
    start, end = np.searchsorted(quoted[:, 0], [document, document + 1]).tolist()
    return quoted[start:end, 1].tolist()


def quoting(summaries: Sequence[DocumentSummary], documents: Iterable[int]) -> dict[int, Quoted]:
    """What quoting their passages needs of some documents' summaries, by index."""
    return {i: Quoted(summaries[i].id, summaries[i].source, summaries[i].passages) for i in documents}


def whole_runs(keys: np.ndarray, most: int) -> list[np.ndarray]:
    """The row indexes of `keys` in blocks of about `most` rows, all rows of one key in one block.

    >>> [block.tolist() for block in whole_runs(np.array([3, 1, 3, 2, 1, 3, 4]), 3)]
    [[1, 4, 3], [0, 2, 5], [6]]
    """
    order, starts, _ = runs(keys, min_size=1)
    bounds = np.append(starts, len(keys))
    # Each block ends where the first run at or past the next multiple of `most` starts.
    cuts = np.unique(np.append(bounds[np.searchsorted(bounds, np.arange(0, len(keys), most))], len(keys)))
    return [order[start:end] for start, end in zip(cuts[:-1].tolist(), cuts[1:].tolist())]


def passage_blocks(candidates: np.ndarray, documents: int, most: int) -> list[np.ndarray]:
    """The rows of candidate passages (of `documents` documents) in blocks of about `most`,
    all those of one pair of documents in one block (:func:`shared_passages` merges their windows)."""
    return whole_runs(candidates[:, 0] * documents + candidates[:, 2], most)


def shared_passages_in_blocks(candidates: np.ndarray, summaries: Sequence[DocumentSummary], settings: SimilaritySettings,
                              bodies: Mapping[int, Sequence[str]], run: Run, most: int) -> PassageTable:
    """:func:`shared_passages` of all candidates, a block of about `most` rows a call of `run`
    (each call is given only its documents' quoted lines), in the order of their keys: the same
    pairs in the same order as one call on all of them."""
    lines = quoted_lines(candidates, lambda d: summaries[d].passages)  # type: ignore[arg-type,return-value]

    def calls() -> Iterator[tuple[np.ndarray, dict[int, Quoted], SimilaritySettings, dict[int, dict[int, str]]]]:
        for block in passage_blocks(candidates, len(summaries), most):
            rows = candidates[block]
            docs = sorted(set(rows[:, [0, 2]].ravel().tolist()))
            texts = {}
            for d in docs:
                if d in bodies:
                    body = bodies[d]
                    texts[d] = {n: body[n] for n in lines_on(lines, d)}
            yield rows, quoting(summaries, docs), settings, texts
    return PassageTable.joined(list(run(shared_passages, calls())))


def shared_passages(candidates: np.ndarray, summaries: Sequence[DocumentSummary] | Mapping[int, Quoted],
                    settings: SimilaritySettings, bodies: Mapping[int, Sequence[str] | Mapping[int, str]]) -> PassageTable:
    """Verify passage candidates (rows of (document, passage, document, passage)); windows of one
    paragraph matching one paragraph merge into one span.

    The table holds each shared passage's key, (document, line, document, line), in whose order
    they are: a cluster verifies them in several places, each candidate of one pair of documents
    in the same one, and joins the tables in the order of their keys (:meth:`PassageTable.joined`). `summaries` give the documents' ids, sources and passages;
    `bodies` their lines, 0-based (a document's list of lines, or a mapping of the lines wanted).
    """
    merged: dict[PassageKey, list] = {}
    # A passage copied k times is in k - 1 candidates or more: its place and shingles are found once.
    known: dict[tuple[int, int], tuple[int, int, int, set[tuple[str, ...]]]] = {}

    def passage(i: int, p: int) -> tuple[int, int, int, set[tuple[str, ...]]]:
        if (i, p) not in known:
            line, start, end = summaries[i].passages[p].tolist()
            text = bodies[i][line - 1][start:end]
            known[i, p] = line, start, end, set(word_grams(words(text), settings.passage_shingle_size))
        return known[i, p]

    for i, pi, j, pj in candidates.tolist():
        if i not in bodies or j not in bodies:
            continue  # not found again (its file changed meanwhile): nothing to quote
        (line_a, start_a, end_a, shingles_a), (line_b, start_b, end_b, shingles_b) = passage(i, pi), passage(j, pj)
        similarity = exact_jaccard(shingles_a, shingles_b)
        if similarity < settings.min_passage_similarity:
            continue
        key = (i, line_a, j, line_b)
        if key in merged:
            m = merged[key]
            m[0], m[1] = min(m[0], start_a), max(m[1], end_a)
            m[2], m[3] = min(m[2], start_b), max(m[3], end_b)
            m[4] = max(m[4], similarity)
        else:
            merged[key] = [start_a, end_a, start_b, end_b, similarity]
    shared, keys = [], sorted(merged)
    for i, line_a, j, line_b in keys:
        sa, ea, sb, eb, similarity = merged[i, line_a, j, line_b]
        da, db = summaries[i], summaries[j]
        shared.append(PassagePair(
            Span(da.id, da.source, (line_a, line_a), bodies[i][line_a - 1][sa:ea]),
            Span(db.id, db.source, (line_b, line_b), bodies[j][line_b - 1][sb:eb]),
            similarity,
        ))
    return PassageTable.of(shared, keys)
