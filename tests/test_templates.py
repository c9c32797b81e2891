"""Template lines: keys, copies counted once, and the corpus pass end to end."""

import json
import pickle

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.pipeline import scan
from audit.settings import LineSettings, ScanSettings
from audit.similarity.candidates import copy_pairs
from audit.lines.templates import count_templates, line_key
from audit.similarity.cluster import copy_groups

FOOTER = "Get our free weekly digest of the best local stories, every Friday morning."
ARTICLES = [
    ["The council voted on Tuesday to close the old library and open a new one by the river next year.",
     "Residents said the library had been part of the town for a century, and many asked for a delay."],
    ["The harbour will be dredged this winter so that larger ferries can dock there from next spring.",
     "Fishermen worry that the work will drive the fish away, and they asked the port for a payment."],
    ["A new bus line will link the station with the hospital from March, the transport office said.",
     "The buses will run every ten minutes at peak hours and every twenty minutes in the evening."],
    ["The school on the hill will get a new roof after a storm tore off half of it last month.",
     "Pupils have been taught in the sports hall since then, and parents asked for a quicker repair."],
]


def keys(*values):
    return np.array(values, dtype=np.uint64)


def test_line_keys_fold_the_text_and_depend_on_the_source():
    assert line_key("a.com", "Subscribe  NOW") == line_key("a.com", "subscribe now")
    assert line_key("a.com", "Subscribe now") != line_key("b.com", "Subscribe now")
    assert line_key("a.com", "* * *") == 0


def test_count_is_the_same_in_any_order():
    rows = [(keys(1, 2, 3), 0), (keys(1, 2), 1), (keys(1, 4), 2), (keys(2, 1), 3)]
    assert count_templates(rows, 3).counts == count_templates(rows[::-1], 3).counts == {1: 4, 2: 3}


def test_copies_share_most_of_their_prose_and_count_once():
    prose = [keys(1, 2, 3, 4), keys(1, 2, 3), keys(9, 8, 4), keys(5, 6)]
    assert copy_pairs(prose, 0.5).tolist() == [[0, 1]]
    assert copy_groups(4, copy_pairs(prose, 0.5)).tolist() == [0, 0, 2, 3]
    assert copy_groups(2, copy_pairs([keys(1), keys(2)], 0.5), [[0, 1]]).tolist() == [0, 0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=40),
       st.lists(st.lists(st.integers(0, 29), min_size=1, max_size=5, unique=True).map(sorted), max_size=6))
def test_copy_groups_label_each_document_by_the_first_of_its_copies(copies, clusters):
    """As union-find does it, one document at a time: a cluster's members and each pair of copies
    are one group, named by its smallest document."""
    parent = list(range(30))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in [(m[0], x) for m in clusters for x in m[1:]] + copies:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    pairs = np.array(copies, dtype=np.int64).reshape(-1, 2)
    assert copy_groups(30, pairs, clusters).tolist() == [find(x) for x in range(30)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sets(st.integers(1, 12), max_size=6), max_size=14), st.sampled_from([0.3, 0.5, 1.0]))
def test_copy_pairs_are_those_sharing_enough_keys_of_few_documents(drawn, share):
    # A key of more than MAX_COPY_EVIDENCE documents (3 here) is no evidence; a pair must share one.
    import audit.similarity.candidates

    few = 3
    prose = [np.array(sorted(k), dtype=np.uint64) for k in drawn]
    owners: dict[int, set[int]] = {}
    for d, k in enumerate(drawn):
        for key in k:
            owners.setdefault(key, set()).add(d)
    evidence = {key for key, docs in owners.items() if len(docs) <= few}
    expected = [[a, b] for a in range(len(drawn)) for b in range(a + 1, len(drawn))
                if (n := len(drawn[a] & drawn[b] & evidence)) and n >= share * min(len(drawn[a]), len(drawn[b]))]
    most, audit.similarity.candidates.MAX_COPY_EVIDENCE = audit.similarity.candidates.MAX_COPY_EVIDENCE, few
    try:
        assert copy_pairs(prose, share).tolist() == expected
    finally:
        audit.similarity.candidates.MAX_COPY_EVIDENCE = most


def test_every_pair_of_a_keys_documents_counts_as_evidence():
    # copy_pairs pairs each key's documents through sharing_pairs, which links a document only to
    # the next MAX_PAIRS_PER_KEY of its key: every key that counts must fit that window whole.
    import audit.similarity.candidates
    from audit.lines.templates import MAX_COPY_EVIDENCE

    assert MAX_COPY_EVIDENCE <= audit.similarity.candidates.MAX_PAIRS_PER_KEY + 1
    docs = MAX_COPY_EVIDENCE
    pairs = copy_pairs([keys(7)] * docs, 1.0)
    assert len(pairs) == docs * (docs - 1) // 2


