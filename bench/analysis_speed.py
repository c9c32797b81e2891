"""The per-document analysis alone (what a worker spends on each document), by this tree and others.

A Dask worker's rate a document is most of the 10⁹-document projection (bench/HISTORY.md), and
``scan -j 1`` mixes it with start-up and the corpus pass. This runs only
:meth:`audit.analyze.Analyzer.batch` over the first ``--docs`` records of a corpus, in batches as
the engines make them, each tree in a process of its own (``PYTHONPATH`` set to it), the trees
taking turns round by round so the machine's noise hits them alike. A round's figure is the
process's CPU time a document over the batches (after one warm-up pass: numba's cache, the rules
gate, the language model's tables); the table gives the best and the median of the rounds. Every
tree's summaries must be the same (their report content pickled and hashed); the script says so.

    python bench/analysis_speed.py /work/shared/data/extraction-dev/docs.jsonl --against /tmp/wt/base --rounds 5
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def one(corpus: str, docs: int) -> dict[str, float | int | str]:
    """In the tree on the path: CPU seconds a document of the analysis, and a digest of the summaries."""
    import time
    from itertools import islice

    from audit.analyze import Analyzer
    from audit.engines.local import BATCH_SIZE
    from audit.lines.rules import load_rules
    from audit.lines.statistics import SIGNALS
    from audit.read.sources import opened
    from audit.records import Document, DocumentSummary
    from audit.settings import ScanSettings

    settings = ScanSettings(jobs=1)
    rules = load_rules(settings.rule_dirs, settings.disabled_rules, known=SIGNALS)
    analyzer = Analyzer(settings, rules, keep_compared=True)
    with opened([corpus], None, None) as source:
        records = [r for r in islice(source, docs) if isinstance(r, Document)]
    batches = [records[k:k + BATCH_SIZE] for k in range(0, len(records), BATCH_SIZE)]
    for batch in batches:  # warm: caches and models
        analyzer.batch(batch)
    started = time.process_time()
    out: list[DocumentSummary] = []
    for batch in batches:
        out += analyzer.batch(batch)
    spent = time.process_time() - started
    digest = hashlib.sha256()
    for s in out:
        packed = s.pack()
        digest.update(packed.findings + packed.scores + repr((s.id, s.words, s.lines, s.language, s.flagged_lines,
                                                              s.compared)).encode())
        for array in (s.signature, s.anchors, s.passages, s.passage_keys, s.line_keys, s.prose_keys):
            digest.update(b"-" if array is None else array.tobytes())
    return {"ms_per_doc": spent / len(out) * 1000, "docs": len(out), "digest": digest.hexdigest()[:16]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", action="append", default=[], help="another source tree (repeatable)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.corpus, args.docs)))
        return
    trees = [ROOT] + [Path(t).resolve() for t in args.against]
    runs: dict[Path, list[dict[str, Any]]] = {t: [] for t in trees}
    for r in range(args.rounds):
        for tree in trees:
            env = {**os.environ, "PYTHONPATH": str(tree)}
            done = subprocess.run([sys.executable, str(Path(__file__).resolve()), args.corpus, "--docs", str(args.docs),
                                   "--one"], env=env, cwd="/", check=True, capture_output=True, text=True)
            runs[tree].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"round {r} {tree}: {runs[tree][-1]}", flush=True)
    print(f"\n{args.corpus}: the first {runs[ROOT][0]['docs']:,} documents, {args.rounds} rounds in turns\n")
    print("| tree | best ms a document | median | digest |\n|---|---|---|---|")
    for tree in trees:
        rates = [x["ms_per_doc"] for x in runs[tree]]
        print(f"| {tree} | {min(rates):.3f} | {statistics.median(rates):.3f} | {runs[tree][0]['digest']} |")
    digests = {x["digest"] for tree in trees for x in runs[tree]}
    print("\nsummaries: " + ("the same in every tree" if len(digests) == 1 else f"DIFFER ({len(digests)} digests)"))
    for tree in trees[1:]:
        print(f"{tree}: this tree's best is {min(x['ms_per_doc'] for x in runs[tree]) / min(x['ms_per_doc'] for x in runs[ROOT]):.2f}x as fast")


if __name__ == "__main__":
    main()
