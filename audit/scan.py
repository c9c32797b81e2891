"""The main job: read a corpus, analyze each document, run the corpus pass, judge the result.

Per-document work runs in a pool of processes (bounded: only a few batches are in flight, so
memory follows the summaries, not the corpus); the corpus pass then works on the summaries
(near-duplicates, then template lines, counted with copies of one text as one document) and
re-reads only the documents whose candidate duplicates it verifies or whose template lines it
reports.
"""

from __future__ import annotations

import os
import signal
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from itertools import chain, islice
from typing import Protocol, TypeVar

import numpy as np

from audit.analyze import Analyzer, compared_again
from audit.errors import InputError
from audit.lines import SIGNALS
from audit.readers import Corpus, Fields
from audit.records import Cluster, Details, Document, DocumentSummary, Finding, InputProblem, Origin, ScanResult
from audit.rules import RuleSet, load_rules
from audit.settings import ScanSettings, SimilaritySettings
from audit.similarity import (Comparer, Loader, PassageKeys, compare_loaded, copy_pairs, find_duplicates,
                              lsh_candidates)
from audit.spool import Spool
from audit.spooled import SpooledDocuments, SpooledFindings
from audit.templates import Templates, copy_groups, count_templates
from audit.thresholds import decide

#: Documents sent to a worker process at a time.
BATCH_SIZE = 32


def input_error(problem: InputProblem) -> Finding:
    """The finding that reports an unreadable record."""
    return Finding(problem.origin.path, "input-error", "input.unreadable", "error", problem.message,
                   line=problem.origin.line)


Item = TypeVar("Item", Document, DocumentSummary)


def checked(records: Iterable[Item | InputProblem], first_seen: dict[str, Origin] | None = None) -> Iterator[Item | InputProblem]:
    """The records with a repeated document id turned into input problems (the first one stays)."""
    seen: dict[str, Origin] = {} if first_seen is None else first_seen
    for record in records:
        if not isinstance(record, InputProblem):
            if record.id in seen:
                record = InputProblem(record.origin, f"duplicate id {record.id!r} (first at {seen[record.id]})",
                                      record.text if isinstance(record, Document) else "")
            else:
                seen[record.id] = record.origin
        yield record


def documents(records: Iterable[Item | InputProblem], strict: bool, problems: list[Finding]) -> Iterator[Item]:
    """The readable documents (or their summaries) with unique ids, in order; problems are
    appended to `problems` (or raised)."""
    for record in checked(records):
        if isinstance(record, InputProblem):
            if strict:
                raise InputError(f"{record.origin}: {record.message}")
            problems.append(input_error(record))
            continue
        yield record


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
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(analyzer,))
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


def _start_worker(analyzer: Analyzer) -> None:
    """Workers keep the analyzer, and leave Ctrl-C and SIGTERM to the parent, which stops the pool in order."""
    _WORKER["analyzer"] = analyzer
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


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


class Engine(Protocol):
    """Where a scan's work runs: per-document analysis, LSH candidates, re-reading for verification."""

    def summaries(self, corpus: Corpus, analyzer: Analyzer, problems: list[Finding]) -> Iterator[DocumentSummary]:
        """The summaries of the readable documents with unique ids, in reading order."""

    def loader(self, corpus: Corpus, rules: RuleSet, summaries: list[DocumentSummary]) -> Loader:
        """Re-reads the documents that verification needs."""

    def comparer(self, load: Loader, corpus: Corpus, rules: RuleSet, summaries: list[DocumentSummary]) -> Comparer:
        """Counts the shingles candidate pairs share and verifies candidate passages, where the documents are re-read."""

    def candidates(self, summaries: list[DocumentSummary], settings: SimilaritySettings,
                   passage_keys: PassageKeys | None) -> tuple[np.ndarray, np.ndarray]:
        """The documents whose band keys collide or that share anchors, and the passages whose band
        keys collide (see :data:`audit.similarity.Candidates`)."""

    def copies(self, summaries: list[DocumentSummary], min_share: float) -> np.ndarray:
        """The pairs of documents that are copies by their prose lines (see :data:`CopyFinder`)."""

    def templates(self, summaries: list[DocumentSummary], details: Iterable[Details], groups: list[int],
                  minimum: int) -> Templates:
        """The template lines, counted over the documents' line keys by copy group (see :data:`TemplateCounter`)."""

    def close(self) -> None:
        """Give back what the engine holds (processes, a cluster connection)."""


@dataclass
class LocalEngine:
    """This machine: a process pool for per-document work, everything else in this process."""

    settings: ScanSettings

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


def engine_for(settings: ScanSettings) -> Engine:
    """The engine the settings ask for; Dask is imported only when asked."""
    if settings.engine == "dask":
        from audit.dask_engine import DaskEngine

        return DaskEngine(settings)
    return LocalEngine(settings)


def duplicate_findings(cluster: Cluster) -> list[Finding]:
    """One finding per member a cluster does not keep, naming the kept one and the closest match."""
    out = []
    links = cluster.links()
    for member in cluster.members:
        if member == cluster.kept:
            continue
        pair, other, relation = links[member]
        if pair is None:
            how = f"near-duplicate of {other}"
        else:
            how = {"near-duplicate": f"near-duplicate of {other} (Jaccard {pair.similarity:.2f})",
                   "contained": f"contained in {other} ({pair.containment:.0%} of its shingles)",
                   "contains": f"contains {other} ({pair.containment:.0%} of that one's shingles)"}[relation]
        keeps = "" if other == cluster.kept else f"; its cluster keeps {cluster.kept}"
        out.append(Finding(member, "duplicate", "duplicate.document", "warning",
                           f"Duplicate: {how}{keeps} (kept: {cluster.reason})",
                           detail={"duplicate_of": cluster.kept, "matched": other, "relation": relation}))
    return out


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


