"""Run a scan's work on a Dask cluster: the same stages as the local engine, mapped over partitions.

The corpus is cut into parts (:meth:`audit.readers.Corpus.parts`: byte ranges of JSON Lines,
each compressed or text file whole); one task per part reads it and runs the same per-document
function (:meth:`audit.analyze.Analyzer.batch`), and the client receives the summaries the
report needs, never the texts. What LSH is made of stays on the worker too (the signatures and
the passages' band keys, most of a summary's bytes, which never leave): for each part the client sends back only its documents' row
numbers, and the part's task turns its keys into rows (band, key, row) hashed into shuffle
partitions by key, a few bands at a time; each partition pairs its runs with the same code as
the local engine (:func:`audit.lsh.key_pairs`), so no bucket is ever gathered into one Python
list and the pairs do not depend on how the rows were split. Containment candidates likewise: the
anchors stay on the workers, (anchor, document) rows are shuffled by anchor and paired where they
land (:func:`audit.similarity.sharing_pairs`), and the pairs' shared anchors are shuffled by pair
and added up. Verification runs where the
documents are: each part's task re-reads and hashes the shingles of its documents that some
candidate pair names, and keeps them on its worker with their signatures; the parts are joined
into a few groups, and the pairs go to tasks of a pair of groups, which join in those groups'
sets and signatures, count what each pair shares and decide it (:func:`audit.similarity.verify`).
The verified pairs stay there; the client learns how many. Up to CLIENT_PAIRS it gathers them
(about 60 bytes a pair) and clusters them as the local engine does; past that their connected
components are found on the workers (large-star and small-star rounds, :mod:`audit.stars`), each
pair is shuffled to a share by its component, and the client clusters the shares one at a time,
so it never holds more than one. Candidate passages are verified the same way: the
parts keep the lines the candidates are on, and tasks of a pair of groups compare the passages of
its pairs of documents (all of one pair in one task, which merges their windows), so the client
receives only the shared passages the report quotes. Template lines are counted the same way: each part's
task keeps its documents' distinct line keys and prose-line keys; the copies among the documents
(sharing most of their prose lines) are paired from the prose keys as the containment
candidates are from the anchors, the client joins those pairs and the clusters into copy
groups and sends each part its documents' groups, and the (key, group) rows are shuffled by key
and counted where they land; the client receives the template keys and their counts. Only this module imports Dask (``corpus-audit[dask]``).
"""

from __future__ import annotations

import operator
import os
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any
from concurrent.futures import CancelledError
from dataclasses import dataclass, replace
from enum import Enum
from itertools import islice

import numpy as np

try:
    from distributed import Client, Future, LocalCluster, wait
    from distributed.scheduler import KilledWorker
except ImportError as exc:  # pragma: no cover - depends on the install
    from audit.errors import ConfigError

    raise ConfigError("--engine dask needs the dask extra: pip install 'corpus-audit[dask]'") from exc

from audit.analyze import Analyzer, compared_again
from audit.errors import AuditError, ConfigError, InputError
from audit.lsh import band_keys, key_pairs, runs, unique_pairs
from audit.readers import Corpus, Fields, Part, Record, count_lines, numbered, read_part, reason
from audit.records import Details, DocumentSummary, Finding, InputProblem, PassagePair
from audit.rules import RuleSet
from audit.scan import BATCH_SIZE, documents
from audit.settings import LineSettings, ScanSettings, SimilaritySettings
from audit.similarity import (MAX_PAIRS_PER_KEY, VERIFY_BLOCK, Comparer, Edges, Loader, PassageKey,
                              PassageKeys, Quoted, added_up, anchor_share, anchored, apart, by_components, enough_shared,
                              load_sets, pair_counts, shared_passages, sharing_pairs, verify, word_counts)
from audit.stars import Rows as StarRows
from audit.stars import Seen, Stars, converged, labels, large_star, small_star, split, total
from audit.templates import MAX_COPY_EVIDENCE, Templates, counted, present

#: Band-key rows per shuffle partition, about (24 bytes each, and the sort's copies); an LSH
#: shuffle takes as many bands at a time as keep each worker's share of its rows to this.
SHUFFLE_ROWS = 1_000_000
#: Documents' shingle sets joined into one group for verification, at most (a few KB each).
GROUP_DOCS = 20_000
#: Candidate passages verified in one task, about (a second or two of work); all those of one
#: pair of documents go to the same task, which merges their windows.
PASSAGE_BLOCK = 20_000
#: Input files checked for the workers in one task, at most (an open and close each).
CHECK_FILES = 10_000
#: Rounds of the containment shuffle, at most.
ANCHOR_ROUNDS = 32
#: Verified pairs gathered on the client for clustering, at most (about 170 bytes each there at
#: the peak, bench/cluster_components.py); past this the connected components are found on the
#: cluster, and the client takes the pairs a share of the components at a time.
CLIENT_PAIRS = 5_000_000
#: Verified pairs in one such share, about.
CLIENT_SHARE = 1_000_000
#: Seconds to wait for a scheduler before giving up with a clear message.
CONNECT_TIMEOUT = 30


class Kept(Enum):
    """What a Dask client's summaries hold for a signature: that there is one, which is all the
    client needs; the values stay on the workers, which join them in for verification."""

    ON_WORKER = "on the worker that analyzed the document"


