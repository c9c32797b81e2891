"""A run of documents' report content packed where it was analyzed counts as its documents one
by one would: figures, the first rows of the tables of findings, spooled bytes."""

from __future__ import annotations

import copy
import pickle
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from audit.analyze import Analyzer
from audit.checks.figures import GRADE_UNIT, Tally
from audit.engines.blocks import Block
from audit.lines.rules import load_rules
from audit.lines.statistics import SIGNALS
from audit.lines.templates import template_input
from audit.read.spool import Pickles, Spool
from audit.records import Document
from audit.report.json_entries import entries
from audit.report.rows import FirstRows
from audit.settings import ScanSettings

#: A leftover newsletter prompt and an advertisement marker besides the texts every figure counts.
MORE = ("Subscribe to our newsletter\nThe mayor said the plan would be ready by spring, and that the "
        "council would hear from residents first. Critics called it rushed.\nAdvertisement")


def _analyzed(texts):
    settings = ScanSettings(languages=("en",))
    analyzer = Analyzer(settings, load_rules(settings.rule_dirs, settings.disabled_rules, known=SIGNALS),
                        render=entries)
    texts = [*texts, MORE]
    docs = [Document(f"d{i}", f"outlet{i % 2}", texts[i % len(texts)]) for i in range(10)]
    return analyzer, analyzer.batch(docs)


def test_a_block_counts_and_spools_what_its_documents_one_by_one_would(counted_texts):
    analyzer, summaries = _analyzed(counted_texts)
    alone = [copy.copy(s) for s in summaries]
    tally, rows = Tally(), FirstRows(most=3)  # few rows: the documents past a table's first are left out
    for k, s in enumerate(alone):
        tally.document(s, s.readability)
        tally.findings(s.findings)
        rows.add(k, [f.kind for f in s.findings], [f.rule for f in s.findings])
    expected = [(list(s.findings), (s.readability, s.tone), template_input(s)[1], entries(s)) for s in alone]
    assert any(f for f, *_ in expected) and any(not f for f, *_ in expected)

    block = Block.of(summaries, analyzer.render)
    assert all(s.findings == () and s.packed is None and s.readability is None for s in block.summaries)
    assert block.tally == tally and block.tally.graded > 1
    # A block's rows are noted for the report's tables, and add up as those noted one by one.
    run = FirstRows(most=3)
    run.add_run(block.rows, 0)
    assert run.counts == rows.counts and run.documents == rows.documents and run.documents
    assert block.counts.tolist() == [len(f) for f, *_ in expected]
    assert block.claimed == [claimed for *_, claimed, _ in expected]
    assert block.entries is not None
    for k, (findings, scores, _, (item, found)) in enumerate(expected):
        assert pickle.loads(block.findings[k]) == findings and pickle.loads(block.scores[k]) == scores
        assert pickle.loads(block.entries[0][k]) == item and pickle.loads(block.entries[1][k]) == found


def test_what_is_left_of_a_block_is_the_block_of_what_is_left(counted_texts):
    analyzer, summaries = _analyzed(counted_texts)
    keep = [0, 3, 4, 8]
    left = Block.of([copy.copy(summaries[i]) for i in keep], analyzer.render)
    block = Block.of(summaries, analyzer.render).only(keep)
    assert [s.id for s in block.summaries] == [s.id for s in left.summaries]
    assert block.tally == left.tally and block.rows == left.rows
    assert block.counts.tolist() == left.counts.tolist() and block.claimed == left.claimed
    assert block.findings.data == left.findings.data and block.scores.data == left.scores.data
    assert block.entries is not None and left.entries is not None
    assert [p.data for p in block.entries] == [p.data for p in left.entries]


@given(runs=st.lists(st.lists(st.lists(st.sampled_from(
    [("boilerplate", "share.widget"), ("boilerplate", "credit.label"), ("quality", "lines.short"),
     ("encoding", "encoding.mojibake"), ("language", "language.other")]), max_size=4), max_size=6), max_size=6),
    most=st.integers(1, 5))
def test_first_rows_noted_a_run_at_a_time_are_those_noted_one_by_one(runs, most):
    one_by_one, in_runs = FirstRows(most=most), FirstRows(most=most)
    index = 0
    for documents in runs:
        run = FirstRows(most=most)
        for k, found in enumerate(documents):
            kinds, rules = [kind for kind, _ in found], [rule for _, rule in found]
            one_by_one.add(index + k, kinds, rules)
            run.add(k, kinds, rules)
        in_runs.add_run(run, index)
        index += len(documents)
    assert in_runs.counts == one_by_one.counts and in_runs.documents == one_by_one.documents


@given(grades=st.lists(st.lists(st.floats(-30, 120, allow_nan=False) | st.floats(-1e-300, 1e-300)), max_size=5))
def test_grades_tallied_apart_add_up_to_the_exact_mean_in_any_order(grades):
    def tallied(runs):
        total = Tally()
        for run in runs:
            part = Tally()
            for g in run:
                part.graded += 1
                numerator, denominator = g.as_integer_ratio()
                part.grade_units += numerator * (GRADE_UNIT // denominator)
            total.add(part)
        return total

    forward, backward = tallied(grades), tallied([run[::-1] for run in grades[::-1]])
    flat = [g for run in grades for g in run]
    assert forward == backward
    if flat:
        exact = sum(map(Fraction, flat)) / len(flat)
        assert forward.mean_grade(2) == float(round(exact, 2)) and forward.mean_grade(20) == float(round(exact, 20))
    else:
        assert forward.mean_grade(2) is None


def test_a_spool_takes_runs_of_pickles_among_single_records():
    records = [{"n": i, "text": "x" * (i % 7)} for i in range(2500)]
    with Spool() as spool:
        spool.append(records[0])
        spool.append_pickles(Pickles.of([pickle.dumps(r) for r in records[1:1500]]))  # past the first 1,024 places
        spool.append_pickled(pickle.dumps(records[1500]))
        spool.append_pickles(Pickles.of([]))
        spool.append_pickles(Pickles.of([pickle.dumps(r) for r in records[1501:]]))
        assert len(spool) == len(records) and list(spool) == records and spool[1499] == records[1499]