def with_template_findings(summaries: list[DocumentSummary], details: Sequence[Details], clusters: list[Cluster],
                           settings: ScanSettings, load: Loader,
                           count: TemplateCounter = local_templates,
                           copies: CopyFinder = local_copies) -> Iterator[Details]:
    """Each document's details, in order, with a finding added for each of its template lines that
    no rule or statistic claimed (in line order).

    Template lines are counted over the corpus (see :mod:`audit.templates`); `details` are read
    up to three times (count, find, add), one document at a time; `copies` pairs the documents
    that are copies by their prose lines and `count` counts the lines (each where the engine keeps
    the keys). `load` gives the lines of the
    documents that have template lines: a template line is one no rule or statistic claimed, so
    it is never blanked there, and its text is read from there.
    """
    signal = SIGNALS["lines.template"]
    minimum = settings.lines.min_template_documents
    if not settings.lines.enabled or minimum is None or signal.id in settings.disabled_rules:
        yield from details
        return
    index = {s.id: i for i, s in enumerate(summaries)}
    group = copy_groups(len(summaries), copies(summaries, settings.lines.min_copy_share),
                        ([index[m] for m in c.members] for c in clusters))
    del index
    templates = count(summaries, details, group, minimum)
    found: dict[int, list[tuple[int, int]]] = {}
    for i, d in enumerate(details):
        claimed = {f.line for f in d.findings if f.kind == "boilerplate"}
        hits = [(line, n) for line, n in templates.lines(d.line_keys) if line not in claimed]
        if hits:
            found[i] = hits
    loaded = iter(load(set(found)))
    # The loader reads in corpus order, which is the documents' order; any other order is waited for.
    waiting: dict[int, list[str]] = {}
    for i, d in enumerate(details):
        if i in found:
            while i not in waiting and (item := next(loaded, None)) is not None:
                j, lines = item
                waiting[j] = [lines[line - 1] for line, _ in found[j]]
            # A document the loader no longer finds (its file changed meanwhile) keeps what it had.
            s = summaries[i]
            added = [Finding(s.id, signal.kind, signal.id, signal.severity,
                             f"{signal.message} ({n} documents of {s.source})", line=line,
                             text=text, detail={"action": settings.lines.action, "documents": n})
                     for (line, n), text in zip(found[i], waiting.pop(i, []))]
            d = replace(d, findings=sorted(d.findings + added, key=lambda f: (f.line or 0, f.kind != "encoding")))
        yield d


def scan(paths: list[str], settings: ScanSettings | None = None, fields: Fields | None = None,
         progress: Callable[[int], None] | None = None) -> ScanResult:
    """Audit the corpus under `paths` (folders, files, "-" for JSON Lines on stdin).

    `progress`, when given, is called with the number of documents analyzed so far.
    """
    with Corpus(paths, fields) as corpus:
        return scan_corpus(corpus, settings or ScanSettings(), progress)


def scan_corpus(corpus: Corpus, settings: ScanSettings, progress: Callable[[int], None] | None = None,
                engine: Engine | None = None) -> ScanResult:
    """Audit an open corpus (which the caller may read again afterwards, as `clean` does).

    `engine`, when given, is the caller's to close (``clean`` goes on using the cluster);
    otherwise the settings' engine is started for this scan and closed after it.
    """
    rules = load_rules(settings.rule_dirs, settings.disabled_rules, known=SIGNALS)
    analyzer = Analyzer(settings, rules)
    own = engine is None
    engine = engine or engine_for(settings)
    final: Spool[Details] = Spool()
    try:
        problems: list[Finding] = []
        summaries: list[DocumentSummary] = []
        sources: dict[str, str] = {}
        with PassageKeys(settings.similarity.passage_bands) as passage_keys, Spool[Details]() as details:
            for summary in engine.summaries(corpus, analyzer, problems):
                # What only the report needs goes to disk, and the passages' keys too: they are
                # most of a summary's bytes. A million summaries stay in memory for the corpus pass.
                # (An engine that keeps them where the summary was made sends none.)
                if summary.passage_keys is not None:
                    passage_keys.add(len(summaries), summary.passage_keys)
                    summary.passage_keys = None
                details.append(summary.details())
                summary.without_details()
                summary.source = sources.setdefault(summary.source, summary.source)
                summaries.append(summary)
                if progress is not None:
                    progress(len(summaries))
            load = engine.loader(corpus, rules, summaries)
            duplicates = find_duplicates(summaries, settings.similarity, load, passage_keys,
                                         engine.comparer(load, corpus, rules, summaries), engine.candidates)
            counts = array("q")
            for d in with_template_findings(summaries, details, duplicates.clusters, settings, load, engine.templates,
                                            engine.copies):
                final.append(d)
                counts.append(len(d.findings))
    except BaseException:
        final.close()
        raise
    finally:
        if own:
            engine.close()
    extra = [f for cluster in duplicates.clusters for f in duplicate_findings(cluster)] + problems
    result = ScanResult(
        settings=settings.to_dict(),
        documents=SpooledDocuments(summaries, final),
        findings=SpooledFindings(final, counts, extra),
        duplicate_pairs=duplicates.pairs,
        clusters=duplicates.clusters,
        passage_pairs=duplicates.passage_pairs,
        input_errors=len(problems),
        records=len(summaries) + len(problems),
    )
    decide(result, settings.thresholds)
    return result