@dataclass
class Owned:
    """Keys kept on a worker, each row with its document's position in the part: the anchors of
    the documents that may be inside others, or the documents' prose-line keys."""

    owner: np.ndarray
    keys: np.ndarray

    @classmethod
    def of(cls, held: list[tuple[int, np.ndarray]]) -> Owned:
        """From some documents' (position, keys)."""
        return cls(np.repeat(np.array([p for p, _ in held], dtype=np.int64), [len(k) for _, k in held]),
                   np.concatenate([k for _, k in held] or [np.zeros(0, dtype=np.uint64)]))


@dataclass
class PartKeys:
    """What a part's candidate rows are made of, kept on its worker: the signatures of its signed
    documents, its passages' band keys and the anchors of the documents that may be inside
    others, each row with its document's position in the part."""

    signed: np.ndarray
    #: One row of uint32 per signed document.
    signatures: np.ndarray
    passage_owner: np.ndarray
    #: Each passage row's index among its document's passages.
    passage_index: np.ndarray
    #: One row of uint64 band keys per passage.
    passage_keys: np.ndarray
    anchors: Owned


@dataclass
class PartLines:
    """What a part's template-line rows are made of, kept on its worker: the distinct line keys of
    each document (:func:`audit.templates.present`), each with the document's position in the
    part, and the documents' prose-line keys (which find the copies)."""

    owner: np.ndarray
    keys: np.ndarray
    prose: Owned


def _part_lines(records: list[DocumentSummary | InputProblem]) -> PartLines:
    """The part's :class:`PartLines`, the prose keys taken out of its summaries (which then hold
    :attr:`Kept.ON_WORKER`; they keep their line keys: the report locates lines by them)."""
    owner, keys = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.uint64)]
    prose = []
    for p, r in enumerate(records):
        if not isinstance(r, DocumentSummary):
            continue
        if r.line_keys is not None:
            keys.append(present(r.line_keys))
            owner.append(np.full(len(keys[-1]), p, dtype=np.int64))
        if r.prose_keys is not None:
            prose.append((p, r.prose_keys))
            r.prose_keys = Kept.ON_WORKER
    return PartLines(np.concatenate(owner), np.concatenate(keys), Owned.of(prose))


def _part_keys(records: list[DocumentSummary | InputProblem], settings: ScanSettings) -> PartKeys:
    """The part's :class:`PartKeys`, taken out of its summaries (which then hold no passage keys,
    and :attr:`Kept.ON_WORKER` for a signature and for the anchors)."""
    sim = settings.similarity
    signed = [p for p, r in enumerate(records) if isinstance(r, DocumentSummary) and r.signature is not None]
    owner, index = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    keys = [np.zeros((0, sim.passage_bands), dtype=np.uint64)]
    for p, r in enumerate(records):
        if isinstance(r, DocumentSummary) and r.passage_keys is not None:
            owner.append(np.full(len(r.passage_keys), p, dtype=np.int64))
            index.append(np.arange(len(r.passage_keys), dtype=np.int64))
            keys.append(r.passage_keys)
            r.passage_keys = None
    signatures = [records[p].signature for p in signed]  # type: ignore[union-attr]
    for p in signed:
        records[p].signature = Kept.ON_WORKER  # type: ignore[union-attr]
    summaries = [(p, r) for p, r in enumerate(records) if isinstance(r, DocumentSummary)]
    inside = [(p, r.anchors) for p, r in summaries if anchored(r, sim)]
    for _, r in summaries:
        r.anchors = Kept.ON_WORKER
    return PartKeys(np.asarray(signed, dtype=np.int64),
                    np.stack(signatures) if signatures else np.zeros((0, sim.num_perm), dtype=np.uint32),
                    np.concatenate(owner), np.concatenate(index), np.concatenate(keys), Owned.of(inside))


def _analyze_part(part: Part, analyzer: Analyzer, fields: Fields,
                  max_bytes: int) -> tuple[list[DocumentSummary | InputProblem], PartKeys, PartLines]:
    """One task: the summaries and problems of a part, in order, and its LSH keys and line keys
    apart. Read and analyzed a batch at a time, as locally: a compressed file is one part, and
    its texts need not fit in the worker's memory at once."""
    out: list[DocumentSummary | InputProblem] = []
    records = read_part(part, fields, max_bytes)
    while batch := list(islice(records, BATCH_SIZE)):
        docs = [r for r in batch if not isinstance(r, InputProblem)]
        summaries = iter(analyzer.batch(docs)) if docs else iter(())
        # A scan reports a problem by its place and message; what could be read of it is for
        # clean's log, and need not travel to the client (an invalid line may be megabytes).
        out += [replace(r, text="") if isinstance(r, InputProblem) else next(summaries) for r in batch]
    return out, _part_keys(out, analyzer.settings), _part_lines(out)


#: A document as a part reads it again: its file, line and id. The id too, because one file may
#: be read under two of the folders given (two documents, two ids, one place), and a file changed
#: since may hold another record at the line.
Where = tuple[str, int | None, str]


@dataclass
class Reread:
    """What verification keeps on a worker of the documents a part (or a group of parts) read
    again, by document index: their shingle sets, their signatures (from the analysis), and the
    lines candidate passages are on ({line index: text})."""

    sets: Mapping[int, np.ndarray]
    signatures: Mapping[int, np.ndarray]
    lines: Mapping[int, Mapping[int, str]]


#: The documents a task re-reads: (index, lines when summarized) by where they are.
Wanted = Mapping[Where, tuple[int, int]]


