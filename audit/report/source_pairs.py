"""Passages shared between outlets, grouped by pair of sources: who reuses whom, and how much."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from audit.records import PassagePair, ScanResult
from audit.results import summaries


@dataclass
class SourcePair:
    """What two sources share: passages, the documents and words involved on each side, and
    which side published first where both documents of a passage pair carry a date."""

    a: str
    b: str
    passages: list[PassagePair] = field(default_factory=list)
    documents: tuple[set[str], set[str]] = field(default_factory=lambda: (set(), set()))
    #: Words of the shared passages on each side (each located passage counted once).
    words: tuple[int, int] = (0, 0)
    #: Share of each source's words that lie in passages shared with the other.
    shares: tuple[float, float] = (0.0, 0.0)
    #: Passage pairs whose `a` side was published first, and whose `b` side was.
    first: tuple[int, int] = (0, 0)

    @property
    def reuser(self) -> str | None:
        """The source that published the shared passages later, when the dates say so clearly
        (at least two thirds of the dated pairs); None when undated or mixed."""
        dated = sum(self.first)
        if not dated:
            return None
        if self.first[0] * 3 >= dated * 2:
            return self.b
        if self.first[1] * 3 >= dated * 2:
            return self.a
        return None

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "passages": len(self.passages),
                "documents": [len(self.documents[0]), len(self.documents[1])], "words": list(self.words),
                "shares": list(self.shares), "published_first": list(self.first), "reuser": self.reuser}


def oriented(p: PassagePair) -> PassagePair:
    """The pair with its sides in the order of their sources' names, so that a pair of sources is
    one group whichever side each passage was found on."""
    return p if p.a.source <= p.b.source else PassagePair(p.b, p.a, p.similarity)


def source_pairs(result: ScanResult) -> list[SourcePair]:
    """Passage pairs grouped by the unordered pair of sources (named in alphabetical order, each
    passage pair turned to match), most shared passages first."""
    if not result.passage_pairs:
        return []
    shared = {span.document for p in result.passage_pairs for span in (p.a, p.b)}
    dates: dict[str, str | None] = {}
    totals: dict[str, int] = defaultdict(int)
    for d in summaries(result.documents):
        totals[d.source] += d.words
        if d.id in shared:
            dates[d.id] = d.date
    groups: dict[tuple[str, str], SourcePair] = {}
    spans: dict[tuple[str, str], tuple[dict, dict]] = {}
    for p in map(oriented, result.passage_pairs):
        key = (p.a.source, p.b.source)
        group = groups.setdefault(key, SourcePair(*key))
        seen = spans.setdefault(key, ({}, {}))
        group.passages.append(p)
        for side, span in enumerate((p.a, p.b)):
            group.documents[side].add(span.document)
            seen[side][(span.document, span.lines, span.text)] = span.words
        da, db = dates.get(p.a.document), dates.get(p.b.document)
        if da and db and da != db:
            group.first = (group.first[0] + (da < db), group.first[1] + (db < da))
    for key, group in groups.items():
        group.words = (sum(spans[key][0].values()), sum(spans[key][1].values()))
        group.shares = tuple(round(w / totals[s], 4) if totals[s] else 0.0
                             for w, s in zip(group.words, key))
    return sorted(groups.values(), key=lambda g: (-len(g.passages), g.a, g.b))
