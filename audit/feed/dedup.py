"""Deduplicating a feed: pass on only the items not seen before, and remember them in an index.

Each item is read as ``scan`` reads it, its encoding repaired and its leftover page text blanked by
the rules, so that a syndicated copy with another headline and its own page furniture signs like
the original; its MinHash signature is then checked against the feed index (:mod:`audit.feed.index`)
in batches. A batch is written out only once the index has recorded it (:mod:`audit.feed.delivery`).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from itertools import islice

from audit.analyze import prepare
from audit.errors import ConfigError, InputError
from audit.feed.backends import open_index
from audit.feed.defaults import BATCH_SIZE, THRESHOLD
from audit.feed.delivery import Output, Recovery, recover, render
from audit.feed.index import FeedIndex, IndexParams, IndexStats, Item, format_window, parse_window
from audit.lines import model as line_model
from audit.lines.rules import RuleSet, load_rules
from audit.lines.statistics import SIGNALS
from audit.output import json_line, refuse_inputs
from audit.read.readers import Corpus, Fields
from audit.read.sources import Source, Streamed, as_paths
from audit.records import Document, InputProblem
from audit.settings import LineSettings, ScanSettings, SimilaritySettings
from audit.similarity.minhash import Signer
from audit.text.counts import plural
from audit.text.normalize import body_text, words



@dataclass
class DedupCounts:
    """What a dedup run did: the summary line on stderr."""

    read: int = 0
    new: int = 0
    duplicates: int = 0
    errors: int = 0

    def line(self) -> str:
        return f"{self.read} read, {self.new} new, {self.duplicates} duplicate, {plural(self.errors, 'error')}"


def index_params(similarity: SimilaritySettings, rules: RuleSet, threshold: float = THRESHOLD,
                 lines: LineSettings = LineSettings(), disabled: frozenset[str] = frozenset()) -> IndexParams:
    """The parameters an index must have for a run with these settings, rules and threshold (the
    rules' fingerprint covers the line statistics too: both blank page text before signing)."""
    weights = line_model.digest()
    text = json.dumps([rules.fingerprint(), asdict(lines), sorted(disabled), weights], sort_keys=True, default=str)
    statistics = json.dumps(asdict(lines), sort_keys=True, default=str)
    parts = {**rules.digests(), "line statistics' settings": hashlib.sha256(statistics.encode("utf-8")).hexdigest()[:12],
             "line model's weights": weights, **{sid: "on" for sid in SIGNALS if sid not in disabled}}
    return IndexParams.make(similarity, threshold, hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], parts)


def record(doc: Document, fields: Fields) -> dict:
    """An item as it is written out: a JSON Lines record with every field it came with, or, for a
    file of a folder, its id, source and text."""
    if doc.origin.line is None:
        return {"id": doc.id, "source": doc.source, "text": doc.text}
    return {**doc.fields, fields.text: doc.text}


@dataclass
class Signing:
    """What an item is signed with: the rules that blank page text, the signer, the shingle size."""

    rules: RuleSet
    signer: Signer
    shingle_size: int
    #: Line statistics, and the ids of rules and statistics switched off.
    lines: LineSettings = LineSettings()
    disabled: frozenset[str] = frozenset()

    @classmethod
    def of(cls, settings: ScanSettings) -> Signing:
        """What feed dedup signs with under `settings`: their rule packs, less the rules and line
        statistics they switch off (`corpus-audit dedup`, :func:`dedup` and :class:`audit.Feed` alike)."""
        rules = load_rules(settings.rule_dirs, settings.disabled_rules, known=SIGNALS)
        sim = settings.similarity
        return cls(rules, Signer(sim.num_perm, sim.seed), sim.shingle_size, settings.lines,
                   frozenset(settings.disabled_rules))

    def body(self, doc: Document) -> str:
        """The text an item is compared by: its text with leftover page text blanked (an item that
        is nothing but such lines is compared whole)."""
        prepared = prepare(doc, self.rules, self.lines, self.disabled)
        text = body_text(prepared.body)
        return text if words(text) else "\n".join(prepared.lines)

    def items(self, docs: list[Document], fields: Fields) -> list[Item]:
        """The items for documents: id, signature (all signed at once) and output line."""
        signatures = self.signer.sign_texts([self.body(d) for d in docs], self.shingle_size).signatures
        return [Item(d.id, sig, json_line(record(d, fields)).encode("utf-8"))
                for d, sig in zip(docs, signatures)]


