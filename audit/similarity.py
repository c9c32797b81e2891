"""The corpus pass for near-duplicates: LSH candidates, exact verification, clusters, passages.

Candidates come from datasketch's ``MinHashLSH`` over the signatures in the summaries; every
candidate is then verified by the exact Jaccard similarity of its shingle sets, computed from the
texts of just the documents involved, which the caller re-reads (no text is held for the rest).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from datasketch import MinHashLSH

from audit.analyze import unit_shingles
from audit.minhash import Signer, jaccard
from audit.passages import text as passage_text
from audit.records import Cluster, DocumentSummary, DuplicatePair, PassagePair, Span
from audit.settings import SimilaritySettings

#: Given document indexes, yields (index, body lines) for each: the texts needed for verification.
Loader = Callable[[set[int]], Iterable[tuple[int, list[str]]]]


@dataclass
class Duplicates:
    """What the corpus pass found."""

    pairs: list[DuplicatePair]
    clusters: list[Cluster]
    passage_pairs: list[PassagePair]


def exact_jaccard(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two sets (0 when both are empty).

    >>> exact_jaccard({"a", "b"}, {"b", "c"})
    0.3333
    """
    union = len(a | b)
    return round(len(a & b) / union, 4) if union else 0.0


def document_candidates(summaries: list[DocumentSummary], settings: SimilaritySettings, signer: Signer) -> set[tuple[int, int]]:
    """Pairs of document indexes whose signatures collide in some LSH band."""
    lsh = MinHashLSH(threshold=settings.min_document_similarity, num_perm=settings.num_perm)
    signed = [(i, signer.lean(s.signature)) for i, s in enumerate(summaries) if s.signature is not None]
    for i, m in signed:
        lsh.insert(i, m, check_duplication=False)
    return {(min(i, j), max(i, j)) for i, m in signed for j in lsh.query(m) if j != i}


def passage_candidates(summaries: list[DocumentSummary], settings: SimilaritySettings, signer: Signer) -> set[tuple[tuple[int, int], tuple[int, int]]]:
    """Pairs of passages ((document, passage), (document, passage)) from different sources."""
    lsh = MinHashLSH(threshold=settings.min_passage_similarity, num_perm=settings.num_perm)
    keyed = []
    for i, s in enumerate(summaries):
        for p in s.passages:
            m = signer.lean(s.passage_signatures[p.index])
            lsh.insert((i, p.index), m, check_duplication=False)
            keyed.append(((i, p.index), m))
    out = set()
    for key, m in keyed:
        for other in lsh.query(m):
            if other[0] != key[0] and summaries[other[0]].source != summaries[key[0]].source:
                out.add((min(key, other), max(key, other)))
    return out


def _keep(members: list[int], summaries: list[DocumentSummary], policy: str) -> tuple[int, str]:
    """The member a cluster keeps, and why."""
    if policy == "earliest":
        return min(members), "read first"
    if policy == "cleanest":
        def flagged(i: int) -> int:
            return sum(f.kind in ("boilerplate", "encoding") for f in summaries[i].findings)
        best = min(members, key=lambda i: (flagged(i), -summaries[i].words, i))
        return best, "fewest flagged lines"
    best = min(members, key=lambda i: (-summaries[i].words, i))
    return best, "longest"


def clusters_of(pairs: list[tuple[int, int, float]], summaries: list[DocumentSummary], policy: str) -> list[Cluster]:
    """Join verified pairs into clusters (union-find) and pick the member each keeps."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    weakest: dict[int, float] = {}
    for i, j, _ in pairs:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = defaultdict(list)
    for x in list(parent):
        groups[find(x)].append(x)
    for i, _, sim in pairs:
        root = find(i)
        weakest[root] = min(weakest.get(root, 1.0), sim)
    out = []
    for root, members in sorted(groups.items()):
        members.sort()
        kept, reason = _keep(members, summaries, policy)
        out.append(Cluster([summaries[m].id for m in members], summaries[kept].id, reason, weakest[root]))
    return out


def find_duplicates(summaries: list[DocumentSummary], settings: SimilaritySettings, load: Loader) -> Duplicates:
    """Near-duplicate documents, their clusters, and passages shared between sources."""
    signer = Signer(settings.num_perm, settings.seed)
    doc_pairs = document_candidates(summaries, settings, signer)
    passage_pairs = passage_candidates(summaries, settings, signer)
    needed = {i for pair in doc_pairs for i in pair} | {k[0] for pair in passage_pairs for k in pair}
    bodies = dict(load(needed)) if needed else {}

    verified_docs: list[tuple[int, int, float]] = []
    pairs_out: list[DuplicatePair] = []
    doc_sets: dict[int, set[str]] = {}

    def doc_set(i: int) -> set[str]:
        if i not in doc_sets:
            doc_sets[i] = set(unit_shingles("\n".join(bodies[i]), settings.shingle_size))
        return doc_sets[i]

    for i, j in sorted(doc_pairs):
        similarity = exact_jaccard(doc_set(i), doc_set(j))
        if similarity >= settings.min_document_similarity:
            verified_docs.append((i, j, similarity))
            estimate = round(jaccard(summaries[i].signature, summaries[j].signature), 4)
            pairs_out.append(DuplicatePair(summaries[i].id, summaries[j].id, estimate, similarity))

    # Windows of one paragraph that match the same paragraph elsewhere merge into one span per side.
    merged: dict[tuple[int, int, int, int], list] = {}
    for (i, pi), (j, pj) in sorted(passage_pairs):
        a, b = summaries[i].passages[pi], summaries[j].passages[pj]
        text_a, text_b = passage_text(bodies[i], a), passage_text(bodies[j], b)
        similarity = exact_jaccard(set(unit_shingles(text_a, settings.passage_shingle_size)),
                                   set(unit_shingles(text_b, settings.passage_shingle_size)))
        if similarity < settings.min_passage_similarity:
            continue
        key = (i, a.line, j, b.line)
        if key in merged:
            m = merged[key]
            m[0], m[1] = min(m[0], a.start), max(m[1], a.end)
            m[2], m[3] = min(m[2], b.start), max(m[3], b.end)
            m[4] = max(m[4], similarity)
        else:
            merged[key] = [a.start, a.end, b.start, b.end, similarity]
    shared = []
    for (i, line_a, j, line_b), (sa, ea, sb, eb, similarity) in sorted(merged.items()):
        da, db = summaries[i], summaries[j]
        shared.append(PassagePair(
            Span(da.id, da.source, (line_a, line_a), bodies[i][line_a - 1][sa:ea]),
            Span(db.id, db.source, (line_b, line_b), bodies[j][line_b - 1][sb:eb]),
            similarity,
        ))
    return Duplicates(pairs_out, clusters_of(verified_docs, summaries, settings.keep), shared)
