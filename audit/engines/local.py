"""The local engine: per-document work in a pool of processes, the corpus pass in this process.

The pool is bounded (only a few batches are in flight), so memory follows the summaries, not the
corpus; verification re-reads only the documents it needs. Its workers die with this process,
however it ends (``kill -9`` included): none is left holding memory and spool files.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from itertools import chain, islice

import numpy as np

from audit.analyze import Analyzer, compared_again
from audit.lines.rules import RuleSet
from audit.lines.templates import Templates, count_templates
from audit.read.checked import documents
from audit.read.readers import Corpus
from audit.records import Details, Document, DocumentSummary, Finding
from audit.settings import ScanSettings, SimilaritySettings
from audit.similarity.candidates import copy_pairs, lsh_candidates
from audit.similarity.duplicates import Comparer, Loader, compare_loaded
from audit.similarity.keystore import PassageKeys

#: Documents sent to a worker process at a time.
BATCH_SIZE = 32


def _batches(docs: Iterable[Document]) -> Iterator[list[Document]]:
    it = iter(docs)
    while batch := list(islice(it, BATCH_SIZE)):
        yield batch


def analyze_all(docs: Iterable[Document], analyzer: Analyzer, jobs: int) -> Iterator[DocumentSummary]:
    """Summaries in input order; a process pool when there is more than one batch of work."""
    batches = _batches(docs)
    head = list(islice(batches, 2))
    workers = jobs or os.cpu_count() or 1
    if len(head) < 2 or workers == 1:
        for batch in chain(head, batches):
            yield from analyzer.batch(batch)
        return
    # The analyzer (settings, compiled rules, lexicon, permutations) goes to each worker once.
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(analyzer, os.getpid()))
    try:
        pending: list[tuple[list[Document], Future[list[DocumentSummary]]]] = []
        for batch in chain(head, batches):
            pending.append((batch, pool.submit(_analyze_in_worker, batch)))
            if len(pending) >= 2 * workers:
                yield from _returned(*pending.pop(0))
        for batch, future in pending:
            yield from _returned(batch, future)
    finally:
        # On an interruption, queued batches are dropped rather than waited for.
        pool.shutdown(wait=True, cancel_futures=True)


def _returned(batch: list[Document], future: Future[list[DocumentSummary]]) -> Iterator[DocumentSummary]:
    """A worker's summaries, holding this process's id and origin objects instead of the copies
    they came back with: the duplicate-id check already holds these, and a million summaries
    would hold a second copy of each."""
    for doc, summary in zip(batch, future.result()):
        summary.id, summary.origin = doc.id, doc.origin
        yield summary


#: In a worker process only: the analyzer its pool started it with (set once, then only read).
_WORKER: dict[str, Analyzer] = {}


#: Linux's prctl option that sends the calling process a signal when its parent dies.
_PR_SET_PDEATHSIG = 1


def _start_worker(analyzer: Analyzer, run: int) -> None:
    """Workers keep the analyzer, leave Ctrl-C and SIGTERM to the parent, which stops the pool in
    order, and die with the run's process `run` (see :func:`_die_with`)."""
    _WORKER["analyzer"] = analyzer
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


def _analyze_in_worker(batch: list[Document]) -> list[DocumentSummary]:
    return _WORKER["analyzer"].batch(batch)


def _loader(corpus: Corpus, rules: RuleSet, summaries: list[DocumentSummary], settings: ScanSettings) -> Loader:
    disabled = frozenset(settings.disabled_rules)
    index = {s.id: i for i, s in enumerate(summaries)}

    def load(needed: set[int]) -> Iterator[tuple[int, list[str]]]:
        done: set[int] = set()
        for record in corpus:
            if isinstance(record, Document):
                i = index.get(record.id)
                if i is not None and i in needed and i not in done:
                    done.add(i)
                    compared = compared_again(record, rules, settings.lines, disabled, summaries[i].lines)
                    if compared is not None:
                        yield i, compared
    return load


def spooled_loader(compared: Sequence[list[str]]) -> Loader:
    """A :data:`Loader` that reads each document's compared lines as its analysis left them (the
    scan spooled them): no document is read, repaired or matched twice."""

    def load(needed: set[int]) -> Iterator[tuple[int, list[str]]]:
        for i in sorted(needed):
            yield i, compared[i]
    return load


@dataclass
class LocalEngine:
    """This machine: a process pool for per-document work, everything else in this process."""

    settings: ScanSettings
    keeps_compared = True

    def summaries(self, corpus: Corpus, analyzer: Analyzer, problems: list[Finding]) -> Iterator[DocumentSummary]:
        return analyze_all(documents(corpus, self.settings.strict, problems), analyzer, self.settings.jobs)

    def loader(self, corpus: Corpus, rules: RuleSet, summaries: list[DocumentSummary]) -> Loader:
        return _loader(corpus, rules, summaries, self.settings)

    def comparer(self, load: Loader, corpus: Corpus, rules: RuleSet, summaries: list[DocumentSummary]) -> Comparer:
        return partial(compare_loaded, load, summaries)

    def candidates(self, summaries: list[DocumentSummary], settings: SimilaritySettings,
                   passage_keys: PassageKeys | None) -> tuple[np.ndarray, np.ndarray]:
        return lsh_candidates(summaries, settings, passage_keys)

    def copies(self, summaries: list[DocumentSummary], min_share: float) -> np.ndarray:
        return local_copies(summaries, min_share)

    def templates(self, summaries: list[DocumentSummary], details: Iterable[Details], groups: list[int],
                  minimum: int) -> Templates:
        return local_templates(summaries, details, groups, minimum)

    def close(self) -> None:
        pass


#: Given the summaries, their details, each document's copy group and the least number of groups:
#: the corpus's template lines (:func:`local_templates` here; a cluster counts where the keys are).
TemplateCounter = Callable[[list[DocumentSummary], Iterable[Details], list[int], int], Templates]
#: Given the summaries and the least share of prose lines: the pairs of documents that are copies
#: (:func:`local_copies` here; a cluster pairs them where the prose keys are).
CopyFinder = Callable[[list[DocumentSummary], float], np.ndarray]


def local_copies(summaries: list[DocumentSummary], min_share: float) -> np.ndarray:
    """The :data:`CopyFinder` of this process: the summaries' prose keys, paired here."""
    return copy_pairs([s.prose_keys for s in summaries], min_share)


def local_templates(summaries: list[DocumentSummary], details: Iterable[Details], groups: list[int],
                    minimum: int) -> Templates:
    """The :data:`TemplateCounter` of this process: the details' line keys, counted here."""
    return count_templates(((d.line_keys, groups[i]) for i, d in enumerate(details)), minimum)
