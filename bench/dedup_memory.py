"""Peak memory and time of a large deduplication run: signatures, candidates, verification, clusters.

A deterministic synthetic corpus (bench/synthetic.py) in which every tenth document is a copy
of the document five before it with 3% of its words substituted, so there is real work for
verification and clustering. Documents are signed in batches and kept only as the compact
summaries the corpus pass uses (no text, no passages: this is document-level deduplication);
verification re-creates the few texts it needs, as a scan re-reads them. Peak memory is the
process's maximum resident set size.

    python bench/dedup_memory.py --docs 1000000
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import CHUNK, Corpus  # noqa: E402

from audit.similarity.minhash import Signer
from audit.records import DocumentSummary, Origin  # noqa: E402
from audit.settings import SimilaritySettings  # noqa: E402
from audit.similarity.duplicates import find_duplicates

EVERY = 10
OFFSET = 5
RATE = 0.03


class Planted:
    """The corpus with its planted copies; document i can be rebuilt alone (by its chunk)."""

    def __init__(self, count: int) -> None:
        self.corpus = Corpus(count, seed=11)
        self.vocab = self.corpus._vocab.tolist()

    def chunk(self, k: int) -> list[str]:
        texts = self.corpus.chunk(k)
        for j in range(len(texts)):
            if j % EVERY == EVERY - 1:
                rng = random.Random(k * CHUNK + j)
                texts[j] = " ".join(rng.choice(self.vocab) if rng.random() < RATE else w
                                    for w in texts[j - OFFSET].split(" "))
        return texts

    def get(self, needed: set[int]):
        for k in sorted({i // CHUNK for i in needed}):
            for j, text in enumerate(self.chunk(k)):
                if k * CHUNK + j in needed:
                    yield k * CHUNK + j, text.split("\n")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    args = parser.parse_args()
    settings = SimilaritySettings()
    signer = Signer(settings.num_perm, settings.seed)
    corpus = Planted(args.docs)
    no_passages = np.zeros((0, settings.passage_bands), dtype=np.uint64)
    summaries: list[DocumentSummary] = []
    started = time.perf_counter()
    sign_seconds = 0.0
    for k in range((args.docs + CHUNK - 1) // CHUNK):
        texts = corpus.chunk(k)
        t = time.perf_counter()
        signed = signer.sign_texts(texts, settings.shingle_size, settings.anchor_every)
        sign_seconds += time.perf_counter() - t
        for j in range(len(texts)):
            i = k * CHUNK + j
            summaries.append(DocumentSummary(
                id=str(i), source="synthetic", origin=Origin("synthetic", i), lines=0, text_lines=0,
                words=int(signed.words[j]), chars=len(texts[j]), findings=[], readability=None, tone=None,
                signature=signed.signatures[j].copy(), anchors=signed.anchors_of(j).copy(), passages=[],
                passage_keys=no_passages))
    summarized = time.perf_counter()
    print(f"{args.docs:,} documents generated and signed in {summarized - started:.0f} s "
          f"(signing alone {sign_seconds:.0f} s); peak so far {peak_mib():,.0f} MiB", flush=True)
    found = find_duplicates(summaries, settings, corpus.get)
    done = time.perf_counter()
    planted = {(i - OFFSET, i) for i in range(EVERY - 1, args.docs, EVERY)}
    paired = {tuple(sorted((int(p.a), int(p.b)))) for p in found.pairs}
    print(f"corpus pass (candidates, verification, clusters) in {done - summarized:.0f} s: "
          f"{len(found.pairs):,} verified pairs, {len(found.clusters):,} clusters, "
          f"planted pairs found {len(planted & paired) / len(planted):.4f}, other pairs {len(paired - planted):,}")
    print(f"peak memory (max RSS): {peak_mib():,.0f} MiB; total {done - started:.0f} s")


if __name__ == "__main__":
    main()