def _unreadable(paths: list[str]) -> list[tuple[str, str]]:
    """One task: the files of `paths` this worker cannot read, with why."""
    missing = []
    for path in paths:
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            missing.append((path, reason(exc)))
    return missing


def _reread(part: Part, fields: Fields, max_bytes: int, rules: RuleSet, lines: LineSettings,
            disabled: frozenset[str], wanted: Wanted) -> Iterator[tuple[int, int, list[str]]]:
    """The wanted documents of a part read again (:func:`audit.analyze.compared_again`):
    (position in the part, index, prepared body lines)."""
    for position, r in enumerate(read_part(part, fields, max_bytes)):
        if not isinstance(r, InputProblem) and (r.origin.path, r.origin.line, r.id) in wanted:
            i, count = wanted[r.origin.path, r.origin.line, r.id]
            compared = compared_again(r, rules, lines, disabled, count)
            if compared is not None:
                yield position, i, compared


def _load_part(part: Part, fields: Fields, max_bytes: int, rules: RuleSet, lines: LineSettings,
               disabled: frozenset[str], wanted: Wanted) -> list[tuple[int, list[str]]]:
    """One task: the prepared body lines of the wanted documents of a part, by index."""
    return [(i, body) for _, i, body in _reread(part, fields, max_bytes, rules, lines, disabled, wanted)]


def _sets_part(part: Part, signed: tuple[np.ndarray, np.ndarray], fields: Fields, max_bytes: int, rules: RuleSet,
               lines: LineSettings, disabled: frozenset[str], wanted: Wanted, quoted: Mapping[int, Iterable[int]],
               size: int) -> Reread:
    """One task: the :class:`Reread` of a part's wanted documents; `quoted` gives the line indexes
    candidate passages are on by document, `signed` the part's signatures ((positions, rows), as
    :func:`_signed` keeps them)."""
    positions, signatures = signed
    at: dict[int, int] = {}
    loaded = []
    for position, i, body in _reread(part, fields, max_bytes, rules, lines, disabled, wanted):
        at[i] = position
        loaded.append((i, body))
    sets, signature_of, passage_lines = {}, {}, {}
    for i, body, shingles in load_sets(loaded, size):
        sets[i] = shingles
        row = int(np.searchsorted(positions, at[i]))
        if row < len(positions) and positions[row] == at[i]:
            signature_of[i] = signatures[row]
        if i in quoted:
            passage_lines[i] = {n: body[n] for n in quoted[i]}
    return Reread(sets, signature_of, passage_lines)


def _wanted(summaries: list[DocumentSummary], needed: Iterable[int]) -> dict[Where, tuple[int, int]]:
    return {(summaries[i].origin.path, summaries[i].origin.line, summaries[i].id): (i, summaries[i].lines) for i in needed}


def _found(reread: Reread) -> np.ndarray:
    """What the client needs of a part's sets: which documents it holds."""
    return np.fromiter(reread.sets, dtype=np.int64, count=len(reread.sets))


def _joined(groups: tuple[Reread, ...]) -> Reread:
    """The groups a task is given, looked up as one (no copy)."""
    return Reread(ChainMap(*(g.sets for g in groups)), ChainMap(*(g.signatures for g in groups)),
                  ChainMap(*(g.lines for g in groups)))


def _merged(*parts: Reread) -> Reread:
    """One task: the :class:`Reread` of a group of parts, in one mapping each."""
    joined = _joined(parts)
    return Reread(dict(joined.sets), dict(joined.signatures), dict(joined.lines))


def _signed(keys: PartKeys) -> tuple[np.ndarray, np.ndarray]:
    """One task: what verification needs of a part's LSH keys: its signed documents' positions
    and signatures (the passages' band keys, most of the weight, can go)."""
    return keys.signed, keys.signatures


def _grouped(sizes: list[int], most: int) -> tuple[list[int], list[list[int]]]:
    """Consecutive parts joined into groups of at most `most` documents (a bigger part is a group
    alone): each part's group, and each group's parts.

    >>> _grouped([3, 3, 5, 0, 9, 1], 6)
    ([0, 0, 1, 1, 2, 3], [[0, 1], [2, 3], [4], [5]])
    """
    group_of: list[int] = []
    members: list[list[int]] = []
    filled = 0
    for k, size in enumerate(sizes):
        if not members or filled + size > most:
            members.append([])
            filled = 0
        members[-1].append(k)
        group_of.append(len(members) - 1)
        filled += size
    return group_of, members


def _whole_runs(keys: np.ndarray, most: int) -> list[np.ndarray]:
    """The row indexes of `keys` in blocks of about `most` rows, all rows of one key in one block.

    >>> [block.tolist() for block in _whole_runs(np.array([3, 1, 3, 2, 1, 3, 4]), 3)]
    [[1, 4, 3], [0, 2, 5], [6]]
    """
    order, starts, _ = runs(keys, min_size=1)
    bounds = np.append(starts, len(keys))
    # Each block ends where the first run at or past the next multiple of `most` starts.
    cuts = np.unique(np.append(bounds[np.searchsorted(bounds, np.arange(0, len(keys), most))], len(keys)))
    return [order[start:end] for start, end in zip(cuts[:-1].tolist(), cuts[1:].tolist())]


def _verified(pairs: np.ndarray, words: np.ndarray, settings: SimilaritySettings, *groups: Reread) -> Edges:
    """One task: the pairs that hold (:func:`audit.similarity.verify`; `words` are their documents'
    word counts), counted in the sets and signatures of the groups they are in."""
    joined = _joined(groups)
    return verify(pairs, pair_counts(pairs, joined.sets, joined.signatures.__getitem__, settings), words, settings)


