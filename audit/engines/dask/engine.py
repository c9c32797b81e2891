"""Run a scan's work on a Dask cluster: the same stages as the local engine, mapped over partitions.

The corpus is cut into parts (:meth:`audit.read.readers.Corpus.parts`: byte ranges of JSON Lines,
each compressed or text file whole); one task per part reads it and runs the same per-document
function (:meth:`audit.analyze.Analyzer.batch`), and the client receives the summaries the
report needs, never the texts. What LSH is made of stays on the worker too (the signatures and
the passages' band keys, most of a summary's bytes, which never leave): for each part the client sends back only its documents' row
numbers, and the part's task turns its keys into rows (band, key, row) hashed into shuffle
partitions by key, a few bands at a time; each partition pairs its runs with the same code as
the local engine (:func:`audit.similarity.lsh.key_pairs`), so no bucket is ever gathered into one Python
list and the pairs do not depend on how the rows were split. Containment candidates likewise: the
anchors stay on the workers, (anchor, document) rows are shuffled by anchor and paired where they
land (:func:`audit.similarity.candidates.sharing_pairs`), and the pairs' shared anchors are shuffled by pair
and added up. Verification runs where the
documents were analyzed: each part's analysis kept its documents' compared lines on its worker
(compressed; nothing is read or prepared twice), and a later task hashes the shingles of those
that some candidate pair names, and keeps them on its worker with their signatures; the pairs are
cut into blocks, each part sends each block the sets and signatures of its documents that the
block compares (a shuffle's map side, one piece a worker), and each block's task counts what
each pair shares and decides it (:func:`audit.similarity.verify`).
The verified pairs stay there; the client learns how many. Up to CLIENT_PAIRS it gathers them
(about 60 bytes a pair) and clusters them as the local engine does; past that their connected
components are found on the workers (large-star and small-star rounds, :mod:`audit.similarity.stars`), each
pair is shuffled to a share by its component, and the client clusters the shares one at a time,
so it never holds more than one. Candidate passages are verified the same way: the
parts keep where each passage is and the lines the candidates are on (the client sends only the
candidates' numbers), the passages are cut into blocks (all of one pair of documents in one,
which merges their windows) and sent their documents' lines the same way, so the client
receives only the shared passages the report quotes. Template lines are counted the same way: each part's
task keeps its documents' line keys and prose-line keys; the copies among the documents
(sharing most of their prose lines) are paired from the prose keys as the containment
candidates are from the anchors, the client joins those pairs and the clusters into copy
groups and sends each part its documents' groups, and the (key, group) rows are shuffled by key
and counted where they land; the template keys and their counts go back to the parts, which find
their documents' template lines: the client receives those lines' numbers. Only this module
and :mod:`audit.engines.dask.frames` (which the tasks' module imports) import Dask (``corpus-audit[dask]``).
"""

from __future__ import annotations

import heapq
import operator
import os
import pickle
import uuid
from functools import partial
from itertools import islice
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

try:
    import dask
    from dask.utils import funcname
    from distributed import Client, Future, LocalCluster, as_completed
    from distributed.scheduler import KilledWorker
except ImportError as exc:  # pragma: no cover - depends on the install
    from audit.errors import ConfigError

    raise ConfigError("{engine} needs the dask extra: pip install 'corpus-audit[dask]'", engine="dask") from exc

from audit.analyze import Analyzer
from audit.engines.blocks import Block
from audit.engines.dask import shuffle, tasks
from audit.engines.dask.shuffle import BandRows
from audit.errors import AuditError, ConfigError, InputError
from audit.lines.templates import MAX_COPY_EVIDENCE, Hits, TemplateInput, Templates
from audit.read.checked import documents
from audit.read.locations import size
from audit.read.readers import Corpus, Part, count_lines, numbered
from audit.records import DocumentSummary, Finding, Origin
from audit.settings import ScanSettings, SimilaritySettings
from audit.similarity.candidates import MAX_PAIRS_PER_KEY, anchor_share, apart
from audit.similarity.cluster import by_components
from audit.similarity.duplicates import Comparer, Loader
from audit.similarity.keystore import PassageKeys
from audit.similarity.passage_table import PassageTable
from audit.similarity.lsh import unique_pairs
from audit.similarity.stars import Seen, converged, large_star, small_star, split, total
from audit.similarity.verify import VERIFY_BLOCK, Edges, passage_blocks, word_counts

