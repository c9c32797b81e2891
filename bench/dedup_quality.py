"""Measure how dedup decides on real scraped text, and what verifying by signature costs in accuracy.

The labelled set: JSON Lines with ``article`` (the page) and ``text`` (one extractor's output of
it), e.g. ``../shared/data/extraction-dev/docs.jsonl``: versions of one article are near-duplicates
of each other; different articles are not. The feed is read in file order, as ``dedup`` would read
it, and the script reports

1. dedup's own verdicts (index, LSH candidates, verification on the whole MinHash signature):
   duplicates that name a version of the same article (precision), and versions of an article seen
   before that were caught (recall);
2. the same feed decided with *exact* Jaccard similarity of the shingle sets, for the same LSH
   candidates (what storing shingle sets instead of signatures would give), and by brute force
   against every item kept so far (no LSH either), and how many items each decides otherwise;
3. what each way would store per item: 512 bytes of signature, or 4 bytes per distinct shingle.

    python bench/dedup_quality.py ../shared/data/extraction-dev/docs.jsonl
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from audit.feed.dedup import Signing, index_params, run
from audit.feed.index import index_keys
from audit.similarity.minhash import Signer, shingle_sets
from audit.read.readers import Corpus
from audit.records import Document
from audit.lines.rules import load_rules
from audit.settings import SimilaritySettings


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def main(path: str) -> None:
    sim = SimilaritySettings()
    rules = load_rules()
    records = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    article = {r["id"]: r["article"] for r in records}

    with tempfile.TemporaryDirectory() as tmp:
        dups = Path(tmp) / "dups.jsonl"
        done = run([path], str(Path(tmp) / "feed.db"), sim, rules, output=str(Path(tmp) / "new.jsonl"),
                   duplicates=str(dups))
        verdicts = {d["item"]["id"]: d for d in map(json.loads, dups.read_text(encoding="utf-8").splitlines())}
    seen: set[str] = set()
    repeat_ids = []
    for r in records:
        if r["article"] in seen:
            repeat_ids.append(r["id"])
        seen.add(r["article"])
    repeats, caught = len(repeat_ids), sum(i in verdicts for i in repeat_ids)
    right = sum(article[d["duplicate_of"]] == article[i] for i, d in verdicts.items())
    print(f"items: {done.counts.read}; dedup: {done.counts.new} new, {done.counts.duplicates} duplicates")
    print(f"  duplicates naming a version of the same article: {right}/{len(verdicts)} "
          f"({right / max(len(verdicts), 1):.1%})")
    print(f"  versions of an article seen before that were caught: {caught}/{repeats} ({caught / max(repeats, 1):.1%})")

    # The same texts (page text blanked by the rules, as dedup does), decided two other ways: LSH
    # candidates verified by exact Jaccard (what storing shingle sets would give), and brute force
    # against every item kept so far (no LSH at all).
    signing = Signing(rules, Signer(sim.num_perm, sim.seed), sim.shingle_size)
    params = index_params(sim, rules)
    by_band: dict[int, list[int]] = defaultdict(list)
    kept_lsh: list[tuple[str, frozenset[int]]] = []
    kept_all: list[tuple[str, frozenset[int]]] = []
    lsh_dups: dict[str, str] = {}
    exact_dups: dict[str, str] = {}
    sizes = []
    for doc in Corpus([path]):
        if not isinstance(doc, Document):
            continue
        body = signing.body(doc)
        [hashes] = shingle_sets([body], sim.shingle_size)
        grams = frozenset(hashes.tolist())
        sizes.append(len(grams))
        signature = signing.signer.sign_texts([body], sim.shingle_size).signatures
        keys = [int(k) for k in index_keys(signature, params.bands, params.rows)[0]]
        candidates = {i for k in keys for i in by_band.get(k, ())}
        best = max(((jaccard(grams, kept_lsh[i][1]), -i) for i in candidates), default=(0.0, 0))
        if best[0] >= sim.min_document_similarity:
            lsh_dups[doc.id] = kept_lsh[-best[1]][0]
        else:
            for k in keys:
                by_band[k].append(len(kept_lsh))
            kept_lsh.append((doc.id, grams))
        best_all = max(((jaccard(grams, g), k) for k, g in kept_all), default=(0.0, ""))
        if best_all[0] >= sim.min_document_similarity:
            exact_dups[doc.id] = best_all[1]
        else:
            kept_all.append((doc.id, grams))
    for name, dups_of in (("LSH candidates, exact Jaccard", lsh_dups), ("exact Jaccard, brute force", exact_dups)):
        same = sum(article[o] == article[i] for i, o in dups_of.items())
        only_here = sum(1 for i in dups_of if i not in verdicts)
        only_dedup = sum(1 for i in verdicts if i not in dups_of)
        print(f"{name}: {len(dups_of)} duplicates; same article: {same}/{len(dups_of)} "
              f"({same / max(len(dups_of), 1):.1%}); caught {sum(i in dups_of for i in repeat_ids)}/{repeats}")
        print(f"  decided otherwise than dedup: {only_dedup} that dedup calls duplicates, {only_here} the other "
              f"way ({(only_dedup + only_here) / done.counts.read:.2%} of items)")
    mean = sum(sizes) / len(sizes)
    print(f"storage per item: signature {sim.num_perm * 4} B; shingle hashes {mean * 4:.0f} B on average "
          f"(mean {mean:.0f} distinct shingles, max {max(sizes)})")


if __name__ == "__main__":
    main(sys.argv[1])