def _passages(candidates: tuple[np.ndarray, dict[int, Quoted]], settings: SimilaritySettings,
              *groups: Reread) -> list[tuple[PassageKey, PassagePair]]:
    """One task: the shared passages among candidates (rows of :func:`audit.similarity.apart`:
    all of some pairs of documents) whose documents are in these groups, with their keys."""
    ends, quoted = candidates
    return shared_passages(ends, quoted, settings, _joined(groups).lines)


#: LSH shuffle rows: band, key and row id columns.
BandRows = tuple[np.ndarray, np.ndarray, np.ndarray]
#: Shared-key shuffle rows: key, document and the document's key count columns.
KeyRows = tuple[np.ndarray, np.ndarray, np.ndarray]
#: Pairs of documents sharing keys: the (m, 2) pairs, how many keys each shares, and the smaller key count of the two.
SharedCounts = tuple[np.ndarray, np.ndarray, np.ndarray]


def _split(keys: np.ndarray, ids: np.ndarray, partitions: int) -> list[BandRows]:
    """Shuffle's map side: band keys (one row of bands per id) as (band, key, row) columns, one
    set per partition."""
    rows, bands = keys.shape
    band = np.tile(np.arange(bands, dtype=np.int64), rows)
    row = np.repeat(ids.astype(np.int64), bands)
    key = keys.ravel()
    # A run is one (band, key): the band is mixed in so equal keys of different bands may part.
    target = ((key ^ (band.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))) % np.uint64(partitions)).astype(np.int64)
    return [(band[target == p], key[target == p], row[target == p]) for p in range(partitions)]


def _document_rows(keys: PartKeys, numbers: np.ndarray, bands: tuple[int, int], partitions: int, per_band: int) -> list[BandRows]:
    """Shuffle's map side for documents: a part's keys of bands `first` to `last` (`bands`), each
    row its document's index among the scan's summaries (`numbers`, by position in the part: -1 for
    a record the scan left out)."""
    first, last = bands
    held = numbers[keys.signed]
    mine = held >= 0
    signatures = keys.signatures[mine][:, first * per_band:last * per_band]
    return _split(band_keys(signatures, last - first, per_band), held[mine], partitions)


def _passage_rows(keys: PartKeys, numbers: np.ndarray, bands: tuple[int, int], partitions: int, stride: int) -> list[BandRows]:
    """Shuffle's map side for passages: as :func:`_document_rows`, each row its document's index
    times `stride` plus the passage's index, so rows are in the order of the local engine's."""
    first, last = bands
    held = numbers[keys.passage_owner]
    mine = held >= 0
    return _split(keys.passage_keys[mine][:, first:last], held[mine] * stride + keys.passage_index[mine], partitions)


def _shared_rows(owned: Owned, numbers: np.ndarray, rounds: tuple[int, int], partitions: int) -> list[KeyRows]:
    """Shuffle's map side for keys shared by documents (anchors, prose lines): a part's (key,
    document, the document's key count) rows of the keys of round `rounds[0]` of `rounds[1]`, by
    key; documents by index among the scan's summaries, as :func:`_document_rows`."""
    held = numbers[owned.owner]
    counts = np.bincount(owned.owner)[owned.owner]
    # Anchors are the shingle hashes divisible by a number, so their low bits are alike; the high
    # bits spread them, and the prose lines' hashes as well.
    high = (owned.keys >> np.uint64(32)).astype(np.int64)
    this, of = rounds
    mine = (held >= 0) & (high % of == this)
    key, doc, count, target = owned.keys[mine], held[mine], counts[mine], high[mine] // of % partitions
    return [(key[target == p], doc[target == p], count[target == p]) for p in range(partitions)]


def _sharing_partition(pieces: list[KeyRows], most: int, partitions: int) -> list[SharedCounts]:
    """Shuffle's reduce side for shared keys, and the map side of its second round: the pairs
    of documents sharing keys in one partition, how many, and the smaller key count of the
    two, by pair (a pair's keys may be in several partitions)."""
    key, doc, count = (np.concatenate([p[k] for p in pieces]) for k in range(3))
    pairs, shared = sharing_pairs(key, doc, most)
    docs, first = np.unique(doc, return_index=True)
    of = count[first]
    smaller = np.minimum(of[np.searchsorted(docs, pairs[:, 0])], of[np.searchsorted(docs, pairs[:, 1])])
    target = (pairs[:, 0] * 31 + pairs[:, 1]) % partitions
    return [(pairs[target == p], shared[target == p], smaller[target == p]) for p in range(partitions)]


def _enough_partition(pieces: list[SharedCounts], share: float) -> np.ndarray:
    """Second reduce side for shared keys: the pairs of one partition that share at least `share`
    of the keys of the document with fewer."""
    pairs = np.concatenate([p[0].reshape(-1, 2) for p in pieces])
    pairs, shared, first = added_up(pairs, np.concatenate([p[1] for p in pieces]))
    return pairs[enough_shared(shared, np.concatenate([p[2] for p in pieces])[first], share)]


def _owned_count(owned: Owned) -> int:
    return len(owned.keys)


