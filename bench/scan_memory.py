"""Peak memory of `corpus-audit scan` on a large synthetic corpus, and what a summary weighs.

Three measurements, each named in its output:

* ``end-to-end``: a JSON Lines corpus of N documents of about 2.5 KB (bench/dedup_memory.py's
  planted corpus: every tenth document a near-copy of one five before it; five sources, and every
  twentieth document quotes a paragraph of one three before it, from another source) is written
  to a temporary file, a stream, never held; then the installed ``corpus-audit scan FILE
  --format json -o OUT`` runs as a subprocess. Reported: wall time, the peak RSS of the main
  process and of the largest worker (``getrusage`` in the scan's own process, at exit).
* ``breakdown``: the bytes each field of a summary keeps (tracemalloc, on a sample).
* ``corpus-stage``: the corpus pass alone (find_duplicates and the template count) on N
  summaries: real summaries of a sample of S documents from the analyzer, replicated N / S times
  with fresh ids and every key, signature and anchor XOR-ed with a mask of its replica (so each
  replica finds what the sample finds and nothing across replicas), and a loader that gives
  back the sample's texts. This is not an end-to-end run: no reading, no analysis, no report.

    python bench/scan_memory.py end-to-end --docs 100000
    python bench/scan_memory.py breakdown --docs 2000
    python bench/scan_memory.py corpus-stage --docs 1000000 --sample 2000
    python bench/scan_memory.py corpus-stage --docs 100000 --sample 1000 --stages
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dedup_memory import Planted  # noqa: E402
from synthetic import CHUNK  # noqa: E402

from audit.analyze import Analyzer, prepare
from audit.lines.statistics import SIGNALS
from audit.records import Document, DocumentSummary, Origin  # noqa: E402
from audit.lines.rules import load_rules
from audit.lines.templates import template_input
from audit.pipeline import template_findings
from audit.settings import ScanSettings  # noqa: E402
from audit.similarity import candidates  # noqa: E402
from audit.similarity.keystore import PassageKeys
from audit.similarity.duplicates import find_duplicates
from audit.read.spool import Spool

SOURCES = 5
QUOTE_EVERY = 20
QUOTE_FROM = 3
#: Runs the installed CLI's entry point and, at exit, writes its own peak RSS and its largest
#: reaped child's (the pool's workers) to the file named by the first argument (KiB).
WRAPPER = """
import atexit, json, resource, sys
out = sys.argv.pop(1)
def peaks():
    with open(out, "w") as f:
        json.dump({"main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   "largest_child": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, f)
atexit.register(peaks)
sys.argv[0] = "corpus-audit"
from audit.cli import main
main()
"""


def records(count: int) -> Iterator[dict[str, str]]:
    """The corpus's records, chunk by chunk: id, source, text."""
    corpus = Planted(count)
    for k in range((count + CHUNK - 1) // CHUNK):
        texts = corpus.chunk(k)
        for j, text in enumerate(texts):
            i = k * CHUNK + j
            if i % QUOTE_EVERY == QUOTE_EVERY - 1 and j >= QUOTE_FROM:
                # A paragraph quoted from another outlet's story.
                quoted = max(texts[j - QUOTE_FROM].split("\n"), key=len)
                parts = text.split("\n")
                text = "\n".join(parts[:1] + [quoted] + parts[1:])
            yield {"id": f"doc-{i:07d}", "source": f"outlet-{i % SOURCES}", "text": text}


def write_corpus(path: Path, count: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for record in records(count):
            out.write(json.dumps(record) + "\n")


def gib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB ({kib / 1024 ** 2:.2f} GiB)"


def end_to_end(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        started = time.perf_counter()
        write_corpus(corpus, args.docs)
        print(f"{args.docs:,} documents written ({corpus.stat().st_size / 2 ** 20:,.0f} MiB) "
              f"in {time.perf_counter() - started:.0f} s", flush=True)
        peaks = Path(tmp) / "peaks.json"
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-c", WRAPPER, str(peaks), "scan", str(corpus), "--format", "json",
                   "-o", str(report), "-q"] + (["--jobs", str(args.jobs)] if args.jobs else [])
        started = time.perf_counter()
        done = subprocess.run(command, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - started
        if done.returncode not in (0, 1):
            sys.exit(f"scan failed ({done.returncode}): {done.stderr[-2000:]}")
        found = json.loads(peaks.read_text())
        summary = json.loads(report.read_text())["summary"]
        print(f"end-to-end scan of {args.docs:,} documents: {wall:.0f} s ({args.docs / wall:,.0f} docs/s); "
              f"report {report.stat().st_size / 2 ** 20:,.0f} MiB; summary {json.dumps(summary)[:300]}")
        print(f"peak RSS: main process {gib(found['main'])}, largest worker {gib(found['largest_child'])}")


def _documents(count: int) -> list[Document]:
    return [Document(r["id"], r["source"], r["text"], Origin("corpus.jsonl", n + 1), r)
            for n, r in enumerate(records(count))]


def _analyzer() -> Analyzer:
    settings = ScanSettings()
    return Analyzer(settings, load_rules(settings.rule_dirs, settings.disabled_rules, known=SIGNALS))


def _summaries(docs: list[Document], analyzer: Analyzer) -> list[DocumentSummary]:
    out: list[DocumentSummary] = []
    for at in range(0, len(docs), 32):
        out += analyzer.batch(docs[at:at + 32])
    return out


def breakdown(args: argparse.Namespace) -> None:
    docs = _documents(args.docs)
    analyzer = _analyzer()
    tracemalloc.start()
    summaries = _summaries(docs, analyzer)
    del docs
    # As the scan keeps them: passage keys and the report's content (details) on disk, sources shared.
    seen: dict[str, str] = {}
    for s in summaries:
        s.passage_keys = None
        s.without_details()
        s.source = seen.setdefault(s.source, s.source)
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    total = 0.0
    print(f"bytes kept per summary, mean of {len(summaries):,} (tracemalloc):")
    for name in DocumentSummary.__slots__:
        values = [getattr(s, name) for s in summaries]
        for s in summaries:
            setattr(s, name, None)
        del values
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        print(f"  {name:14s} {(before - after) / len(summaries):8,.0f}")
        total += before - after
        before = after
    del summaries
    gc.collect()
    rest = before - tracemalloc.get_traced_memory()[0]
    print(f"  {'(the objects)':14s} {rest / args.docs:8,.0f}")
    print(f"  {'total':14s} {(total + rest) / args.docs:8,.0f}")


def _masked(a: np.ndarray | None, mask: int) -> np.ndarray | None:
    # XOR with one mask per replica keeps equality inside a replica and breaks it across them;
    # zero keys (lines without letters or digits) stay zero.
    if a is None or not len(a):
        return a
    if a.dtype == np.uint32:
        return a ^ np.uint32(mask & 0xFFFFFFFF)
    return np.where(a == 0, a, a ^ np.uint64(mask))


def corpus_stage(args: argparse.Namespace) -> None:
    settings = ScanSettings()
    docs = _documents(args.sample)
    analyzer = _analyzer()
    sample = _summaries(docs, analyzer)
    bodies = [prepare(d, analyzer.rules, settings.lines, frozenset()).body for d in docs]
    del docs
    rng = np.random.default_rng(7)
    seen: dict[str, str] = {}
    summaries: list[DocumentSummary] = []
    started = time.perf_counter()
    with PassageKeys(settings.similarity.passage_bands) as keys, Spool() as details, Spool() as inputs:
        for i in range(args.docs):
            s = sample[i % args.sample]
            if i % args.sample == 0:
                mask = int(rng.integers(1, 2 ** 63))
            keys.add(i, _masked(s.passage_keys, mask))
            # Fresh objects, as each document's analysis makes its own; then kept as the scan
            # keeps them (details on disk, sources shared).
            source = pickle.loads(pickle.dumps(s.source))
            summary = DocumentSummary(
                f"doc-{i:07d}", seen.setdefault(source, source), Origin("corpus.jsonl", i + 1), s.lines,
                s.text_lines, s.words, s.chars, s.findings, s.readability, s.tone, _masked(s.signature, mask),
                s.passages.copy(), None, s.date, np.sort(_masked(s.anchors, mask)), _masked(s.line_keys, mask),
                None if s.prose_keys is None else np.sort(_masked(s.prose_keys, mask)), s.flagged_lines)
            inputs.append(template_input(summary))
            summary.line_keys = None
            # (as the scan spools them: the findings and the scores apart)
            packed = summary.pack()
            summary.packed = None
            details.append_pickled(packed.findings)
            details.append_pickled(packed.scores)
            summaries.append(summary)
        built = time.perf_counter()
        print(f"{args.docs:,} summaries ({args.docs // args.sample:,} replicas of {args.sample:,} analyzed) "
              f"in {built - started:.0f} s; peak so far {peak():,.0f} MiB", flush=True)

        def load(needed: set[int]) -> Iterator[tuple[int, list[str]]]:
            for i in sorted(needed):
                yield i, bodies[i % args.sample]

        if args.stages:
            stages(summaries, inputs, keys, settings, load)
            return
        found = find_duplicates(summaries, settings.similarity, load, passage_keys=keys)
        templates = sum(len(added) for _, added in template_findings(summaries, inputs, found.members, settings, load))
    done = time.perf_counter()
    print(f"corpus stage (candidates, verification, clusters, shared passages, template lines) in "
          f"{done - built:.0f} s: {len(found.pairs):,} pairs, {len(found.clusters):,} clusters, "
          f"{len(found.passage_pairs):,} shared passages, {templates:,} template lines")
    print(f"peak RSS of this process: {peak():,.0f} MiB")


def stages(summaries: list[DocumentSummary], inputs: Spool, keys: PassageKeys, settings: ScanSettings,
           load: Callable[[set[int]], Iterator[tuple[int, list[str]]]]) -> None:
    """The corpus pass's steps one by one, each with the most memory it took above what was held
    before it (tracemalloc, which sees NumPy's allocations but not mapped files) and its time."""
    sim = settings.similarity
    tracemalloc.start()

    def stage(name: str, step: Callable[[], Any]) -> Any:
        tracemalloc.reset_peak()
        before, started = tracemalloc.get_traced_memory()[0], time.perf_counter()
        out = step()
        held, most = tracemalloc.get_traced_memory()
        print(f"  {name:24s} peak +{(most - before) / 2 ** 20:7.1f} MiB, kept +{(held - before) / 2 ** 20:6.1f} MiB, "
              f"{time.perf_counter() - started:6.1f} s", flush=True)
        return out

    print("corpus pass, step by step (tracemalloc):")
    stage("document candidates", lambda: candidates.document_candidates(summaries, sim))
    stage("containment candidates", lambda: candidates.containment_candidates(summaries, sim))
    stage("passage candidates", lambda: candidates.passage_candidates(summaries, sim, keys=keys))
    found = stage("find_duplicates (all)", lambda: find_duplicates(summaries, sim, load, passage_keys=keys))
    stage("template lines", lambda: sum(1 for _ in template_findings(summaries, inputs, found.members, settings, load)))


def peak() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["end-to-end", "breakdown", "corpus-stage"])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2000, help="corpus-stage: documents analyzed")
    parser.add_argument("--stages", action="store_true", help="corpus-stage: each step's memory apart (tracemalloc)")
    parser.add_argument("--jobs", type=int, default=0, help="end-to-end: worker processes (0: one per core)")
    parser.add_argument("--tmp", default=os.environ.get("TMPDIR"), help="where the corpus file is written")
    args = parser.parse_args()
    {"end-to-end": end_to_end, "breakdown": breakdown, "corpus-stage": corpus_stage}[args.what](args)


if __name__ == "__main__":
    main()
