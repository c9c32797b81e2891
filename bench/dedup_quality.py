"""Measure how dedup decides on real scraped text, and what verifying by signature costs in accuracy.

The labelled set: JSON Lines with ``article`` (the page) and ``text`` (one extractor's output of
it), e.g. ``../shared/data/extraction-dev/docs.jsonl``: versions of one article are near-duplicates
of each other; different articles are not. The feed is read in file order, as ``dedup`` would read
it, and the script reports

1. dedup's own verdicts (index, LSH candidates, verification on the whole MinHash signature):
   duplicates that name a version of the same article (precision), and versions of an article seen
   before that were caught (recall);
2. the same feed decided by brute force with *exact* Jaccard similarity of the shingle sets against
   every item kept so far (what storing shingle sets instead of signatures would give at best),
   and how many items the two ways decide differently;
3. what each way would store per item: 512 bytes of signature, or 4 bytes per distinct shingle.

    python bench/dedup_quality.py ../shared/data/extraction-dev/docs.jsonl
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from audit.dedup import Signing, run
from audit.minhash import Signer, shingles
from audit.readers import Corpus
from audit.records import Document
from audit.rules import load_rules
from audit.settings import SimilaritySettings


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
    repeats = caught = right = 0
    for r in records:
        if r["article"] in seen:
            repeats += 1
            caught += r["id"] in verdicts
        seen.add(r["article"])
    right = sum(article[d["duplicate_of"]] == article[i] for i, d in verdicts.items())
    print(f"items: {done.counts.read}; dedup: {done.counts.new} new, {done.counts.duplicates} duplicates")
    print(f"  duplicates naming a version of the same article: {right}/{len(verdicts)} "
          f"({right / max(len(verdicts), 1):.1%})")
    print(f"  versions of an article seen before that were caught: {caught}/{repeats} ({caught / max(repeats, 1):.1%})")

    # Brute force with exact Jaccard on the same texts (page text blanked by the rules, as dedup does).
    signing = Signing(rules, Signer(sim.num_perm, sim.seed), sim.shingle_size)
    kept: list[tuple[str, frozenset[str]]] = []
    exact_dups: dict[str, str] = {}
    sizes = []
    for doc in Corpus([path]):
        if not isinstance(doc, Document):
            continue
        body = signing.body_words(doc)
        grams = frozenset(shingles(body, sim.shingle_size))
        sizes.append(len(grams))
        best = max(((len(grams & g) / len(grams | g), k) for k, g in kept), default=(0.0, ""))
        if best[0] >= sim.min_document_similarity:
            exact_dups[doc.id] = best[1]
        else:
            kept.append((doc.id, grams))
    exact_right = sum(article[o] == article[i] for i, o in exact_dups.items())
    flips_new = sum(1 for i in verdicts if i not in exact_dups)
    flips_dup = sum(1 for i in exact_dups if i not in verdicts)
    print(f"exact Jaccard, brute force: {len(kept)} new, {len(exact_dups)} duplicates; same article: "
          f"{exact_right}/{len(exact_dups)} ({exact_right / max(len(exact_dups), 1):.1%})")
    print(f"  decided otherwise by dedup: {flips_new} duplicates that exact Jaccard calls new, "
          f"{flips_dup} the other way ({(flips_new + flips_dup) / done.counts.read:.2%} of items)")
    mean = sum(sizes) / len(sizes)
    print(f"storage per item: signature {sim.num_perm * 4} B; shingle hashes {mean * 4:.0f} B on average "
          f"(mean {mean:.0f} distinct shingles, max {max(sizes)})")


if __name__ == "__main__":
    main(sys.argv[1])