#: Shuffle rows a partition takes in a round, at least (17 bytes a band-key row, and the sort's
#: copies): an LSH shuffle takes as many bands at a time, and the shared keys as many rounds, as
#: keep each worker's share of the rows to this, or to what SHUFFLE_MEMORY_SHARE of the least
#: memory limit among the workers holds at SHUFFLE_ROW_BYTES a row, if more. Each round and each
#: partition costs the scheduler a task a worker (a shuffle's pieces, :meth:`DaskEngine._lanes`):
#: at a billion documents, a million rows a partition made 37 rounds of the documents' bands
#: alone, however much memory the workers had.
SHUFFLE_ROWS = 1_000_000
#: A worker's peak memory a shuffle row of a round, about: 4 million rows a round against 1
#: million raised the workers' peak by 184 MB (bench/HISTORY.md, issue 9's round, dba3d7f).
SHUFFLE_ROW_BYTES = 64
SHUFFLE_MEMORY_SHARE = 1 / 8
#: What a verification task holds for a candidate pair, and for a candidate passage, at most:
#: both documents' shingle sets and signatures (3.75 KB a planted document), or both documents'
#: lines and places (2.9 KB; bench/HISTORY.md, the twenty-second round), doubled for what Python
#: adds. A task takes VERIFY_BLOCK pairs or PASSAGE_BLOCK passages, or as many more as the
#: workers' memory share holds: each block costs a task a worker that holds its documents.
PAIR_BYTES = 16 * 1024
PASSAGE_ROW_BYTES = 12 * 1024
#: Candidate passages verified in one task, about (a second or two of work); all those of one
#: pair of documents go to the same task, which merges their windows.
PASSAGE_BLOCK = 20_000
#: A stage's candidate passages, and its candidate pairs, are cut into about PASSAGE_TASKS_PER_WORKER
#: tasks a worker (cut by PASSAGE_BLOCK alone, one worker was left with the last big one), of about
#: MIN_PASSAGE_BLOCK rows at least.
MIN_PASSAGE_BLOCK = 1_000
PASSAGE_TASKS_PER_WORKER = 3
#: Parts a worker should get, at least: a corpus cut at the settings' blocksize into fewer is cut
#: finer, into parts of about MIN_BLOCKSIZE at the finest. At the 64 MiB default a 200 MB file makes 3 parts, which leaves 5
#: of 8 workers idle (20,000 planted documents, 46 MB, were one part for 2 workers); with a few
#: parts each, a worker's last part is a small share of its work. Never more parts than ranges of
#: 4 MiB would make: each shuffle round makes a task per part and worker, so a small corpus on many
#: workers would make the scheduler's work grow with the square of the workers.
PARTS_PER_WORKER = 4
MIN_BLOCKSIZE = 4 * 1024 * 1024
#: A shuffle's lane: a task that holds the pieces of some map tasks (their indexes), by partition.
Lane = tuple[Future, list[int]]
#: Parts of the analysis the client fetches ahead of the one it reads, at most, per worker: done
#: early, they are fetched while the workers work on, not one by one after the last (each holds
#: its documents' summaries and details on the client until read).
FETCH_AHEAD = 2
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
#: The Dask settings of the cluster a scan starts for itself, which has no dashboard: what is
#: measured only for one is measured seldom or not at all. Sampling each task's stack every 10 ms
#: cost the workers about 3% of their CPU (bench/HISTORY.md, "the eleventh round"). Each process's
#: event-loop latency probe (every 20 ms) and system monitor (every 0.5 s) cost an idle cluster of
#: two workers 5% of a core, which a busy one pays too ("the fifteenth round"): the probe's
#: warning still comes past its 3 s limit, and the workers' memory limits are checked on their own
#: clock (``distributed.worker.memory.monitor-interval``), which is left as it is.
LOCAL_DIAGNOSTICS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


def _result(future: Future, what: str) -> Any:
    return gathered([future], what)[0]