def _template_rows(lines: PartLines, groups: np.ndarray, partitions: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle's map side for template lines: a part's (line key, copy group) rows, by key; the
    groups are by position in the part (-1 for a record the scan left out)."""
    group = groups[lines.owner]
    mine = group >= 0
    key, group = lines.keys[mine], group[mine]
    # Line keys are hashes already.
    target = (key % np.uint64(partitions)).astype(np.int64)
    return [(key[target == p], group[target == p]) for p in range(partitions)]


def _count_partition(pieces: list[tuple[np.ndarray, np.ndarray]], minimum: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle's reduce side for template lines: the keys of one partition found in `minimum` groups or more."""
    return counted(np.concatenate([k for k, _ in pieces]), np.concatenate([g for _, g in pieces]), minimum)


def _pair_partition(pieces: list[BandRows], window: int) -> np.ndarray:
    """Shuffle's reduce side: the colliding pairs among the rows of one partition, band by band."""
    band = np.concatenate([p[0] for p in pieces])
    key = np.concatenate([p[1] for p in pieces])
    row = np.concatenate([p[2] for p in pieces])
    found = [np.zeros((0, 2), dtype=np.int64)]
    for b in np.unique(band):
        mine = band == b
        found.append(key_pairs(key[mine], row[mine], window))
    pairs = np.concatenate(found)
    return unique_pairs(pairs)


def _stars_of(edges: Edges) -> Stars:
    return Stars.of(edges.i, edges.j)


def _parted(edges: Edges, key: np.ndarray, partitions: int) -> list[Edges]:
    """Shuffle's map side for verified pairs: the pairs by `key` (a number each)."""
    target = key % partitions
    return [edges.take(np.flatnonzero(target == p)) for p in range(partitions)]


def _edge_rows(edges: Edges, partitions: int) -> list[Edges]:
    """Map side of the verified pairs' join with their labels: the pairs by their first document."""
    return _parted(edges, edges.i, partitions)


def _labelled(pieces: list[Edges], settled: list[StarRows], partitions: int) -> list[Edges]:
    """Reduce side of the join, and map side of the last shuffle: a partition's verified pairs by
    their component's label (its smallest document), from the settled stars' rows of the same
    documents (:func:`audit.stars.labels`)."""
    # In any order: the shares put them in order.
    edges = Edges.concatenated(pieces)
    node, label = labels(np.concatenate([np.zeros(0, dtype=np.int64)] + [n for n, _ in settled]),
                         np.concatenate([np.zeros(0, dtype=np.int64)] + [m for _, m in settled]))
    at = np.searchsorted(node, edges.i)
    found = at < len(node)
    found[found] = node[at[found]] == edges.i[found]
    component = edges.i.copy()
    component[found] = label[at[found]]
    return _parted(edges, component, partitions)


def _result(future: Future, what: str) -> Any:
    try:
        return future.result()
    except (KilledWorker, CancelledError, OSError) as exc:
        # Dask retries a task whose worker died; this is when it gave up. An OSError is a file a
        # task could not read (named in it), or the scheduler gone (CommClosedError); a task that
        # cannot write its output raises the OutputError naming it, which passes as it is.
        # Either way no report is written, and a clean leaves no manifest.
        raise AuditError(f"the Dask cluster could not finish the {what}: {type(exc).__name__}: {exc}") from exc


def gathered(futures: list[Future], what: str) -> list[Any]:
    """The results of tasks in order; a task the cluster gave up on stops the run with one line."""
    return [_result(future, what) for future in futures]


@dataclass
class DaskEngine:
    """A Dask cluster: the one at ``settings.scheduler``, or a local one started for this scan."""

    settings: ScanSettings

    def __post_init__(self) -> None:
        self.cluster: LocalCluster | None = None
        self.parts: list[Part] = []
        # Per part, on the workers: its LSH keys and line keys; here: each record's number (its index
        # among the summaries, -1 for one the scan left out).
        self.keys: list[Future] = []
        # Per part, on the workers, from the candidates' search to verification: its documents' signatures.
        self.signed: list[Future] = []
        self.lines: list[Future] = []
        self.numbers: list[np.ndarray] = []
        self._number_futures: list[Future] = []
        self._last: tuple[int, Record] | None = None
        if self.settings.scheduler:
            try:
                self.client = Client(self.settings.scheduler, timeout=CONNECT_TIMEOUT)
            except OSError as exc:
                raise ConfigError(f"cannot reach the Dask scheduler at {self.settings.scheduler}: {exc}") from exc
        else:
            # Loopback only: a scan's local cluster is not a service for the network.
            self.cluster = LocalCluster(n_workers=self.settings.workers or os.cpu_count() or 1, threads_per_worker=1,
                                        processes=True, host="127.0.0.1", dashboard_address=None)
            self.client = Client(self.cluster)

    def summaries(self, corpus: Corpus, analyzer: Analyzer, problems: list[Finding]) -> Iterator[DocumentSummary]:
        parts = corpus.parts(self.settings.blocksize)
        if self.cluster is None:
            self._check_shared(parts)
        # A byte range's line numbers (and the ids of records without one) continue the previous
        # range's: its lines are counted first, a cheap pass that reads but does not parse.
        ranged = [i for i, p in enumerate(parts) if p.kind == "jsonl" and (p.start or p.end is not None)]
        counts = [0] * len(parts)
        for i, n in zip(ranged, gathered(self.client.map(count_lines, [parts[i] for i in ranged]), "line count")):
            counts[i] = n
        parts = numbered(parts, counts)
        self.parts = parts
        shared = self.client.scatter(analyzer, broadcast=True)
        analyzed = self.client.map(_analyze_part, parts, analyzer=shared, fields=corpus.fields,
                                   max_bytes=corpus.max_bytes, pure=False)
        records = [self.client.submit(operator.getitem, a, 0) for a in analyzed]
        self.keys = [self.client.submit(operator.getitem, a, 1) for a in analyzed]
        self.lines = [self.client.submit(operator.getitem, a, 2) for a in analyzed]
        self.numbers, self._number_futures = [], []
        return self._numbered(documents(self._in_order(records), self.settings.strict, problems))

    def _check_shared(self, parts: list[Part]) -> None:
        """Stop with a clear message when the scheduler's workers cannot read local files that this
        machine reads (workers on other machines, or started in another folder, with a relative
        path or stdin given), which would otherwise become input errors or a traceback."""
        # A folder's part (a folder with no file to read) is reported without reading anything.
        local = sorted({p.path for p in parts
                        if p.kind != "folder" and "://" not in p.path and os.path.exists(p.path)})
        displays = {p.path: p.display for p in parts}
        chunks = [local[at:at + CHECK_FILES] for at in range(0, len(local), CHECK_FILES)]
        for missing in gathered(self.client.map(_unreadable, chunks, pure=False), "a check of the input files"):
            if missing:
                path, why = missing[0]
                raise InputError(f"{displays[path]}: the Dask workers cannot read it ({why}), though this machine "
                                 "can: give the corpus at a path the workers see (an absolute path on a "
                                 "filesystem they share, or a URL such as s3://bucket/path)")

    def _in_order(self, futures: list[Future]) -> Iterator[DocumentSummary | InputProblem]:
        """The records of the parts in reading order, each part let go once read; the last one
        read and its position are noted for :meth:`_numbered`."""
        for future in futures:
            part = _result(future, "scan")
            future.release()
            self.numbers.append(np.full(len(part), -1, dtype=np.int64))
            for position, record in enumerate(part):
                self._last = (position, record)
                yield record

    def _numbered(self, summaries: Iterator[DocumentSummary]) -> Iterator[DocumentSummary]:
        """The summaries, each one's index among them noted at its position in its part: the
        LSH rows are made where the keys are, and a record the scan left out makes none."""
        for index, summary in enumerate(summaries):
            # documents() passes the records through one at a time: the last one read is this one.
            assert self._last is not None and self._last[1] is summary
            self.numbers[-1][self._last[0]] = index
            yield summary

    def loader(self, corpus: Corpus, rules: RuleSet, summaries: list[DocumentSummary]) -> Loader:
        def load(needed: set[int]) -> Iterator[tuple[int, list[str]]]:
            wanted = _wanted(summaries, needed)
            paths = {path for path, _, _ in wanted}
            parts = [p for p in self.parts if p.display in paths]
            # Scattered, not passed as is: a map keyword over 100 kB becomes a graph node named
            # after the keyword, which the scheduler rejects (distributed 2026.8: "AssertionError:
            # <TaskState 'wanted' processing>"); a few thousand candidates are past that.
            [shared] = self.client.scatter([wanted], hash=False)
            futures = self.client.map(_load_part, parts, fields=corpus.fields, max_bytes=corpus.max_bytes,
                                      rules=rules, lines=self.settings.lines,
                                      disabled=frozenset(self.settings.disabled_rules), wanted=shared, pure=False)
            for future in futures:
                yield from _result(future, "re-reading of documents")
                # Released as read: for template lines the wanted documents may be all of them.
                future.release()
        return load

    def comparer(self, load: Loader, corpus: Corpus, rules: RuleSet, summaries: list[DocumentSummary]) -> Comparer:
        def compare(pairs: np.ndarray, passages: np.ndarray,
                    settings: SimilaritySettings) -> tuple[Iterator[Edges], list[PassagePair]]:
            # The lines each candidate passage is on: the workers send back only what is quoted.
            quoted: dict[int, set[int]] = {}
            for i, p in passages.reshape(-1, 2).tolist():
                quoted.setdefault(i, set()).add(int(summaries[i].passages[p][0]) - 1)
            needed = set(pairs.ravel().tolist()) | set(quoted)
            if not needed:
                return iter(()), []
            wanted = _wanted(summaries, needed)
            paths = {path for path, _, _ in wanted}
            chosen = [k for k, p in enumerate(self.parts) if p.display in paths]
            shared_wanted, shared_quoted = self.client.scatter([wanted, quoted], hash=False)
            # Each part's signatures join its sets where the part was analyzed: the client has none.
            loaded = self.client.map(_sets_part, [self.parts[k] for k in chosen], [self.signed[k] for k in chosen],
                                     fields=corpus.fields, max_bytes=corpus.max_bytes, rules=rules,
                                     lines=self.settings.lines, disabled=frozenset(self.settings.disabled_rules),
                                     wanted=shared_wanted, quoted=shared_quoted, size=settings.shingle_size, pure=False)
            # The sets carry what verification needs of the signatures: the workers may drop them
            # once the sets are made (about half a kilobyte a document).
            self.signed = []
            # The sets stay on the workers; the client learns only which part holds which document.
            part_of = np.full(len(summaries), -1, dtype=np.int64)
            sizes = []
            for k, held in enumerate(gathered(self.client.map(_found, loaded, pure=False), "verification")):
                part_of[held] = k
                sizes.append(len(held))
            # Parts are joined into a few groups of sets, each at most GROUP_DOCS documents: a task
            # per pair of groups, not per pair of parts, which small byte ranges would make thousands.
            workers = self._workers()
            group_of, members = _grouped(sizes, max(1, min(GROUP_DOCS, -(-sum(sizes) // workers))))
            sets = [self.client.submit(_merged, *[loaded[k] for k in mine], pure=False) for mine in members]
            del loaded
            # -1 (held by no part) indexes the -1 appended.
            group_of_doc = np.asarray(group_of + [-1], dtype=np.int64)[part_of]
            # The verified pairs stay where they were verified: the client learns how many.
            verified, words = [], word_counts(summaries)
            for first, second, which in self._by_groups(group_of_doc, pairs, len(sets)):
                joined = [sets[first]] if first == second else [sets[first], sets[second]]
                for at in range(0, len(which), VERIFY_BLOCK):
                    block = pairs[which[at:at + VERIFY_BLOCK]]
                    verified.append(self.client.submit(_verified, block, words[block], settings, *joined, pure=False))
            # A pair of documents' passages all go to one task, which merges their windows.
            found = []
            for first, second, which in self._by_groups(group_of_doc, passages[:, [0, 2]], len(sets)):
                joined = [sets[first]] if first == second else [sets[first], sets[second]]
                for block in _whole_runs(passages[which, 0] * len(summaries) + passages[which, 2], PASSAGE_BLOCK):
                    mine = passages[which[block]]
                    docs = set(mine[:, [0, 2]].ravel().tolist())
                    quoting = {i: Quoted(summaries[i].id, summaries[i].source, summaries[i].passages) for i in docs}
                    [payload] = self.client.scatter([(mine, quoting)], hash=False)
                    found.append(self.client.submit(_passages, payload, settings, *joined, pure=False))
            count = sum(gathered(self.client.map(len, verified, pure=False), "verification"))
            shared = sorted((keyed for keyed_pairs in gathered(found, "passage verification") for keyed in keyed_pairs),
                            key=operator.itemgetter(0))
            if count > CLIENT_PAIRS:
                return self._components(verified, count), [pair for _, pair in shared]
            return by_components(Edges.joined(gathered(verified, "verification"))), [pair for _, pair in shared]
        return compare

    @staticmethod
    def _by_groups(group_of_doc: np.ndarray, pairs: np.ndarray, groups: int) -> Iterator[tuple[int, int, np.ndarray]]:
        """The pairs of documents (rows of `pairs`) by the pair of groups that hold their documents:
        (group, group, row indexes). A document no part holds any more (its file changed
        meanwhile) is in no group, and its pairs in none (they share nothing)."""
        a, b = group_of_doc[pairs[:, 0]], group_of_doc[pairs[:, 1]]
        held = np.flatnonzero((a >= 0) & (b >= 0))
        group = np.minimum(a, b)[held] * groups + np.maximum(a, b)[held]
        order, starts, ends = runs(group, min_size=1)
        held, group = held[order], group[order]
        for start, end in zip(starts.tolist(), ends.tolist()):
            first, second = divmod(int(group[start]), groups)
            yield first, second, held[start:end]

    def candidates(self, summaries: list[DocumentSummary], settings: SimilaritySettings,
                   passage_keys: PassageKeys | None) -> tuple[np.ndarray, np.ndarray]:
        # The keys never came here (`passage_keys` holds none): each part's task makes its rows.
        numbers = self._scattered_numbers()
        documents = self._banded(_document_rows, numbers, sum(s.signature is not None for s in summaries),
                                 settings.document_bands, per_band=settings.document_rows)
        passages = [len(s.passages) for s in summaries]
        stride = max(passages, default=0) + 1
        found = self._banded(_passage_rows, numbers, sum(passages), settings.passage_bands, stride=stride)
        # As :func:`audit.similarity.containment_candidates` does in one process.
        contained = self._sharing(self.client.map(operator.attrgetter("anchors"), self.keys, pure=False), numbers,
                                  settings.max_anchor_documents, anchor_share(settings), "containment candidates")
        # Verification needs the signatures; the passages' band keys, most of the weight, go.
        self.signed = [self.client.submit(_signed, keys, pure=False) for keys in self.keys]
        self.keys = []
        return np.concatenate([documents, contained]), apart(summaries, np.stack(np.divmod(found[:, 0], stride), axis=1),
                                                             np.stack(np.divmod(found[:, 1], stride), axis=1))

    def _sharing(self, owned: list[Future], numbers: list[Future], most: int, share: float, what: str) -> np.ndarray:
        """The pairs of documents that share at least `share` of the keys of the one with fewer
        (each part's :class:`Owned` keys, a key of more than `most` documents left out): (key,
        document) rows shuffled by key, paired there, and the pairs' shared keys shuffled by pair
        and added up."""
        workers = self._workers()
        keys = sum(gathered(self.client.map(_owned_count, owned, pure=False), what))
        # In rounds, a share of the keys each, so that a worker holds about SHUFFLE_ROWS rows
        # of a round (at most ANCHOR_ROUNDS of them, as the LSH rounds are at most the bands).
        rounds = min(ANCHOR_ROUNDS, max(1, -(-keys // (SHUFFLE_ROWS * workers))))
        paired: list[Future] = []
        for this in range(rounds):
            mapped = self.client.map(_shared_rows, owned, numbers, rounds=(this, rounds), partitions=workers, pure=False)
            done = self._shuffled(mapped, workers, _sharing_partition, most, workers)
            wait(done)
            paired += done
        found = gathered(self._shuffled(paired, workers, _enough_partition, share), what)
        return np.concatenate([np.zeros((0, 2), dtype=np.int64)] + found)

    def copies(self, summaries: list[DocumentSummary], min_share: float) -> np.ndarray:
        # The prose keys stay where they were made, as the anchors do.
        return self._sharing(self.client.map(operator.attrgetter("prose"), self.lines, pure=False),
                             self._scattered_numbers(), MAX_COPY_EVIDENCE, min_share, "copy groups")

    def _scattered_numbers(self) -> list[Future]:
        """Each part's records' numbers among the summaries (8 bytes a document), sent to the workers
        once for the shuffles that need them."""
        if not self._number_futures:
            self._number_futures = self.client.scatter(self.numbers, hash=False)
        return self._number_futures

    def _banded(self, make: Callable[..., list[BandRows]], numbers: list[Future], items: int, bands: int,
                **given: int) -> np.ndarray:
        """The distinct pairs of rows (`items` documents or passages) colliding in some band: a
        shuffle of the rows `make` makes from each part, a few bands at a time, since all the
        parts' rows of a round wait in the workers' memory for its reduce side."""
        workers = self._workers()
        step = max(1, SHUFFLE_ROWS * workers // max(1, items))
        pairs = np.zeros((0, 2), dtype=np.int64)
        for first in range(0, bands, step):
            mapped = self.client.map(make, self.keys, numbers, bands=(first, min(bands, first + step)),
                                     partitions=workers, pure=False, **given)
            pairs = unique_pairs(np.concatenate([pairs, self._pairs(mapped, workers)]))
        return pairs

    def _workers(self) -> int:
        return max(1, len(self.client.scheduler_info()["workers"]))

    def _partitions(self, rows: int) -> int:
        """Shuffle partitions for so many rows: one per worker, or more to keep each to SHUFFLE_ROWS."""
        return max(self._workers(), -(-rows // SHUFFLE_ROWS))

    def _pairs(self, mapped: list[Future], partitions: int) -> np.ndarray:
        """The distinct colliding pairs of rows, from the parts' split rows."""
        found = self._reduced(mapped, partitions, _pair_partition, MAX_PAIRS_PER_KEY, what="LSH")
        return unique_pairs(np.concatenate([np.zeros((0, 2), dtype=np.int64)] + found))

    def _reduced(self, mapped: list[Future], partitions: int, reduce: Callable[..., Any], *args: Any, what: str) -> list[Any]:
        """Shuffle's reduce side: `reduce` of each partition's pieces of the parts' split rows."""
        return gathered(self._shuffled(mapped, partitions, reduce, *args), what)

    def _shuffled(self, mapped: list[Future], partitions: int, reduce: Callable[..., Any], *args: Any,
                  beside: Sequence[list[Future]] = ()) -> list[Future]:
        """As :meth:`_reduced`, left on the workers. With `beside` (more split rows), each reduce
        takes its partition's pieces of those too, after its own: a join."""
        if not mapped:
            return []
        pieces = [[[self.client.submit(operator.getitem, m, p) for m in split] for p in range(partitions)]
                  for split in (mapped, *beside)]
        return [self.client.submit(reduce, *(mine[p] for mine in pieces), *args, pure=False) for p in range(partitions)]

    def _components(self, verified: list[Future], count: int) -> Iterator[Edges]:
        """The verified pairs (`count` of them, left on the workers), in batches of whole connected
        components, a share of the components at a time: the components are found on the cluster
        (:mod:`audit.stars`), each pair is sent to a share by its component's label, and the shares
        come here one by one (each about CLIENT_SHARE pairs, or one big component)."""
        partitions = self._partitions(2 * count)

        def half_round(stars: list[Future], large: bool) -> list[Future]:
            mapped = self.client.map(split, stars, partitions=partitions, both=large, pure=False)
            return self._shuffled(mapped, partitions, large_star if large else small_star)

        def seen(stars: list[Future]) -> Seen:
            return total(gathered(self.client.map(operator.attrgetter("seen"), stars, pure=False), "connected components"))

        settled = converged(self.client.map(_stars_of, verified, pure=False), half_round, seen)
        shares = max(self._workers(), -(-count // CLIENT_SHARE))
        labelled = self._shuffled(self.client.map(_edge_rows, verified, partitions=partitions, pure=False), partitions,
                                  _labelled, shares,
                                  beside=[self.client.map(split, settled, partitions=partitions, both=False, pure=False)])
        found = self._shuffled(labelled, shares, Edges.joined)
        # The shares are all that is needed now: the workers may drop the rest as soon as they are made.
        del verified, settled, labelled
        for share in found:
            edges = _result(share, "connected components")
            share.release()
            yield from by_components(edges)

    def templates(self, summaries: list[DocumentSummary], details: Iterable[Details], groups: list[int],
                  minimum: int) -> Templates:
        # The line keys were counted where they were made (`details` hold them too, for the report).
        group = np.asarray(groups + [-1], dtype=np.int64)
        # -1 (no summary) indexes the -1 appended.
        scattered = self.client.scatter([group[numbers] for numbers in self.numbers], hash=False)
        partitions = self._partitions(sum(s.text_lines for s in summaries))
        mapped = self.client.map(_template_rows, self.lines, scattered, partitions=partitions, pure=False)
        counts: dict[int, int] = {}
        for keys, n in self._reduced(mapped, partitions, _count_partition, minimum, what="template count"):
            counts.update(zip(keys.tolist(), n.tolist()))
        self.lines = []
        return Templates(counts)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
