"""Property tests: any input gives a result, never an exception."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.normalize import fold, repair, words
from audit.readers import Corpus, Document, InputProblem
from audit.rules import load_rules
from audit.sentences import split

RULES = load_rules()
texts = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600))
def test_any_file_bytes_give_a_document_or_a_problem(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("p")
    (folder / "doc.txt").write_bytes(data)
    (folder / "feed.jsonl").write_bytes(data)
    records = list(Corpus([str(folder)]))
    assert records and all(isinstance(r, (Document, InputProblem)) for r in records)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(texts, st.integers(), st.none(), st.dictionaries(st.text(max_size=5), texts, max_size=3)), max_size=5))
def test_any_json_values_give_documents_or_problems(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("j") / "feed.jsonl"
    path.write_text("".join(json.dumps(v) + "\n" for v in values))
    records = list(Corpus([str(path)]))
    assert len(records) <= len(values)
    assert all(isinstance(r, (Document, InputProblem)) for r in records)


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_repair_keeps_line_count_and_is_idempotent(text):
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fixed = repair(text)
    assert len(fixed.text.split("\n")) == len(lines)
    assert all(r.line <= len(lines) for r in fixed.repairs)
    assert repair(fixed.text).text == fixed.text
    fold(text), words(text)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(texts, max_size=8))
def test_rules_and_sentences_never_fail(lines):
    hits = RULES.apply(lines)
    assert all(1 <= h.line <= len(lines) for h in hits)
    assert len({h.line for h in hits}) == len(hits)
    for line in lines:
        for a, b in split(line):
            assert 0 <= a < b <= len(line)
