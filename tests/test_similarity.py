import json

from audit.scan import scan
from audit.settings import ScanSettings

STORY = ("The city council voted on Tuesday to close the old harbour bridge for repairs that engineers say "
         "will take at least eighteen months and cost more than forty million pounds. ")
OTHER = ("A small bakery in the north of the county has won a national prize for its sourdough bread, beating "
         "more than three hundred entries from across the country in a blind tasting. ")
QUOTE = ("“We have no choice but to shut the bridge now, because the steel underneath is failing faster "
         "than anyone expected,” the chief engineer told reporters outside the town hall.")


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def quick():
    return ScanSettings(readability=False, tone=False, jobs=1)


def test_near_duplicate_documents_are_verified_and_clustered(tmp_path):
    base = STORY * 3 + "\n" + QUOTE
    rows = [
        {"id": "a", "source": "one", "text": base},
        {"id": "b", "source": "two", "text": base.replace("forty", "fifty") + "\nShare this article"},
        {"id": "c", "source": "three", "text": OTHER * 3},
    ]
    result = scan([write_jsonl(tmp_path / "docs.jsonl", rows)], quick())
    assert [(p.a, p.b) for p in result.duplicate_pairs] == [("a", "b")]
    assert 0.5 <= result.duplicate_pairs[0].similarity < 1.0
    [cluster] = result.clusters
    assert cluster.members == ["a", "b"] and cluster.kept == "a"
    assert [f.document for f in result.findings if f.kind == "duplicate"] == ["b"]


def test_shared_passage_between_sources_with_locations(tmp_path):
    rows = [
        {"id": "a", "source": "one", "text": STORY + "\n" + QUOTE},
        {"id": "b", "source": "two", "text": OTHER + "\n\n" + QUOTE.replace("told reporters", "said")},
        {"id": "c", "source": "one", "text": OTHER + "\n" + QUOTE},
    ]
    result = scan([write_jsonl(tmp_path / "docs.jsonl", rows)], quick())
    pairs = {(p.a.document, p.a.lines, p.b.document, p.b.lines) for p in result.passage_pairs}
    # a and c share the quote but are of one source: only pairs across sources count.
    assert pairs == {("a", (2, 2), "b", (3, 3)), ("b", (3, 3), "c", (2, 2)), ("b", (1, 1), "c", (1, 1))}
    pair = result.passage_pairs[0]
    assert pair.a.text == QUOTE and pair.b.text.endswith("the chief engineer said outside the town hall.")
    assert 0.5 <= pair.similarity < 1


def test_candidates_below_threshold_are_rejected(tmp_path):
    rows = [{"id": "a", "source": "one", "text": STORY}, {"id": "b", "source": "two", "text": OTHER}]
    result = scan([write_jsonl(tmp_path / "docs.jsonl", rows)], quick())
    assert result.duplicate_pairs == [] and result.passage_pairs == [] and result.clusters == []


def test_parallel_and_serial_runs_agree(tmp_path):
    rows = [{"id": str(i), "source": f"s{i % 3}", "text": (STORY if i % 2 else OTHER) + f" Item {i}.\n" + QUOTE}
            for i in range(80)]
    path = write_jsonl(tmp_path / "docs.jsonl", rows)
    from audit.report import to_json
    serial = to_json(scan([path], ScanSettings(jobs=1)))
    parallel = to_json(scan([path], ScanSettings(jobs=2)))
    serial.pop("generated"), parallel.pop("generated")
    assert serial == parallel