def write_corpus(path, copies_of_first=3):
    records = []
    for i, body in enumerate(ARTICLES):
        records.append({"id": f"a{i}", "source": "example.com", "text": "\n\n".join(body + [FOOTER])})
    # Three more versions of the first article, as other extractors would give them: the same
    # sentences, none of the footer. Alone they must not make its sentences template text.
    for n in range(copies_of_first):
        records.append({"id": f"copy{n}", "source": "example.com", "text": "\n".join(ARTICLES[0][: 2 - n % 2] + ["Share"])})
    records.append({"id": "other", "source": "other.org", "text": "\n\n".join(ARTICLES[1] + [FOOTER])})
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_template_lines_are_found_over_the_corpus(tmp_path):
    path = tmp_path / "feed.jsonl"
    write_corpus(path)
    result = scan([str(path)], ScanSettings(jobs=1, readability=False, tone=False))
    found = [f for f in result.findings if f.rule == "lines.template"]
    assert sorted((f.document, f.line) for f in found) == [(f"a{i}", 5) for i in range(4)]
    assert all(f.text == FOOTER and f.kind == "boilerplate" and f.detail["documents"] == 4 for f in found)
    # the same footer under another source is not template text there
    assert not any(f.document == "other" for f in found)


def test_a_scan_writes_each_documents_details_once_and_again_only_with_template_lines(tmp_path, monkeypatch):
    from audit.read.spool import Patched, Pickles, Spool

    path = tmp_path / "feed.jsonl"
    write_corpus(path)
    # The documents' findings are the spool that the scan patches: what is written to it, then
    # the patches.
    real_patched, real_set, real_append = Patched.__init__, Patched.__setitem__, Spool.append_pickled
    real_extend = Spool.append_pickles
    found: list[Spool] = []
    written: list[list] = []

    def patched(self: Patched, base: Spool) -> None:
        found.append(base)
        real_patched(self, base)

    def appended(self: Spool, data: bytes) -> None:  # what append writes too
        if self in found:
            written.append(pickle.loads(data))
        real_append(self, data)

    def extended(self: Spool, records: Pickles) -> None:  # a block of documents' at once
        if self in found:
            written.extend(pickle.loads(records[k]) for k in range(len(records)))
        real_extend(self, records)

    def replaced(self: Patched, i: int, record: list) -> None:
        written.append(record)
        real_set(self, i, record)

    monkeypatch.setattr(Patched, "__init__", patched)
    monkeypatch.setattr(Patched, "__setitem__", replaced)
    monkeypatch.setattr(Spool, "append_pickled", appended)
    monkeypatch.setattr(Spool, "append_pickles", extended)
    result = scan([str(path)], ScanSettings(jobs=1, readability=False, tone=False))
    assert len(found) == 1
    # 8 documents, and the 4 with the template footer once more, with its finding added
    assert len(written) == 8 + 4
    assert [sum(f.rule == "lines.template" for f in findings) for findings in written[8:]] == [1, 1, 1, 1]
    assert [d.id for d in result.documents if any(f.rule == "lines.template" for f in d.findings)] == \
        [f"a{i}" for i in range(4)]
    assert len(result.findings) == sum(len(d.findings) for d in result.documents) + len(result.findings.extra)


def test_template_threshold_and_switches(tmp_path):
    path = tmp_path / "feed.jsonl"
    write_corpus(path)
    strict = ScanSettings(jobs=1, readability=False, tone=False, lines=LineSettings(min_template_documents=5))
    assert not [f for f in scan([str(path)], strict).findings if f.rule == "lines.template"]
    off = ScanSettings(jobs=1, readability=False, tone=False, disabled_rules=("lines.template",))
    assert not [f for f in scan([str(path)], off).findings if f.rule == "lines.template"]


def test_template_findings_whatever_order_the_loader_reads_in(tmp_path):
    from audit.analyze import Analyzer, prepare
    from audit.lines.statistics import SIGNALS
    from audit.read.readers import Corpus
    from audit.records import Document
    from audit.lines.rules import load_rules
    from audit.lines.templates import template_input
    from audit.pipeline import template_findings

    path = tmp_path / "feed.jsonl"
    write_corpus(path)
    settings = ScanSettings(jobs=1, readability=False, tone=False)
    rules = load_rules(settings.rule_dirs, known=SIGNALS)
    with Corpus([str(path)]) as corpus:
        docs = [d for d in corpus if isinstance(d, Document)]
    summaries = Analyzer(settings, rules).batch(docs)
    lines = [prepare(d, rules, settings.lines, frozenset()).compared for d in docs]

    def found(order):
        inputs = [template_input(s) for s in summaries]
        load = lambda needed: [(i, lines[i]) for i in order if i in needed]  # noqa: E731
        added = dict(template_findings(summaries, inputs, [], settings, load))
        assert all(f.rule == "lines.template" for fs in added.values() for f in fs)
        return [[(f.line, f.text) for f in added.get(i, [])] for i in range(len(summaries))]

    in_order = found(range(len(docs)))
    assert sum(map(len, in_order)) == 4
    assert found(reversed(range(len(docs)))) == in_order
    # A document the loader no longer finds keeps its findings, without template lines.
    assert found([i for i in range(len(docs)) if i != 2]) == [f if i != 2 else [] for i, f in enumerate(in_order)]
