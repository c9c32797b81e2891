"""The local engine: per-document work in a pool of processes, and the corpus pass's heavy blocks too.

The pool is bounded (only a few blocks are in flight), so memory follows the summaries, not the
corpus; verification reads the compared lines the analysis left in the scan's spool. The corpus
pass runs in this process, and hands its blocks of work (an LSH band's pairs, a block of candidate
passages: :mod:`audit.similarity.work`) to a second pool, started after the analysis's. The
workers die with this process, however it ends (``kill -9`` included): none is left holding
memory and spool files.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, islice
from typing import Any

import numpy as np

from audit.analyze import Analyzer
from audit.engines.blocks import Block
from audit.lines.templates import Hits, TemplateInput, count_templates
from audit.read.checked import documents
from audit.read.readers import Corpus
from audit.records import Document, DocumentSummary, Finding
from audit.settings import ScanSettings, SimilaritySettings
from audit.similarity.candidates import copy_pairs, lsh_candidates
from audit.similarity.duplicates import Comparer, Loader, compare_loaded
from audit.similarity.keystore import PassageKeys
from audit.similarity.work import Run, here

#: Documents from which the corpus pass runs its blocks in a pool: starting one (forking a main
#: process that holds every summary) costs about a second, which the pool wins back only on a
#: large pass (20,000 planted documents: 3.07 s against 4.08 s in this process; 4,000: about
#: 1.4 s against 0.4 s).
POOL_AFTER = 20_000
#: Documents analyzed together (the language of a batch's documents is identified at once).
BATCH_SIZE = 32
#: Documents sent to a worker process at a time, analyzed a batch at a time, and given to the
#: scan as one block: what the scan's process does for each block (receive it, add up its
#: figures, a few for each of its sources) is then done once for so many documents
#: (bench/HISTORY.md, the twentieth round).
BLOCK_SIZE = 4 * BATCH_SIZE


def _blocks(docs: Iterable[Document]) -> Iterator[list[Document]]:
    it = iter(docs)
    while block := list(islice(it, BLOCK_SIZE)):
        yield block


def _workers(jobs: int) -> int:
    """The processes `jobs` asks for (0: one per core)."""
    return jobs or os.cpu_count() or 1


def analyze_all(docs: Iterable[Document], analyzer: Analyzer, jobs: int) -> Iterator[Block]:
    """Blocks of summaries in input order, a block of BLOCK_SIZE documents each; a process pool
    when there is more than one block of work."""
    docs = iter(docs)
    head = list(islice(docs, BLOCK_SIZE + 1))
    workers = _workers(jobs)
    if len(head) <= BLOCK_SIZE or workers == 1:
        for block in _blocks(chain(head, docs)):
            yield _analyzed(analyzer, block)
        return
    # The analyzer (settings, compiled rules, lexicon, permutations) goes to each worker once.
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(analyzer, os.getpid()))
    try:
        pending: list[tuple[list[Document], Future[Block]]] = []
        for block in _blocks(chain(head, docs)):
            pending.append((block, pool.submit(_analyze_in_worker, block)))
            if len(pending) >= 2 * workers:
                yield _returned(*pending.pop(0))
        for block, future in pending:
            yield _returned(block, future)
    finally:
        # On an interruption, queued blocks are dropped rather than waited for.
        pool.shutdown(wait=True, cancel_futures=True)


def _analyzed(analyzer: Analyzer, docs: list[Document]) -> Block:
    """The block of `docs`, analyzed a batch at a time."""
    return Block.of([s for at in range(0, len(docs), BATCH_SIZE) for s in analyzer.batch(docs[at:at + BATCH_SIZE])],
                    analyzer.render)


def _returned(docs: list[Document], future: Future[Block]) -> Block:
    """A worker's block, its summaries holding this process's id and origin objects instead of
    the copies they came back with: the duplicate-id check already holds these, and a million
    summaries would hold a second copy of each."""
    block = future.result()
    for doc, summary in zip(docs, block.summaries):
        summary.id, summary.origin = doc.id, doc.origin
    return block


#: In a worker process only: the analyzer its pool started it with (set once, then only read).
_WORKER: dict[str, Analyzer] = {}


#: Linux's prctl option that sends the calling process a signal when its parent dies.
_PR_SET_PDEATHSIG = 1


def _start_worker(analyzer: Analyzer, run: int) -> None:
    """Workers keep the analyzer, and are started as :func:`_start_pass_worker`."""
    _WORKER["analyzer"] = analyzer
    _start_pass_worker(run)


def _start_pass_worker(run: int) -> None:
    """Workers leave Ctrl-C and SIGTERM to the parent, which stops the pool in order, and die
    with the run's process `run` (see :func:`_die_with`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with(run)


