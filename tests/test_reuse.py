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
    wire_paper = groups[("wire", "paper")]
    assert len(wire_paper.passages) == 2 and wire_paper.documents == ({"w1"}, {"p1", "p2"})
    assert wire_paper.first == (2, 0) and wire_paper.reuser == "paper"
    assert groups[("wire", "blog")].reuser is None  # the blog post has no date
    assert 0 < wire_paper.shares[0] <= 1 and wire_paper.words[0] > 20
    md = render_markdown(result, "docs")
    assert "paper reuses wire (2 of 2 dated pairs)" in md and "unknown (no dates)" in md
    [entry] = [g for g in to_json(result)["source_pairs"] if (g["a"], g["b"]) == ("wire", "paper")]
    assert entry["reuser"] == "paper" and entry["passages"] == 2
