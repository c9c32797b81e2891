"""Shared passages as columns: the table is the sequence of pairs it was made of, whatever the
order its pieces come in, and what the report counts on its columns is what it counted on the
pairs (an oracle of the pairs, one by one, below)."""

from __future__ import annotations

import pickle
import random
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from audit.records import PassagePair, ScanResult, Span
from audit.report.markdown import _same_passages
from audit.report.source_pairs import source_pairs
from audit.similarity.passage_table import PassageTable

SOURCES = ["wire", "paper", "blog", "Radio", "é-news"]
WORDS = ["the", "mayor", "said", "on", "monday", "budget", "cuts", "would", "hit", "schools"]


def _corpus(seed: int, pairs: int = 60) -> tuple[list[Any], list[PassagePair]]:
    """Documents (with sources, words and dates, some missing or equal) and passage pairs between
    them: spans repeated in several pairs, and texts on one line that differ in case or spacing
    alone; in odd seeds, one id in two sources (a result made by hand: a scan's ids are unique)."""
    rng = random.Random(seed)
    docs = [SimpleNamespace(id=f"d{k}", source=rng.choice(SOURCES), words=rng.randint(0, 400),
                            date=rng.choice([None, "", "2012-01-02", "2012-01-03", "2011-12-31"]))
            for k in range(14)]
    if seed % 2:
        docs[-1].id, docs[-1].source = docs[0].id, next(s for s in SOURCES if s != docs[0].source)

    def span(d: Any) -> Span:
        line = rng.randint(1, 4)
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 6)))
        if rng.random() < 0.3:
            text = rng.choice([text.upper(), text.replace(" ", "  "), text.title()])
        return Span(d.id, d.source, (line, line + rng.choice([0, 0, 1])), text)

    found: list[PassagePair] = []
    while len(found) < pairs:
        a, b = rng.sample(docs, 2)
        if a.source == b.source:
            continue
        pair = PassagePair(span(a), span(b), round(rng.random(), 3))
        found.append(pair)
        if rng.random() < 0.3:  # the same spans again, in another pair
            found.append(PassagePair(pair.b, pair.a, pair.similarity))
        if rng.random() < 0.1:  # one place, its text again in other case and spacing (a line that holds it twice)
            again = Span(pair.a.document, pair.a.source, pair.a.lines, "  " + pair.a.text.swapcase())
            found.append(PassagePair(again, pair.b, pair.similarity))
    return docs, found


def _result(docs: list[Any], pairs: Any) -> ScanResult:
    return ScanResult(settings={}, documents=docs, findings=[], duplicate_pairs=[], clusters=[],
                      passage_pairs=pairs, input_errors=0, records=len(docs))


def _oracle_groups(docs: list[Any], pairs: list[PassagePair]) -> list[tuple[Any, ...]]:
    """source_pairs as it was counted on the pairs, one by one."""
    dates = {d.id: d.date for d in docs}
    totals: dict[str, int] = defaultdict(int)
    for d in docs:
        totals[d.source] += d.words
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for p in pairs:
        if p.a.source > p.b.source:
            p = PassagePair(p.b, p.a, p.similarity)
        g = groups.setdefault((p.a.source, p.b.source), {"passages": [], "docs": (set(), set()),
                                                          "spans": ({}, {}), "first": [0, 0]})
        g["passages"].append(p)
        for side, s in enumerate((p.a, p.b)):
            g["docs"][side].add(s.document)
            g["spans"][side][(s.document, s.lines, s.text)] = s.words
        da, db = dates.get(p.a.document), dates.get(p.b.document)
        if da and db and da != db:
            g["first"][0] += da < db
            g["first"][1] += db < da
    out = []
    for (a, b), g in groups.items():
        words = tuple(sum(side.values()) for side in g["spans"])
        shares = tuple(round(w / totals[s], 4) if totals[s] else 0.0 for w, s in zip(words, (a, b)))
        out.append((a, b, g["passages"], g["docs"], words, shares, tuple(g["first"])))
    return sorted(out, key=lambda g: (-len(g[2]), g[0], g[1]))


def _oracle_same(pairs: list[PassagePair], cluster_of: dict[str, int]) -> list[tuple[PassagePair, list[PassagePair]]]:
    shown: list[tuple[PassagePair, list[PassagePair]]] = []
    first: dict[tuple[Any, ...], int] = {}
    for p in pairs:
        where = (cluster_of.get(p.a.document, p.a.document), cluster_of.get(p.b.document, p.b.document))
        keys = [(*where, "a", p.a.folded), (*where, "b", p.b.folded)]
        seen = next((first[k] for k in keys if k in first), None)
        if seen is None:
            seen = len(shown)
            shown.append((p, []))
        else:
            shown[seen][1].append(p)
        for k in keys:
            first.setdefault(k, seen)
    return shown


