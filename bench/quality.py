"""Near-duplicate quality, measured: pair precision and recall on labelled and on planted data.

1. extraction-dev (../shared/data/extraction-dev/docs.jsonl): the versions of one article by
   different extraction tools are duplicates of each other (near-duplicates, or an article inside
   the whole-page dump of inscriptis); different articles are not. Scored for the verified pairs
   the scan reports and for its clusters (every two members of a cluster count as a pair), with
   a sweep over the settings that decide, beside document-level datasketch MinHash alone.
2. Planted near-duplicates: synthetic news-length documents, each with one copy edited at a set
   rate (substitutions, insertions, deletions, a mix), cropped, or embedded in a longer page;
   recall per edit, and precision over all pairs.

    python bench/quality.py [--data PATH] [--planted N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from itertools import combinations
from pathlib import Path

from datasketch import MinHash, MinHashLSH

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import Corpus, vocabulary  # noqa: E402

from audit.similarity.minhash import shingles
from audit.text.normalize import words
from audit.records import Document, Origin  # noqa: E402
from audit.lines.rules import load_rules
from audit.analyze import Analyzer, prepare
from audit.engines.local import analyze_all
from audit.settings import ScanSettings, SimilaritySettings  # noqa: E402
from audit.similarity.verify import Edges
from audit.similarity.duplicates import compare_loaded, find_duplicates

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction-dev" / "docs.jsonl"


def score(predicted: set[tuple[int, int]], truth: set[tuple[int, int]]) -> tuple[float, float]:
    hit = len(predicted & truth)
    return (hit / len(predicted) if predicted else 1.0), hit / len(truth)


class Run:
    """Documents analyzed once; the corpus pass re-run for each setting."""

    def __init__(self, docs: list[Document], similarity: SimilaritySettings) -> None:
        self.settings = ScanSettings(similarity=similarity, readability=False, tone=False, jobs=2)
        self.rules = load_rules((), ())
        self.docs = docs
        started = time.perf_counter()
        self.summaries = [s for block in analyze_all(docs, Analyzer(self.settings, self.rules), 2) for s in block.summaries]
        self.analyze_seconds = time.perf_counter() - started
        self.index = {d.id: i for i, d in enumerate(docs)}
        self.bodies: dict[int, list[str]] = {}

    def load(self, needed: set[int]):
        for i in sorted(needed):
            if i not in self.bodies:  # kept between settings: the bench re-runs the pass many times
                self.bodies[i] = prepare(self.docs[i], self.rules, self.settings.lines).compared
            yield i, self.bodies[i]

    def pairs(self, similarity: SimilaritySettings) -> tuple[set, set]:
        """(verified pairs, pairs within clusters) as sets of index pairs."""
        batches: list[Edges] = []

        def compare(pairs, passages, settings):
            found, shared = compare_loaded(self.load, self.summaries, pairs, passages, settings)
            batches.extend(found)
            return batches, shared

        found = find_duplicates(self.summaries, similarity, self.load, compare=compare)
        edges = Edges.joined(batches)
        verified = (edges.pair(k, self.summaries) for k in range(len(edges)))
        direct = {tuple(sorted((self.index[p.a], self.index[p.b]))) for p in verified}
        within = {tuple(sorted(x)) for c in found.clusters for x in combinations([self.index[m] for m in c.members], 2)}
        return direct, within


def datasketch_baseline(texts: list[str]) -> set[tuple[int, int]]:
    """Document-level datasketch MinHash: 5-word shingles, 128 permutations, LSH and estimate at 0.3."""
    lsh = MinHashLSH(threshold=0.3, num_perm=128)
    sketches = []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=128)
        m.update_batch([s.encode("utf-8") for s in shingles(words(text), 5)])
        lsh.insert(i, m)
        sketches.append(m)
    return {(min(i, j), max(i, j)) for i, m in enumerate(sketches) for j in lsh.query(m)
            if i != j and m.jaccard(sketches[j]) >= 0.3}


def extraction(path: Path) -> None:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    docs = [Document(r["id"], r["source"], r["text"], Origin(str(path), n + 1), fields={}) for n, r in enumerate(rows)]
    truth = {(i, j) for i, j in combinations(range(len(rows)), 2) if rows[i]["article"] == rows[j]["article"]}
    print(f"## extraction-dev: {len(rows)} documents, {len(truth)} duplicate pairs\n")
    started = time.perf_counter()
    base = datasketch_baseline([r["text"] for r in rows])
    print("| setting | verified pairs P | R | cluster pairs P | R |")
    print("|---|---|---|---|---|")
    p, r = score(base, truth)
    print(f"| datasketch MinHash alone (5-shingles, 128 perms, LSH + estimate at 0.3; {time.perf_counter() - started:.0f} s) | {p:.4f} | {r:.4f} | – | – |")
    defaults = SimilaritySettings()
    variants = [("defaults", {})]
    variants += [(f"min_link_share={v}", {"min_link_share": v}) for v in (0.0, 0.2, 0.3, 0.5)]
    variants += [(f"min_containment={v}", {"min_containment": v}) for v in (0.6, 0.7, 0.8, 1.01)]
    variants += [(f"min_containment_words={v}", {"min_containment_words": v}) for v in (20, 30, 100)]
    variants += [(f"min_document_similarity={v}", {"min_document_similarity": v}) for v in (0.4, 0.5)]
    variants += [(f"anchor_every={v}", {"anchor_every": v}) for v in (4, 16)]
    variants += [(f"document_bands x rows={b}x{r}", {"document_bands": b, "document_rows": r}) for b, r in ((25, 5), (42, 3))]
    runs: dict[tuple[int, int], Run] = {}
    for size in (4, 5, 6):
        if size != defaults.shingle_size:
            variants.append((f"shingle_size={size}", {"shingle_size": size}))
    for name, change in variants:
        similarity = replace(defaults, **change)
        key = (similarity.shingle_size, similarity.anchor_every)
        if key not in runs:
            runs[key] = Run(docs, similarity)
        direct, within = runs[key].pairs(similarity)
        (pd, rd), (pc, rc) = score(direct, truth), score(within, truth)
        print(f"| {name} | {pd:.4f} | {rd:.4f} | {pc:.4f} | {rc:.4f} |")
    run = runs[(defaults.shingle_size, defaults.anchor_every)]
    print(f"\nAnalysis (rules, signatures, anchors; 2 processes): {len(docs) / run.analyze_seconds:.0f} documents/s.\n")


EDITS = ("substitute", "insert", "delete", "mixed")
RATES = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
CROPS = (0.9, 0.75, 0.5, 0.25)
EMBEDS = (2, 4)


def edit(tokens: list[str], kind: str, rate: float, rng: random.Random, vocab: list[str]) -> list[str]:
    """A copy of `tokens` with each word substituted, followed by an insertion, or deleted at `rate`."""
    out = []
    for t in tokens:
        k = kind if kind != "mixed" else rng.choice(("substitute", "insert", "delete"))
        if rng.random() >= rate:
            out.append(t)
        elif k == "substitute":
            out.append(rng.choice(vocab))
        elif k == "insert":
            out += [t, rng.choice(vocab)]
    return out


def planted(per_cell: int) -> None:
    cells = [(f"{k} {r:.0%}", (k, r)) for k in EDITS for r in RATES]
    cells += [(f"crop to {f:.0%}", ("crop", f)) for f in CROPS]
    cells += [(f"inside a page {m}x longer", ("embed", m)) for m in EMBEDS]
    base = Corpus(len(cells) * per_cell + max(EMBEDS) * per_cell * len(EMBEDS), seed=7)
    originals = list(base)
    filler = iter(originals[len(cells) * per_cell:])
    vocab = vocabulary(seed=7).tolist()
    rng = random.Random(7)
    docs: list[Document] = []
    label: dict[int, str] = {}
    truth = set()
    for c, (name, (kind, value)) in enumerate(cells):
        for k in range(per_cell):
            text = originals[c * per_cell + k]
            tokens = text.split(" ")
            if kind == "crop":
                n = int(len(tokens) * value)
                start = rng.randrange(0, len(tokens) - n + 1)
                copy = " ".join(tokens[start:start + n])
            elif kind == "embed":
                parts = [next(filler) for _ in range(value - 1)]
                cut = rng.randrange(0, len(parts) + 1)
                copy = "\n".join(parts[:cut] + [text] + parts[cut:])
            else:
                copy = " ".join(edit(tokens, kind, value, rng, vocab))
            i = len(docs)
            docs.append(Document(f"o{i}", "planted", text, Origin("planted", i)))
            docs.append(Document(f"c{i}", "planted", copy, Origin("planted", i + 1)))
            truth.add((i, i + 1))
            label[i] = name
    run = Run(docs, SimilaritySettings())
    direct, within = run.pairs(SimilaritySettings())
    print(f"## Planted near-duplicates: {len(cells)} edits x {per_cell} documents (~400 words each)\n")
    print("| edit | recall (verified pair) | recall (same cluster) |")
    print("|---|---|---|")
    for name, _ in cells:
        pairs = {(i, i + 1) for i, n in label.items() if n == name}
        print(f"| {name} | {len(pairs & direct) / len(pairs):.2f} | {len(pairs & within) / len(pairs):.2f} |")
    (pd, _), (pc, _) = score(direct, truth), score(within, truth)
    print(f"\nPrecision over all {len(docs)} documents: verified pairs {pd:.4f}, cluster pairs {pc:.4f}.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--planted", type=int, default=100, help="documents per planted edit")
    args = parser.parse_args()
    extraction(args.data)
    planted(args.planted)


if __name__ == "__main__":
    main()