def gathered(futures: list[Future], what: str) -> list[Any]:
    """The results of tasks in order, fetched from the workers together (one by one, 11 MB of
    shared passages took 0.8 s to come, the workers idle); a task the cluster gave up on stops the
    run with one line."""
    if not futures:
        return []
    try:
        return list(futures[0].client.gather(futures))
    except (KilledWorker, CancelledError, OSError) as exc:
        # Dask retries a task whose worker died; this is when it gave up. An OSError is a file a
        # task could not read (named in it), or the scheduler gone (CommClosedError); a task that
        # cannot write its output raises the OutputError naming it, which passes as it is.
        # Either way no report is written, and a clean leaves no manifest.
        raise AuditError(f"the Dask cluster could not finish the {what}: {type(exc).__name__}: {exc}") from exc


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
        # Per part, on the workers, until the template findings are made: its compared lines (:class:`tasks.Kept`).
        self.kept: list[Future] = []
        self.numbers: list[np.ndarray] = []
        self._number_futures: list[Future] = []
        if self.settings.scheduler:
            try:
                self.client = Client(self.settings.scheduler, timeout=self.settings.connect_timeout)
            except OSError as exc:
                raise ConfigError(f"cannot reach the Dask scheduler at {self.settings.scheduler}: {exc}") from exc
        else:
            # Loopback only: a scan's local cluster is not a service for the network. It has no
            # dashboard, so nobody reads its diagnostics (LOCAL_DIAGNOSTICS).
            with dask.config.set(LOCAL_DIAGNOSTICS):
                self.cluster = LocalCluster(n_workers=self.settings.workers or os.cpu_count() or 1,
                                            threads_per_worker=1, processes=True, host="127.0.0.1",
                                            dashboard_address=None)
            self.client = Client(self.cluster)

    def blocks(self, corpus: Corpus, analyzer: Analyzer, problems: list[Finding]) -> Iterator[Block]:
        parts = self._parts(corpus)
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
        # A task's result made from its bytes, not scattered data: data scattered is lost for good with
        # the last worker that holds it, and Dask's memory manager keeps one copy of a value no task
        # waits on (a broadcast's other copies are dropped), so a worker lost mid-run took the
        # analyzer with it and failed the scan; a task's result is made again elsewhere. Not pure:
        # Dask would name it by a token of its contents, and tokenizing the rules and the lexicon
        # field by field took 3 s of the client's CPU before any work was sent.
        shared = self.client.submit(pickle.loads, pickle.dumps(analyzer, protocol=pickle.HIGHEST_PROTOCOL), pure=False)
        analyzed = self.client.map(tasks.analyze_part, parts, analyzer=shared, fields=corpus.fields,
                                   max_bytes=corpus.max_bytes, pure=False)
        records = [self.client.submit(operator.getitem, a, 0) for a in analyzed]
        self.keys = [self.client.submit(operator.getitem, a, 1) for a in analyzed]
        self.lines = [self.client.submit(operator.getitem, a, 2) for a in analyzed]
        self.kept = [self.client.submit(operator.getitem, a, 3) for a in analyzed]
        # Let go here, not when the analysis is read to its end: each part's whole result is freed
        # on its worker as soon as its four pieces are taken apart.
        del analyzed
        self.numbers, self._number_futures = [], []
        return self._blocks(records, problems)

    def _blocks(self, records: list[Future], problems: list[Finding]) -> Iterator[Block]:
        """The parts' blocks in reading order, less the summaries of repeated ids (then input
        problems, as the parts' own are)."""
        seen: dict[str, Origin] = {}
        index = 0
        for part in self._in_order(records):
            # Each record's index among the summaries, at its position in its part (-1 for one the
            # scan leaves out): the LSH rows are made where the keys are.
            ids = [s.id for s in part.block.summaries]
            if len(ids) == len(part.records) and seen.keys().isdisjoint(ids) and len(set(ids)) == len(ids):
                # No problem and no repeated id (most parts): their ids noted at once, not one by one.
                seen.update(zip(ids, (s.origin for s in part.block.summaries)))
                numbers, block = np.arange(index, index + len(ids), dtype=np.int64), part.block
            else:
                numbers = np.full(len(part.records), -1, dtype=np.int64)
                where = {id(r): p for p, r in enumerate(part.records)}
                kept = [where[id(s)] for s in documents(part.records, self.settings.strict, problems, seen)]
                numbers[kept] = np.arange(index, index + len(kept))
                block = part.block
                if len(kept) < len(part.block):  # a repeated id left a summary out (the block's are the records')
                    left = {id(part.records[p]) for p in kept}
                    block = block.only([k for k, s in enumerate(block.summaries) if id(s) in left])
            self.numbers.append(numbers)
            index += len(block)
            yield block

    def _parts(self, corpus: Corpus) -> list[Part]:
        """The corpus's parts at the settings' blocksize, or cut finer where that gives the workers
        fewer than PARTS_PER_WORKER each: PARTS_PER_WORKER parts a worker in all (never more than
        ranges of MIN_BLOCKSIZE would make; then a multiple of the workers), each file's ranges of
        one size. Only plain JSON Lines files can be cut; how they are cut never changes a result."""
        parts = corpus.parts(self.settings.blocksize)
        workers = self._workers()
        want = PARTS_PER_WORKER * workers
        if len(parts) >= want or self.settings.blocksize <= MIN_BLOCKSIZE:
            return parts
        fine = corpus.parts(MIN_BLOCKSIZE)
        files: list[list[Part]] = []  # the fine parts, a list for each file given (in order)
        for p in fine:
            if files and p.path == files[-1][0].path and p.start > files[-1][-1].start:
                files[-1].append(p)
            else:
                files.append([p])
        cut = [ranges for ranges in files if len(ranges) > 1]
        if not cut:
            return parts
        # Ranges of one size, not MIN_BLOCKSIZE's and a remainder: the workers' last ranges then end
        # together (45 MiB in 11 ranges of 4 MiB and one of 1.4 MiB kept one worker of two waiting
        # 2 s at the end of the analysis). The files are given ranges in proportion to their sizes.
        count = want if len(fine) >= want else len(fine) // workers * workers or len(fine)
        shares = iter(_shares(max(count - (len(files) - len(cut)), len(cut)), [len(ranges) for ranges in cut]))
        return [p for ranges in files for p in (_equal_ranges(ranges, next(shares)) if len(ranges) > 1 else ranges)]

    def _check_shared(self, parts: list[Part]) -> None:
        """Stop with a clear message when the scheduler's workers cannot read local files that this
        machine reads (workers on other machines, or started in another folder, with a relative
        path or stdin given), which would otherwise become input errors or a traceback."""
        # A folder's part (a folder with no file to read) is reported without reading anything.
        local = sorted({p.path for p in parts
                        if p.kind != "folder" and "://" not in p.path and os.path.exists(p.path)})
        displays = {p.path: p.display for p in parts}
        chunks = [local[at:at + CHECK_FILES] for at in range(0, len(local), CHECK_FILES)]
        for missing in gathered(self.client.map(tasks.unreadable, chunks, pure=False), "a check of the input files"):
            if missing:
                path, why = missing[0]
                raise InputError(f"{displays[path]}: the Dask workers cannot read it ({why}), though this machine "
                                 "can: give the corpus at a path the workers see (an absolute path on a "
                                 "filesystem they share, or a URL such as s3://bucket/path)")

    def _in_order(self, futures: list[Future]) -> Iterator[tasks.Analyzed]:
        """The parts' analyses in reading order, each part let go once read.

        Each part is fetched as soon as it is done, even while an earlier one still runs (up to
        FETCH_AHEAD parts a worker past the one being read). Fetched in order, the parts that
        finished while the client waited for an earlier one were fetched one by one after the
        analysis, the workers idle (bench/HISTORY.md, the tenth round)."""
        place = {future.key: k for k, future in enumerate(futures)}
        ahead = FETCH_AHEAD * self._workers()
        fetched: dict[int, tasks.Analyzed] = {}
        done: list[int] = []  # a heap of the parts finished too far ahead to fetch yet
        finished = self._finished(futures)
        for k in range(len(futures)):
            while k not in fetched:
                ready = []
                while done and done[0] < k + ahead:
                    ready.append(heapq.heappop(done))
                if not ready:
                    heapq.heappush(done, place[next(finished).key])
                    continue
                for j, part in zip(ready, gathered([futures[j] for j in ready], "scan")):
                    fetched[j] = part
                    futures[j].release()
            yield fetched.pop(k)

    def _finished(self, futures: list[Future]) -> Iterator[Future]:
        """The futures as they finish, watched on this engine's client's loop (by default,
        ``as_completed`` watches on the default client's, which need not be this one's)."""
        return as_completed(futures, loop=self.client.loop)

    def loader(self, compared: Sequence[list[str]]) -> Loader:
        # The compared lines stayed on the workers (`compared` is empty): each part gives its wanted ones.
        def load(needed: set[int]) -> Iterator[tuple[int, list[str]]]:
            wanted = np.array(sorted(needed), dtype=np.int64)
            chosen, shares = self._shares(wanted)
            numbers = self._scattered_numbers()
            futures = self.client.map(tasks.load_part, [self.kept[k] for k in chosen], [numbers[k] for k in chosen],
                                      shares, pure=False)
            for future in futures:
                yield from _result(future, "reading of compared lines").items
                # Released as read: for template lines the wanted documents may be all of them.
                future.release()
            # The template findings are the last to read them: the workers may drop the lines.
            self.kept = []
        return load

    def _shares(self, *rows: np.ndarray) -> tuple[list[int], list[Future]]:
        """The parts that hold some of the documents `rows` name in their first column (each
        array sorted by it), and each such part's share of every array, scattered: a part is given
        only its own documents' rows, not all of them (which every part was once sent whole).
        Scattered, not passed as they are: a map argument over 100 kB becomes a graph node named
        after it, which the scheduler rejects (distributed 2026.8: "AssertionError: <TaskState
        'wanted' processing>"); a few thousand candidates are past that."""
        chosen, shares = [], []
        firsts = [r if r.ndim == 1 else r[:, 0] for r in rows]
        for k, numbers in enumerate(self.numbers):
            # A part's documents are consecutive indexes (-1 for a record the scan left out).
            held = numbers[numbers >= 0]
            if not len(held):
                continue
            lo, hi = int(held[0]), int(held[-1]) + 1
            mine = [r[np.searchsorted(f, lo):np.searchsorted(f, hi)] for r, f in zip(rows, firsts)]
            if len(mine[0]):
                chosen.append(k)
                shares.append(mine[0] if len(mine) == 1 else tuple(mine))
        return chosen, self.client.scatter(shares, hash=False) if shares else []

    def comparer(self, load: Loader, summaries: list[DocumentSummary]) -> Comparer:
        return partial(self._compare, summaries)

    def _compare(self, summaries: list[DocumentSummary], pairs: np.ndarray, passages: np.ndarray,
                 settings: SimilaritySettings) -> tuple[Iterator[Edges], PassageTable]:
        """The :data:`audit.similarity.duplicates.Comparer` on the cluster: the candidates' documents are
        taken from the compared lines their parts kept, routed to blocks of pairs and of passages,
        and verified there. Only the passages the report quotes come back; the verified pairs come whole up to
        CLIENT_PAIRS, else a share of their connected components at a time (:meth:`_components`)."""
        # The candidate passages' documents and places: each part finds the lines they are on
        # (where it kept the passages' table), and the workers send back only what is quoted.
        sides = unique_pairs(np.asarray(passages, dtype=np.int64).reshape(-1, 2))
        needed = np.union1d(pairs.ravel(), sides[:, 0]).astype(np.int64)
        if not len(needed):
            return iter(()), []
        chosen, shares = self._shares(needed, sides)
        numbers = self._scattered_numbers()
        # Each part's signatures join its sets where the part was analyzed: the client has none.
        loaded = self.client.map(tasks.sets_part, [self.kept[k] for k in chosen], [self.signed[k] for k in chosen],
                                 [numbers[k] for k in chosen], shares, size=settings.shingle_size, pure=False)
        # The sets carry what verification needs of the signatures: the workers may drop them
        # once the sets are made (about half a kilobyte a document).
        self.signed = []
        # The sets stay on the workers; the client learns only which part holds which document.
        part_of = np.full(len(summaries), -1, dtype=np.int64)
        for k, held in enumerate(gathered(self.client.map(tasks.found_documents, loaded, pure=False), "verification")):
            part_of[held] = k
        # A document no part holds (none should be: each part kept its summaries' lines) is
        # compared in no block: its pairs share nothing.
        pairs = pairs[(part_of[pairs] >= 0).all(axis=1)]
        passages = passages[(part_of[passages[:, [0, 2]]] >= 0).all(axis=1)]
        # Blocks of pairs, and of passages (all those of a pair of documents in one, which merges
        # their windows), a few a worker, so that none is left with the last big one while the
        # others wait. Each part sends each block only the documents it compares: blocks of
        # whole parts or groups of parts were a task a pair of groups that a candidate joins,
        # at a billion documents up to one a candidate pair, each given two groups' sets.
        workers = self._workers()
        share = self._memory_share()
        most = _block(len(pairs), max(VERIFY_BLOCK, share // PAIR_BYTES), workers)
        pair_blocks = [slice(at, at + most) for at in range(0, len(pairs), most)]
        passage_cut = passage_blocks(passages, len(summaries),
                                     _block(len(passages), max(PASSAGE_BLOCK, share // PASSAGE_ROW_BYTES), workers))
        got, wanted = self._routed(loaded, part_of, [pairs[b] for b in pair_blocks] +
                                   [passages[b][:, [0, 2]] for b in passage_cut], len(pair_blocks))
        del loaded

        def pieces(b: int) -> list[Future]:
            return [got[lane][b] for lane in wanted[b]]

        # The verified pairs stay where they were verified: the client learns how many. The
        # blocks' payloads go a round of tasks to a scatter (each scatter waits for the workers'
        # answer, a tenth of a second here), so that the scheduler never holds more than a round's.
        words = word_counts(summaries)
        verified = self._block_tasks(tasks.verified, settings, ((pieces(b), (pairs[block], words[pairs[block]]))
                                                                for b, block in enumerate(pair_blocks)))
        found = self._block_tasks(tasks.passages, settings, (
            (pieces(b), tasks.PassageBlock(mine, {i: (summaries[i].id, summaries[i].source)
                                                  for i in set(mine[:, [0, 2]].ravel().tolist())}))
            for b, mine in enumerate((passages[block] for block in passage_cut), start=len(pair_blocks))))
        # The pieces are the blocks' now: each is let go when its block is done.
        got.clear()
        # Each task's passages fetched as it finishes, while the others run (gathered together after
        # the last, every worker idle, bench/HISTORY.md, the tenth round): joined in the order of their keys.
        shared = PassageTable.joined([_result(task, "passage verification") for task in self._finished(found)])
        count = sum(gathered(self.client.map(len, verified, pure=False), "verification"))
        if count > CLIENT_PAIRS:
            return self._components(verified, count), shared
        return by_components(Edges.joined(gathered(verified, "verification"))), shared

    def _block_tasks(self, task: Callable[..., Any], settings: SimilaritySettings,
                     blocks: Iterable[tuple[list[Future], Any]]) -> list[Future]:
        """A `task` per block of candidate pairs or passages (with the pieces routed to it), their
        payloads sent PASSAGE_TASKS_PER_WORKER a worker to a scatter."""
        found: list[Future] = []
        given = iter(blocks)
        while batch := list(islice(given, PASSAGE_TASKS_PER_WORKER * self._workers())):
            payloads = self.client.scatter([payload for _, payload in batch], hash=False)
            found += [self.client.submit(task, pieces, payload, settings, pure=False)
                      for (pieces, _), payload in zip(batch, payloads)]
        return found

    def _routed(self, loaded: list[Future], part_of: np.ndarray, blocks: list[np.ndarray],
                verifying: int) -> tuple[list[dict[int, Future]], list[list[int]]]:
        """Each part's wanted documents (`loaded`) routed to the `blocks` that compare them (the
        documents each block compares, in any shape; the first `verifying` verify pairs), in one
        task a worker where the parts are (:func:`tasks.routed`): each such lane's pieces by block
        (of the blocks it holds documents of), and for each block those lanes."""
        # Each block's documents once, then by part (stably: by block within a part).
        distinct = [np.unique(b) for b in blocks]
        doc = np.concatenate([np.zeros(0, dtype=np.int64)] + distinct)
        block = np.repeat(np.arange(len(blocks)), [len(d) for d in distinct])
        order = np.argsort(part_of[doc], kind="stable")
        doc, block, part = doc[order], block[order], part_of[doc[order]]
        parts, starts = np.unique(part, return_index=True)
        ends = np.append(starts[1:], len(part))
        scattered = self.client.scatter([(doc[a:z], block[a:z]) for a, z in zip(starts.tolist(), ends.tolist())],
                                        hash=False) if len(parts) else []
        lanes = self._where_held(tasks.routed, "routed", [loaded[k] for k in parts.tolist()], scattered,
                                 verifying=verifying)
        lane_of = np.zeros(len(loaded), dtype=np.int64)
        for lane, (_, members) in enumerate(lanes):
            lane_of[parts[members]] = lane
        wanted: list[list[int]] = [[] for _ in blocks]
        served: list[list[int]] = [[] for _ in lanes]
        for key in np.unique(block * max(1, len(lanes)) + lane_of[part]).tolist():
            b, lane = divmod(key, max(1, len(lanes)))
            wanted[b].append(lane)
            served[lane].append(b)
        return [dict(zip(mine, self.client.map(operator.getitem, [future] * len(mine), mine, pure=False)))
                for (future, _), mine in zip(lanes, served)], wanted

    def candidates(self, summaries: list[DocumentSummary], settings: SimilaritySettings,
                   passage_keys: PassageKeys | None) -> tuple[np.ndarray, np.ndarray]:
        # The keys never came here (`passage_keys` holds none): each part's task makes its rows.
        numbers = self._scattered_numbers()
        documents = self._banded(shuffle.document_rows, numbers, sum(s.signature is not None for s in summaries),
                                 settings.document_bands, per_band=settings.document_rows)
        # The passages' tables stayed on the workers too: the client learns only how many.
        counts = gathered(self.client.map(tasks.passage_counts, self.kept, pure=False), "LSH candidates")
        stride = max((most for _, most in counts), default=0) + 1
        found = self._banded(shuffle.passage_rows, numbers, sum(total for total, _ in counts), settings.passage_bands,
                             stride=stride)
        # As :func:`audit.similarity.candidates.containment_candidates` does in one process.
        contained = self._sharing(self.client.map(operator.attrgetter("anchors"), self.keys, pure=False), numbers,
                                  settings.max_anchor_documents, anchor_share(settings), "containment candidates")
        # Verification needs the signatures; the passages' band keys, most of the weight, go.
        self.signed = [self.client.submit(tasks.signatures_of, keys, pure=False) for keys in self.keys]
        self.keys = []
        return np.concatenate([documents, contained]), apart(summaries, np.stack(np.divmod(found[:, 0], stride), axis=1),
                                                             np.stack(np.divmod(found[:, 1], stride), axis=1))

    def _sharing(self, owned: list[Future], numbers: list[Future], most: int, share: float, what: str) -> np.ndarray:
        """The pairs of documents that share at least `share` of the keys of the one with fewer
        (each part's :class:`Owned` keys, a key of more than `most` documents left out): (key,
        document) rows shuffled by key, paired there, and the pairs' shared keys shuffled by pair
        and added up."""
        workers = self._workers()
        keys = sum(gathered(self.client.map(tasks.owned_count, owned, pure=False), what))
        # In rounds, a share of the keys each, so that a worker holds about its rows' share of a
        # round (at most ANCHOR_ROUNDS of them, as the LSH rounds are at most the bands).
        # Past those, a round's partitions are more than the workers.
        rounds = min(ANCHOR_ROUNDS, max(1, -(-keys // (self._rows() * workers))))
        partitions = self._partitions(-(-keys // rounds))
        paired: list[Future] = []
        for this in range(rounds):
            mapped = self._mapped(shuffle.shared_rows, owned, numbers, rounds=(this, rounds), partitions=partitions)
            done = self._shuffled(mapped, partitions, shuffle.sharing_partition, most, workers)
            for _ in self._finished(done):  # before the next round's rows are made
                pass
            paired += done
        found = gathered(self._shuffled(self._lanes(paired), workers, shuffle.enough_partition, share), what)
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
        # A band's rows are more than the workers take (a billion documents' passages): more partitions.
        step = max(1, self._rows() * self._workers() // max(1, items))
        partitions = self._partitions(items * step)
        pairs = np.zeros((0, 2), dtype=np.int64)
        for first in range(0, bands, step):
            mapped = self._mapped(make, self.keys, numbers, bands=(first, min(bands, first + step)),
                                  partitions=partitions, **given)
            # Each partition's pairs are distinct; one pair may be found in several partitions
            # (by different bands) and steps: one sort over all of them makes them distinct.
            found = self._reduced(mapped, partitions, shuffle.pair_partition, MAX_PAIRS_PER_KEY, what="LSH")
            pairs = unique_pairs(np.concatenate([pairs, *found]))
        return pairs

    def _workers(self) -> int:
        return max(1, len(self.client.scheduler_info()["workers"]))

    def _memory_share(self) -> int:
        """Bytes a task of a shuffle or of verification may take: SHUFFLE_MEMORY_SHARE of the
        least memory limit among the workers, a thread's share of it (0 where one has none)."""
        limits = [(w.get("memory_limit") or 0) // max(1, w.get("nthreads") or 1)
                  for w in self.client.scheduler_info()["workers"].values()]
        return int(min(limits, default=0) * SHUFFLE_MEMORY_SHARE)

    def _rows(self) -> int:
        """Shuffle rows a partition takes in a round: SHUFFLE_ROWS, or more where the workers'
        memory allows (:meth:`_memory_share`, at SHUFFLE_ROW_BYTES a row)."""
        return max(SHUFFLE_ROWS, self._memory_share() // SHUFFLE_ROW_BYTES)

    def _partitions(self, rows: int) -> int:
        """Shuffle partitions for so many rows: one per worker, or more to keep each to :meth:`_rows`."""
        return max(self._workers(), -(-rows // self._rows()))

    def _reduced(self, lanes: list[Lane], partitions: int, reduce: Callable[..., Any], *args: Any,
                 what: str) -> list[Any]:
        """Shuffle's reduce side: `reduce` of each partition's pieces of the parts' split rows."""
        return gathered(self._shuffled(lanes, partitions, reduce, *args), what)

    def _shuffled(self, lanes: list[Lane], partitions: int, reduce: Callable[..., Any], *args: Any,
                  beside: Sequence[list[Lane]] = ()) -> list[Future]:
        """As :meth:`_reduced`, left on the workers. With `beside` (more split rows), each reduce
        takes its partition's pieces of those too, after its own: a join."""
        if not lanes:
            return []
        # A map a lane, not a submit a piece: a third less of the client's and the scheduler's CPU a
        # task (bench/HISTORY.md, the twenty-second round).
        got = [[self.client.map(operator.getitem, [lane] * partitions, range(partitions), pure=False)
                for lane, _ in mine] for mine in (lanes, *beside)]
        pieces = [[[mine[p] for mine in lanes] for p in range(partitions)] for lanes in got]
        # Named for their reduce, as Dask names a task for its function (a dashboard shows it).
        name = funcname(reduce)
        return [self.client.submit(shuffle.from_lanes, reduce, len(pieces), *(mine[p] for mine in pieces), *args,
                                   key=f"{name}-{uuid.uuid4().hex}")
                for p in range(partitions)]

    def _lanes(self, mapped: list[Future]) -> list[Lane]:
        """The map tasks' splits joined into one a worker (:func:`shuffle.lane`), where they are.
        A piece a map task and partition made parts × partitions tasks a shuffle: at a billion
        documents, 35,480 parts of 64 MiB and 256 workers, nine million a round, each
        costing the scheduler about half a millisecond (bench/dask_tasks.py). Joined, a shuffle
        is workers × partitions pieces whatever the parts."""
        return self._where_held(shuffle.lane, funcname(shuffle.lane), mapped, range(len(mapped)))

    def _mapped(self, make: Callable[..., list[Any]], held: list[Future], *others: Sequence[Any],
                **given: Any) -> list[Lane]:
        """A shuffle's map side made in lanes: `make` of each part's `held[k]` (and ``others[..][k]``,
        and `given`), run a worker at a time where the `held` are (:func:`shuffle.made`), so that
        a round costs a task a worker, not a part, before its pieces are taken."""
        return self._where_held(shuffle.made, funcname(make), held, range(len(held)), *others, make=make, **given)

    def _where_held(self, task: Callable[..., Any], name: str, held: list[Future], *others: Sequence[Any],
                    **given: Any) -> list[Lane]:
        """One `task` a worker, run where it holds some of the `held` (named `name`): given its
        share of `held` and of each of `others`, as lists in the same order, and `given`."""
        return [(self.client.submit(task, [held[k] for k in mine], *[[o[k] for k in mine] for o in others],
                                    workers=where, allow_other_workers=where is not None,
                                    key=f"{name}-{uuid.uuid4().hex}", **given), mine)
                for where, mine in self._held(held)]

    def _held(self, futures: list[Future]) -> list[tuple[list[str] | None, list[int]]]:
        """The futures' indexes by the worker that holds each (as a task's ``workers`` hint), once
        they are done (a shuffle's reduce waits for them all anyway)."""
        for _ in self._finished(futures):
            pass
        # One that failed or was cancelled stops the run with its one line, as a gathered result would.
        gathered([f for f in futures if f.status in ("error", "cancelled")], "shuffle")
        held: dict[str, list[int]] = {}
        for k, holders in enumerate(map(self.client.who_has(futures).get, [f.key for f in futures])):
            # Held nowhere: its result was lost with its worker, and Dask makes it again, anywhere.
            held.setdefault(min(holders) if holders else "", []).append(k)
        return [([where] if where else None, mine) for where, mine in sorted(held.items())]

    def _components(self, verified: list[Future], count: int) -> Iterator[Edges]:
        """The verified pairs (`count` of them, left on the workers), in batches of whole connected
        components, a share of the components at a time: the components are found on the cluster
        (:mod:`audit.similarity.stars`), each pair is sent to a share by its component's label, and the shares
        come here one by one (each about CLIENT_SHARE pairs, or one big component)."""
        partitions = self._partitions(2 * count)

        def half_round(stars: list[Future], large: bool) -> list[Future]:
            mapped = self.client.map(split, stars, partitions=partitions, both=large, pure=False)
            return self._shuffled(self._lanes(mapped), partitions, large_star if large else small_star)

        def seen(stars: list[Future]) -> Seen:
            return total(gathered(self.client.map(operator.attrgetter("seen"), stars, pure=False), "connected components"))

        settled = converged(self.client.map(shuffle.stars_of, verified, pure=False), half_round, seen)
        shares = max(self._workers(), -(-count // CLIENT_SHARE))
        edges = self.client.map(shuffle.edge_rows, verified, partitions=partitions, pure=False)
        labelled = self._shuffled(self._lanes(edges), partitions,
                                  shuffle.labelled, shares,
                                  beside=[self._lanes(self.client.map(split, settled, partitions=partitions, both=False,
                                                                      pure=False))])
        found = self._shuffled(self._lanes(labelled), shares, Edges.joined)
        # The shares are all that is needed now: the workers may drop the rest as soon as they are made.
        del verified, settled, labelled
        for share in found:
            edges = _result(share, "connected components")
            share.release()
            yield from by_components(edges)

    def templates(self, summaries: list[DocumentSummary], inputs: Sequence[TemplateInput], groups: np.ndarray,
                  minimum: int) -> Iterator[tuple[int, Hits]]:
        # The line keys are counted where they were made, and each part finds its documents'
        # template lines there (`inputs` holds none of the keys): the client receives the hits.
        group = np.append(groups, -1)
        # -1 (no summary) indexes the -1 appended.
        scattered = self.client.scatter([group[numbers] for numbers in self.numbers], hash=False)
        partitions = self._partitions(sum(s.text_lines for s in summaries))
        mapped = self._mapped(shuffle.template_rows, self.lines, scattered, partitions=partitions)
        counts: dict[int, int] = {}
        for keys, n in self._reduced(mapped, partitions, shuffle.count_partition, minimum, what="template count"):
            counts.update(zip(keys.tolist(), n.tolist()))
        [templates] = self.client.scatter([Templates(counts)], broadcast=True, hash=False)
        found = self.client.map(tasks.template_hits, self.lines, self._scattered_numbers(), templates=templates,
                                pure=False)
        self.lines = []
        # The parts in reading order, each in its documents' order: the hits come in document order.
        for part in gathered(found, "template lines"):
            yield from part.items

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _block(rows: int, most: int, workers: int) -> int:
    """Rows of pairs or passages a task compares: about PASSAGE_TASKS_PER_WORKER tasks a worker,
    of MIN_PASSAGE_BLOCK rows at least and `most` at most.

    >>> _block(3_000, 16_384, 2), _block(60_000, 16_384, 4), _block(10 ** 9, 16_384, 256)
    (1000, 5000, 16384)
    """
    return min(most, max(MIN_PASSAGE_BLOCK, -(-rows // (PASSAGE_TASKS_PER_WORKER * workers))))


def _shares(total: int, weights: list[int]) -> list[int]:
    """`total` shared in proportion to `weights` (each share at least 1 and at most its weight, when
    `total` is at most their sum), the largest remainders rounded up.

    >>> _shares(7, [30, 20]), _shares(8, [12]), _shares(3, [2, 2, 2])
    ([4, 3], [8], [1, 1, 1])
    """
    exact = [total * w / sum(weights) for w in weights]
    out = [max(1, int(x)) for x in exact]
    for i in sorted(range(len(out)), key=lambda i: int(exact[i]) - exact[i])[:max(0, total - sum(out))]:
        out[i] += 1
    return out


def _equal_ranges(ranges: list[Part], n: int) -> list[Part]:
    """A file's byte `ranges` as `n` ranges of one size (the file's size read again; unreadable:
    `ranges` as they are, and the read reports it)."""
    try:
        length = size(ranges[0].path)
    except OSError:
        return ranges
    step = -(-length // n)
    return [replace(ranges[0], start=k * step, end=(k + 1) * step if (k + 1) * step < length else None)
            for k in range(n)]