def test_a_table_is_the_sequence_of_its_pairs() -> None:
    _, pairs = _corpus(1, 25)
    table = PassageTable.of(pairs)
    assert len(table) == 25 and list(table) == pairs and table == pairs and pairs == list(table)
    assert table[0] == pairs[0] and table[-1] == pairs[-1] and table[3:7] == pairs[3:7] and table[::-2] == pairs[::-2]
    with pytest.raises(IndexError):
        table[25]
    assert table != pairs[:-1] and table != pairs[::-1] and table != "not pairs"
    assert PassageTable.of(table) is table
    assert len(table.documents) == len({(s.document, s.source) for p in pairs for s in (p.a, p.b)})
    again = pickle.loads(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == pairs and again.texts.shape == (25, 2)
    assert PassageTable.of([]) == [] and list(pickle.loads(pickle.dumps(PassageTable.of([])))) == []
    # As a list compares and is indexed.
    assert table != tuple(pairs) and PassageTable.of([]) != b"" and PassageTable.of([]) != ()
    with pytest.raises(TypeError):
        table[1.0]  # type: ignore[call-overload]
    table[0].similarity = 2.0
    assert table[0] == pairs[0]  # a pair taken out is made anew


def test_tables_made_apart_join_in_the_order_of_their_keys() -> None:
    """As a scan makes them: pieces verified in several places, joined by key, whatever the cut."""
    _, pairs = _corpus(2, 40)
    places = [(i, line, j, line + 1) for i in range(20) for j in range(20) for line in (1, 2)]
    keys = random.Random(2).sample(places, 40)
    by_key = [pairs[k] for k in sorted(range(40), key=keys.__getitem__)]
    for cut in ([], [13], [1, 2, 39], list(range(1, 40))):
        bounds = [0, *cut, 40]
        pieces = [PassageTable.of(pairs[s:e], keys[s:e]) for s, e in zip(bounds, bounds[1:])]
        joined = PassageTable.joined(pieces[::-1])
        assert joined == by_key and joined.keys is None
        assert sorted(joined.documents) == sorted(set(joined.documents))
    assert PassageTable.joined([]) == [] and PassageTable.joined([PassageTable.of([], [])]) == []
    with pytest.raises(ValueError, match="without them"):
        PassageTable.joined([PassageTable.of(pairs)])


def test_taken_rows_swap_their_sides_where_asked() -> None:
    _, pairs = _corpus(3, 6)
    table = PassageTable.of(pairs)
    swapped = table.taken(np.array([4, 1, 4]), np.array([True, False, False]))
    assert list(swapped) == [PassagePair(pairs[4].b, pairs[4].a, pairs[4].similarity), pairs[1], pairs[4]]
    assert table.taken(np.array([], dtype=np.int64)) == []


@pytest.mark.parametrize("seed", range(12))
def test_source_pairs_count_on_columns_what_the_pairs_say(seed: int) -> None:
    docs, pairs = _corpus(seed)
    for given in (pairs, PassageTable.of(pairs)):
        groups = source_pairs(_result(docs, given))
        expected = _oracle_groups(docs, pairs)
        assert [(g.a, g.b, list(g.passages), g.documents, g.words, g.shares, g.first) for g in groups] == expected
    # The case the columns cannot tell apart by digest alone was drawn: one place, two texts.
    assert any(len({p.text for p in ps}) > 1 for ps in _places(pairs).values())


def test_a_span_repeated_counts_its_words_once_as_its_last_pair_gives_them() -> None:
    """Words given by hand that do not follow from the text: counted as a dict of the spans keeps them."""
    docs = [SimpleNamespace(id=id, source=source, words=10, date=None) for id, source in (("a", "x"), ("b", "y"))]
    other = Span("b", "y", (1, 1), "one two three")
    pairs = [PassagePair(Span("a", "x", (1, 1), "same text", words=3), other, 0.9),
             PassagePair(Span("a", "x", (1, 1), "same text", words=5), other, 0.9)]
    [group] = source_pairs(_result(docs, pairs))
    assert group.words == (5, 3) == _oracle_groups(docs, pairs)[0][4]


def _places(pairs: list[PassagePair]) -> dict[tuple[Any, ...], list[Span]]:
    places: dict[tuple[Any, ...], list[Span]] = defaultdict(list)
    for p in pairs:
        for s in (p.a, p.b):
            places[s.document, s.lines, s.folded].append(s)
    return places


@pytest.mark.parametrize("seed", range(12))
def test_copies_of_a_passage_are_gathered_as_on_the_pairs(seed: int) -> None:
    docs, pairs = _corpus(seed, 80)
    rng = random.Random(seed)
    cluster_of = {d.id: rng.randint(0, 2) for d in docs if rng.random() < 0.6}
    for g in source_pairs(_result(docs, pairs)):
        place = np.array([cluster_of.get(d, -1 - k) for k, d in enumerate(g.passages.documents)], dtype=np.int64)
        order, bounds = _same_passages(g.passages, place)
        shown = [(g.passages[row], [g.passages[c] for c in copies])
                 for row, *copies in (order[s:e].tolist() for s, e in zip(bounds, bounds[1:]))]
        assert shown == _oracle_same(list(g.passages), cluster_of)
