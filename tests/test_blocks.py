"""A run of documents' report content packed where it was analyzed counts as its documents one
by one would: figures, the first rows of the tables of findings, spooled bytes."""

from __future__ import annotations

import copy
import functools
import pickle
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from audit.analyze import Analyzer
from audit.checks.figures import Tally
from audit.engines.blocks import Block
from audit.lines.rules import load_rules
from audit.lines.statistics import SIGNALS
from audit.lines.templates import template_input
from audit.pipeline import scan
from audit.read.spool import Pickles, Spool
from audit.records import Document
from audit.report.json_entries import entries
from audit.report.markdown import render_markdown
from audit.report.rows import FirstRows
from audit.report.score_figures import ScoreFigures
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
    assert block.tally == tally and block.tally.grades.count > 1
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
                part.grades.add(g)
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


#: Texts whose tones tie (the same text under other ids), and one with no sentence to score.
TONED = ["The outrageous plan was slammed by furious critics. Officials insisted it was a shameful betrayal!",
         "The committee met on Monday and reviewed the budget for the coming year.", "Hi."]


@functools.cache
def _scored_documents(counted_texts: tuple[str, ...]):
    settings = ScanSettings()
    analyzer = Analyzer(settings, load_rules(settings.rule_dirs, settings.disabled_rules, known=SIGNALS))
    texts = [*counted_texts, MORE, *TONED]
    docs = [Document(f"d{(7 * i) % 23}", f"outlet{i % 3}", texts[i % len(texts)]) for i in range(23)]
    return [(s, (s.readability, s.tone)) for s in analyzer.batch(docs)]


def _figures_seen(figures):
    """What the report reads of figures (evidence words in the order first counted, which breaks
    ties in the most frequent)."""
    sources = {src: (sc.documents, sc.series, list(sc.evidence.items())) for src, sc in sorted(figures.sources.items())}
    return (sorted(figures.languages.items()), sources, figures.readability, figures.unscored, figures.toned,
            figures.most_loaded())


def test_score_figures_counted_in_runs_are_those_counted_one_by_one(counted_texts):
    documents = _scored_documents(tuple(counted_texts))

    @given(cuts=st.lists(st.integers(0, len(documents)), max_size=6), most=st.integers(1, 6))
    def check(cuts, most):
        one_by_one, in_runs = ScoreFigures(most=most), ScoreFigures(most=most)
        for i, (d, scores) in enumerate(documents):
            one_by_one.document(i, d, scores)
        bounds = [0, *sorted(cuts), len(documents)]
        runs = []
        for start, end in zip(bounds, bounds[1:]):
            run = ScoreFigures(most=most)
            for k, (d, scores) in enumerate(documents[start:end]):
                run.document(k, d, scores)
            runs.append((run, repr(_figures_seen(run))))
            in_runs.add_run(run, start)
        seen = _figures_seen(one_by_one)
        assert _figures_seen(in_runs) == seen == _figures_seen(pickle.loads(pickle.dumps(in_runs)))
        assert all(repr(_figures_seen(run)) == counted for run, counted in runs)  # the runs added are left as they were
        assert len(seen[0]) == 3 and seen[4] and len(seen[5]) == min(most, seen[4]) and seen[3].total
        # The most loaded are the documents of the highest tone, ties by id.
        toned = sorted((-s[1].score, d.id, i) for i, (d, s) in enumerate(documents) if s[1] and d.language != "de")
        assert seen[5] == [i for *_, i in toned[:most]]

    check()


def test_a_scans_report_from_its_counted_figures_is_the_one_counted_from_its_documents(counted_texts, monkeypatch):
    monkeypatch.setattr("audit.engines.local.BLOCK_SIZE", 32)  # a few blocks of a batch each
    texts = [*counted_texts, MORE, *TONED]
    records = [{"id": f"r{(5 * i) % 101}", "source": f"s{i % 4}", "text": texts[i % len(texts)] + f" Item {i}."}
               for i in range(101)]
    result = scan(records, ScanSettings(jobs=1), name="records")
    assert result.documents.figures is not None and result.documents.figures.toned > 32
    counted = render_markdown(result, "records")
    result.documents.figures = None
    assert render_markdown(result, "records") == counted
