import json

from audit.report.markdown import render_markdown, to_json
from audit.report.source_pairs import source_pairs
from audit.pipeline import scan
from audit.settings import ScanSettings

QUOTE = ("“We have no choice but to shut the bridge now, because the steel underneath is failing faster "
         "than anyone expected,” the chief engineer told reporters outside the town hall.")
OTHER = "A small bakery in the north of the county has won a national prize for its sourdough bread this week."


def test_passages_grouped_by_pair_of_sources_with_who_reuses_whom(tmp_path):
    rows = [
        {"id": "w1", "source": "wire", "date": "2024-01-01", "text": QUOTE + "\n" + OTHER},
        {"id": "p1", "source": "paper", "date": "2024-01-02", "text": "Local view.\n" + QUOTE},
        {"id": "p2", "source": "paper", "date": "2024-01-03", "text": OTHER + "\nMore."},
        {"id": "b1", "source": "blog", "text": QUOTE},
    ]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = scan([str(path)], ScanSettings(readability=False, tone=False, jobs=1))
    groups = {(g.a, g.b): g for g in source_pairs(result)}
    paper_wire = groups[("paper", "wire")]  # a pair of sources is named in alphabetical order
    assert len(paper_wire.passages) == 2 and paper_wire.documents == ({"p1", "p2"}, {"w1"})
    assert paper_wire.first == (0, 2) and paper_wire.reuser == "paper"
    assert groups[("blog", "wire")].reuser is None  # the blog post has no date
    assert 0 < paper_wire.shares[1] <= 1 and paper_wire.words[1] > 20
    md = render_markdown(result, "docs")
    assert "paper reuses wire (2 of 2 dated pairs)" in md and "unknown (no dates)" in md
    [entry] = [g for g in to_json(result)["source_pairs"] if (g["a"], g["b"]) == ("paper", "wire")]
    assert entry["reuser"] == "paper" and entry["passages"] == 2


def _pair(doc_a, src_a, doc_b, src_b, text="a shared passage of news"):
    from audit.records import PassagePair, Span
    return PassagePair(Span(doc_a, src_a, (1, 1), text), Span(doc_b, src_b, (2, 2), text), 0.9)


def test_a_pair_of_sources_is_one_group_whichever_side_each_passage_was_found_on():
    from audit.records import ScanResult
    result = ScanResult(settings={}, documents=[], findings=[], duplicate_pairs=[], clusters=[], input_errors=0, records=0, passage_pairs=[
        _pair("r1", "rollingstone", "b1", "billboard"), _pair("b2", "billboard", "r2", "rollingstone"),
        _pair("r3", "rollingstone", "b3", "billboard")])
    [group] = source_pairs(result)
    assert (group.a, group.b) == ("billboard", "rollingstone") and len(group.passages) == 3
    assert group.documents == ({"b1", "b2", "b3"}, {"r1", "r2", "r3"})
    assert all(p.a.source == "billboard" for p in group.passages)
    [entry] = to_json(result)["source_pairs"]
    assert (entry["a"], entry["b"], entry["passages"]) == ("billboard", "rollingstone", 3)


def test_a_quoted_passage_carries_its_word_count_across_processes():
    # Counted where the passage is quoted (a Dask worker), so the report sums them without
    # counting every span again; the count is count_words', and survives pickling.
    import pickle

    from audit.records import Span
    from audit.text.normalize import count_words

    span = Span("d", "wire", (3, 3), QUOTE)
    assert span.words == count_words(QUOTE) == 29
    assert pickle.loads(pickle.dumps(span)) == span and pickle.loads(pickle.dumps(span)).words == 29
    assert Span("d", "wire", (3, 3), "three more words", 3).words == 3


def test_a_span_carries_its_folded_digest_which_gathers_one_passage_between_copies():
    # The report gathers the pairs that repeat a passage between copies by the spans' folded
    # digests, made where each span is quoted: case and spacing aside, the same text.
    import pickle

    from audit.records import Span

    span = Span("d", "wire", (3, 3), QUOTE)
    assert pickle.loads(pickle.dumps(span)).folded == span.folded == Span("e", "x", (1, 1), QUOTE.upper()).folded
    assert Span("e", "x", (1, 1), "  ".join(QUOTE.split())).folded == span.folded
    assert Span("e", "x", (1, 1), QUOTE + " More.").folded != span.folded
    assert Span("d", "wire", (3, 3), QUOTE, folded=7).folded == 7