def _die_with(run: int) -> None:
    """Have the kernel kill this worker when its parent dies. A worker waits on the pool's queue
    for work that a parent killed outright (``kill -9``, the OOM killer) never sends, and would
    otherwise live on, an orphan. The parent is the run's process, or the start method's server
    (forkserver), which exits with the run. Linux only; elsewhere nothing is done."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return  # no prctl in this C library: a worker is then only ended by its pool
    try:
        os.kill(run, 0)
    except ProcessLookupError:
        os._exit(1)  # the run died before the request above was made: nothing will signal


def _analyze_in_worker(docs: list[Document]) -> Block:
    return _analyzed(_WORKER["analyzer"], docs)


def spooled_loader(compared: Sequence[list[str]]) -> Loader:
    """A :data:`Loader` that reads each document's compared lines as its analysis left them (the
    scan spooled them): no document is read, repaired or matched twice."""

    def load(needed: set[int]) -> Iterator[tuple[int, list[str]]]:
        for i in sorted(needed):
            yield i, compared[i]
    return load


@dataclass
class LocalEngine:
    """This machine: a process pool for per-document work, another for the corpus pass's blocks
    (each only with more than one job), everything else in this process."""

    settings: ScanSettings
    _pool: ProcessPoolExecutor | None = field(default=None, init=False, repr=False)

    def blocks(self, corpus: Corpus, analyzer: Analyzer, problems: list[Finding]) -> Iterator[Block]:
        return analyze_all(documents(corpus, self.settings.strict, problems), analyzer, self.settings.jobs)

    def loader(self, compared: Sequence[list[str]]) -> Loader:
        return spooled_loader(compared)

    def comparer(self, load: Loader, summaries: list[DocumentSummary]) -> Comparer:
        return partial(compare_loaded, load, summaries, run=self._run(len(summaries)))

    def candidates(self, summaries: list[DocumentSummary], settings: SimilaritySettings,
                   passage_keys: PassageKeys | None) -> tuple[np.ndarray, np.ndarray]:
        return lsh_candidates(summaries, settings, passage_keys, self._run(len(summaries)))

    def copies(self, summaries: list[DocumentSummary], min_share: float) -> np.ndarray:
        return local_copies(summaries, min_share)

    def templates(self, summaries: list[DocumentSummary], inputs: Sequence[TemplateInput], groups: np.ndarray,
                  minimum: int) -> Iterator[tuple[int, Hits]]:
        return local_templates(summaries, inputs, groups, minimum)

    def _run(self, documents: int) -> Run:
        """Where the corpus pass's blocks run: the pass's pool, started on first use after the
        analysis's pool is gone (so the two never compete for the cores), or here with one job or
        fewer than :data:`POOL_AFTER` documents."""
        workers = _workers(self.settings.jobs)
        if workers == 1 or documents < POOL_AFTER:
            return here
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_pass_worker,
                                             initargs=(os.getpid(),))
        return partial(_in_pool, self._pool, 2 * workers)

    def close(self) -> None:
        if self._pool is not None:
            # On an interruption, queued blocks are dropped rather than waited for.
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _in_pool(pool: ProcessPoolExecutor, ahead: int, function: Callable[..., Any],
             calls: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
    """The :data:`Run` of a pool: the calls' results in order, at most `ahead` calls sent and not
    yet taken, so their arguments (blocks of keys, lines) are never all in memory at once."""
    pending: deque[Future[Any]] = deque()
    try:
        for args in calls:
            pending.append(pool.submit(function, *args))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


#: Given the summaries, their :data:`~audit.lines.templates.TemplateInput`, each document's copy
#: group and the least number of groups: the template lines no leftover finding claimed, as
#: (document index, hits) in document order, for the documents that have any
#: (:func:`local_templates` here; a cluster counts and finds them where the keys are).
TemplateCounter = Callable[[list[DocumentSummary], Sequence[TemplateInput], np.ndarray, int], Iterator[tuple[int, Hits]]]
#: Given the summaries and the least share of prose lines: the pairs of documents that are copies
#: (:func:`local_copies` here; a cluster pairs them where the prose keys are).
CopyFinder = Callable[[list[DocumentSummary], float], np.ndarray]


def local_copies(summaries: list[DocumentSummary], min_share: float) -> np.ndarray:
    """The :data:`CopyFinder` of this process: the summaries' prose keys, paired here."""
    return copy_pairs([s.prose_keys for s in summaries], min_share)


def local_templates(summaries: list[DocumentSummary], inputs: Sequence[TemplateInput], groups: np.ndarray,
                    minimum: int) -> Iterator[tuple[int, Hits]]:
    """The :data:`TemplateCounter` of this process: the line keys counted here, then each
    document's template lines found (`inputs` is read twice, one document at a time)."""
    templates = count_templates(((keys, groups[i]) for i, (keys, _) in enumerate(inputs)), minimum)
    for i, given in enumerate(inputs):
        if hits := templates.unclaimed(given):
            yield i, hits
