import json
from collections import Counter

import pytest

from audit.checks.baseline import apply_baseline, finding_key, keys, read_baseline, render_baseline
from audit.errors import ConfigError
from audit.records import Cluster, Finding, PassagePair, Span
from audit.settings import Thresholds
from audit.checks.thresholds import decide


def widget(doc="a", line=3, text="Share this Article"):
    return Finding(doc, "boilerplate", "share.widget", "warning", "Share widget", line=line, text=text)


def test_key_ignores_line_case_and_spacing_but_not_document_or_rule():
    assert finding_key(widget(line=3)) == finding_key(widget(line=40, text="SHARE  this  article "))
    assert finding_key(widget(doc="a")) != finding_key(widget(doc="b"))
    other = Finding("a", "boilerplate", "byline.by", "info", "Byline", line=3, text="Share this Article")
    assert finding_key(other) != finding_key(widget())


def test_repeats_are_counted(make_doc, make_result):
    known = keys(make_result([make_doc("a", "x")], [widget(line=1), widget(line=2)]))
    judged, count = apply_baseline(make_result([make_doc("a", "x")], [widget(line=5), widget(line=6), widget(line=7)]),
                                   known)
    assert count == 2 and [f.line for f in judged.findings] == [7]


def test_figures_follow_the_new_findings(make_doc, make_result):
    docs = [make_doc(i, "x") for i in "abcd"]
    dups = [Finding(m, "duplicate", "duplicate.document", "warning", "Near-duplicate of a") for m in "bc"]
    error = Finding("feed.jsonl", "input-error", "input.unreadable", "error", "invalid JSON", line=2)
    pair = PassagePair(Span("a", "x", (1, 1), "same words"), Span("d", "y", (2, 2), "same words"), 0.9)
    full = make_result(docs, [*dups, error], [Cluster(["a", "b", "c"], "a", "longest", 0.9)], [pair], input_errors=1)
    known = keys(make_result(docs, [dups[0], error], passage_pairs=[pair]))
    judged, count = apply_baseline(full, known)
    assert count == 3
    assert [c.members for c in judged.clusters] == [["a", "c"]]
    assert judged.input_errors == 0 and judged.passage_pairs == []
    assert [f.document for f in judged.findings] == ["c"]
    # Figures judged before the baseline went with the findings it took out: not carried over.
    decide(full, Thresholds())
    judged, _ = apply_baseline(full, known)
    assert judged.figures is None
    decide(judged, Thresholds())
    assert judged.figures["duplicate_documents"] == 1 and full.figures["duplicate_documents"] == 2


def test_file_round_trip_is_sorted_and_stable(make_doc, make_result, tmp_path):
    result = make_result([make_doc("b", "x"), make_doc("a", "x")], [widget("b"), widget("a"), widget("a", line=9)])
    text = render_baseline(result)
    assert text == render_baseline(result)
    entries = json.loads(text)["findings"]
    assert [(e["documents"], e["count"], e["text"]) for e in entries] == [
        (["a"], 2, "Share this Article"), (["b"], 1, "Share this Article")]
    path = tmp_path / "baseline.json"
    path.write_text(text)
    assert read_baseline(str(path)) == keys(result) == Counter({finding_key(widget("a")): 2, finding_key(widget("b")): 1})


@pytest.mark.parametrize("body, message", [
    (None, "baseline file not found"),
    ("{", "baseline is not valid JSON"),
    ('{"findings": []}', "not a corpus-audit baseline of format 1"),
    ('{"corpus-audit-baseline": 1, "findings": [{"rule": "x"}]}', "baseline entry 1 needs rule, documents and hash"),
])
def test_bad_baselines_name_the_file(tmp_path, body, message):
    path = tmp_path / "b.json"
    if body is not None:
        path.write_text(body)
    with pytest.raises(ConfigError) as err:
        read_baseline(str(path))
    assert str(err.value) == f"{path}: {message}" or str(err.value).startswith(f"{path}: {message}")