def _batches(records: Iterable[Document | InputProblem], size: int) -> Iterator[list[Document | InputProblem]]:
    it = iter(records)
    while batch := list(islice(it, size)):
        yield batch


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back until the block is done, then act on them.

    Python's handlers, not the signal mask: a signal may be delivered to any thread (NumPy's
    BLAS starts some), but Python runs its handlers in the main thread, between bytecodes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    held = [s for s, handler in previous.items() if handler is not None]
    for s in held:
        signal.signal(s, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for s in held:
            signal.signal(s, previous[s])
        if caught:
            signal.raise_signal(caught[0])


def host_name() -> str:
    """This machine's name, as delivery records name it."""
    return socket.gethostname()


def dedup_batches(corpus: Corpus | Streamed, index: FeedIndex, signing: Signing, output: Output, duplicates: Output | None,
          batch_size: int = BATCH_SIZE, strict: bool = False,
          on_problem: Callable[[InputProblem], None] = lambda p: None,
          progress: Callable[[int], None] = lambda read: None,
          clock: Callable[[], float] = time.time) -> DedupCounts:
    """Check every item of `corpus` against `index`; write the new ones to `output`, and the
    duplicates to `duplicates` if given. Input problems go to `on_problem` (or raise, if
    `strict`, once the items before them are handled); `progress` hears the records read so far
    after each batch.

    Ctrl-C and SIGTERM wait while a batch is recorded and written, so that they never cut one
    short (``kill -9`` can; see :mod:`audit.feed.delivery`)."""
    counts = DedupCounts()
    outputs = [o for o in (output, duplicates) if o is not None]
    for batch in _batches(corpus, batch_size):
        counts.read += len(batch)
        docs = [r for r in batch if isinstance(r, Document)]
        problems = [r for r in batch if isinstance(r, InputProblem)]
        if strict and problems:
            docs = [r for r in batch[:batch.index(problems[0])] if isinstance(r, Document)]
        items = signing.items(docs, corpus.fields)
        sinks = [o.sink for o in outputs if o.sink is not None]
        with _signals_deferred():
            verdicts = index.check_and_add(items, clock(), sinks)
            lines = [it.line for it in items]
            for out in outputs:
                out.write(render(lines, verdicts, out.role))
        fresh = sum(v.new for v in verdicts)
        counts.new += fresh
        counts.duplicates += len(verdicts) - fresh
        for problem in problems:
            if strict:
                raise InputError(f"{problem.origin}: {problem.message}")
            counts.errors += 1
            on_problem(problem)
        progress(counts.read)
    for out in outputs:
        if out.sink is not None:
            index.clear_pending(out.sink)
    return counts


@dataclass
class DedupRun:
    """What a whole dedup run did: the counts, the output files it completed first, the items that
    expired, and the index's size after it."""

    counts: DedupCounts
    recoveries: list[Recovery]
    expired: int
    index_items: int


_UNSET = object()
#: What a run says about an output file that a stopped run left mid-batch, by outcome.
RECOVERY_MESSAGES = {
    "complete": "the batch a stopped run was writing had reached the file",
    "repaired": "wrote the rest of the batch ({lines} lines) that a stopped run left unwritten",
    "busy": "left to the run that is writing it",
    "changed": "changed since a stopped run wrote to it; its last batch ({lines} lines) is not written again",
    "device": "a device or a pipe, whose lines cannot be checked; its last batch ({lines} lines) is not written again",
}


def run(source: Source, location: str, similarity: SimilaritySettings, rules: RuleSet,
        fields: Fields | None = None, output: str | None = None, duplicates: str | None = None,
        window: float | None | object = _UNSET, threshold: float = THRESHOLD, batch_size: int = BATCH_SIZE,
        strict: bool = False, lines: LineSettings = LineSettings(), disabled: frozenset[str] = frozenset(),
        on_problem: Callable[[InputProblem], None] = lambda p: None,
        on_note: Callable[[str], None] = lambda note: None,
        progress: Callable[[int], None] = lambda read: None,
        clock: Callable[[], float] = time.time) -> DedupRun:
    """Deduplicate the items of `source` against the index at `location` (a SQLite file, created
    if missing, or a redis:// URL). `source` is paths ("-": JSON Lines on stdin, read as it
    comes) or records in memory, read as they come too (:class:`audit.read.sources.Streamed`).

    New items go to the file `output` (appended to) or stdout (None or "-"); duplicates to the file
    `duplicates` if given. `window` (seconds, or None for never) is recorded in the index when
    given; items older than the index's window expire. Output files an earlier run on this host
    left mid-batch are completed first. `on_note` hears, as they happen, warnings about the index,
    the output files completed and the items expired.
    """
    targets = [os.path.realpath(t) if t != "-" else t for t in (output or "-", duplicates) if t is not None]
    if len(set(targets)) < len(targets):
        raise ConfigError("new items and duplicates need different outputs")
    paths = as_paths(source)
    for target in (output, duplicates):
        if target is not None:
            refuse_inputs(target, paths or [], "dedup output")
    corpus = Corpus(paths, fields, reread=False) if paths is not None else Streamed(source, fields or Fields())
    signing = Signing(rules, Signer(similarity.num_perm, similarity.seed), similarity.shingle_size, lines, disabled)
    index = open_index(location, index_params(similarity, rules, threshold, lines, disabled))
    host = host_name()
    opened: list[Output] = []
    try:
        if window is not _UNSET:
            index.set_window(window)  # type: ignore[arg-type]
        opened.append(Output.stream("new", host) if output in (None, "-") else Output.file(output, "new", host))
        if duplicates is not None:
            opened.append(Output.stream("duplicates", host) if duplicates == "-"
                          else Output.file(duplicates, "duplicates", host))
        for note in index.notes:
            on_note(f"warning: {note}")
        recoveries = recover(index, host, opened)
        for r in recoveries:
            on_note(f"{r.path}: {RECOVERY_MESSAGES[r.outcome].format(lines=r.lines)}")
        expired = index.expire(clock())
        if expired:
            on_note(f"{expired} items older than the window expired")
        counts = dedup_batches(corpus, index, signing, opened[0], opened[1] if len(opened) > 1 else None,
                       batch_size, strict, on_problem, progress, clock)
        return DedupRun(counts, recoveries, expired, index.count())
    finally:
        for out in opened:
            out.close()
        index.close()


def index_stats(location: str) -> IndexStats:
    """Size, age range and parameters of an existing index."""
    index = open_index(location, None)
    try:
        return index.stats()
    finally:
        index.close()


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _size(n: int) -> str:
    """Bytes in the largest binary unit that keeps a number of at least 1.

    >>> _size(512), _size(3 << 20)
    ('512 B', '3.0 MiB')
    """
    value, unit = float(n), "B"
    for bigger in ("KiB", "MiB", "GiB", "TiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"


def render_stats(stats: IndexStats) -> str:
    """``dedup --stats`` as lines of ``name: value``.

    >>> from audit.feed.index import IndexParams
    >>> p = IndexParams(5, 128, 1, "affine32/xxh64", 30, 4, 0.5, 1, "abc")
    >>> print(render_stats(IndexStats("feed.db", 2, 0.0, 86400.0, 3 << 20, "on disk", p, 2592000.0)))
    index: feed.db
    items: 2
    oldest: 1970-01-01T00:00:00Z
    newest: 1970-01-02T00:00:00Z
    size: 3.0 MiB (on disk)
    window: 30d
    parameters: shingle_size=5 num_perm=128 seed=1 scheme=affine32/xxh64 bands=30 rows=4 threshold=0.5 normalization=1 rules=abc format=1
    """
    params = " ".join(f"{k}={v}" for k, v in asdict(stats.params).items() if k != "rule_parts")
    return "\n".join([
        f"index: {stats.location}",
        f"items: {stats.items}",
        f"oldest: {_when(stats.oldest)}",
        f"newest: {_when(stats.newest)}",
        f"size: {_size(stats.size_bytes)} ({stats.size_note})",
        f"window: {format_window(stats.window)}",
        f"parameters: {params}",
    ])


def dedup(source: Source, index: str, settings: ScanSettings | None = None, fields: Fields | None = None,
          output: str | None = None, duplicates: str | None = None, window: str | None = None,
          threshold: float = THRESHOLD, batch_size: int = BATCH_SIZE,
          on_problem: Callable[[InputProblem], None] = lambda p: None,
          on_note: Callable[[str], None] = lambda note: None,
          progress: Callable[[int], None] = lambda read: None) -> DedupRun:
    """Pass on only the items of `source` not seen before, and remember them in the index at
    `index` (a SQLite file, created if missing, or a redis:// URL), as ``corpus-audit dedup``.

    New items go to the file `output` (appended to; stdout when None or "-"), duplicates to
    `duplicates` if given; `window` ("30d", "12h"; "none" for never) is recorded in the index.
    Unreadable items go to `on_problem` (or raise, with ``settings.strict``). Within a Python
    pipeline, :class:`audit.Feed` hands the new items back instead of writing them.
    """
    settings = settings or ScanSettings()
    signing = Signing.of(settings)
    extra = {} if window is None else {"window": parse_window(window)}
    return run(source, index, settings.similarity, signing.rules, fields, output, duplicates, threshold=threshold,
               batch_size=batch_size, strict=settings.strict, lines=signing.lines, disabled=signing.disabled,
               on_problem=on_problem, on_note=on_note, progress=progress, **extra)
