"""How the report words things: counts say what they count, plurals, messages without nesting."""

from audit.analyze import Analyzer, analyze
from audit.lines.rules import load_rules
from audit.pipeline import scan
from audit.records import Document
from audit.report.markdown import render_markdown, to_json
from audit.settings import ScanSettings

PROSE = ("The council met on Tuesday evening and voted to rebuild the harbour wall before the winter storms arrive.",
         "Engineers told the meeting that the old stones had shifted by a hand's width since the spring floods.",
         "Residents asked how long the coast road would stay closed, and the mayor promised an answer by Friday.")


def page_dump() -> list[str]:
    """A whole page as text: menus of short items around three paragraphs of prose."""
    menu = [f"  * Section {n}" for n in range(14)]
    return menu + [""] + [line for p in PROSE for line in (p, "")] + [f"  * More {n}" for n in range(12)]


def test_a_page_dump_line_message_does_not_nest_parentheses():
    settings = ScanSettings()
    summary = analyze(Document("page", "site", "\n".join(page_dump())), Analyzer(settings, load_rules()))
    [message] = {f.message for f in summary.findings if f.rule == "lines.page"}
    assert message.count("(") == 1 and message.count(")") == 1, message
    assert message.endswith("(the main text is lines " + message.split("lines ")[-1])


def test_counts_of_one_are_singular_and_counts_say_what_they_count():
    text = ("Floods closed the valley road on Monday, officialsâ€™ said.\n"
            "The river rose two metres overnight and kept rising.")
    md = render_markdown(scan([{"id": "a1", "source": "wire", "text": text}], ScanSettings(jobs=1)), "one")
    assert "| Encoding repairs | 1 in 1 document |" in md and "1 documents" not in md
    assert "| Words (leftover page text left out; split at hyphens and full stops: U.S. is two) | 18 |" in md
    assert "| Document | Words (as the formulas count them: U.S. is one) | Sentences |" in md
    assert "| Source | Documents scored |" in md


def _result(passage_pairs, clusters=(), findings=()):
    from audit.records import ScanResult
    return ScanResult(settings={}, documents=[], findings=list(findings), duplicate_pairs=[], clusters=list(clusters),
                      passage_pairs=passage_pairs, input_errors=0, records=0)


QUOTE = "“We will not stop until the last song is sung,” the singer told the crowd at the stadium on Friday night."


def test_a_passage_shared_by_copies_of_one_cluster_is_shown_once_with_the_copies_listed():
    from audit.records import Cluster, PassagePair, Span
    copies = Cluster(["b1", "b2", "b3"], "b1", "cleanest", 0.9)
    pairs = [PassagePair(Span(b, "billboard", (n, n), QUOTE), Span("r1", "rollingstone", (4, 4), QUOTE), 1.0)
             for n, b in enumerate(["b1", "b2", "b3"], start=7)]
    md = render_markdown(_result(pairs, [copies]), "copies")
    section = md[md.index("### billboard and rollingstone"):md.index("## Near-duplicate documents")]
    assert section.count("the singer told the crowd") == 2  # one table row: the two sides, once
    assert "The same passage in 2 more pairs of copies (near-duplicates of these documents): b2:8 and r1:4; b3:9 and r1:4." in section
    # without the cluster, three documents that merely quote alike are three passages
    apart = render_markdown(_result(pairs), "apart")
    assert apart[apart.index("### billboard"):apart.index("## Near-duplicate documents")].count("the singer told the crowd") == 6


def test_a_long_report_starts_with_its_contents_and_a_short_one_does_not():
    from audit.records import Finding
    findings = [Finding(f"d{i}", "boilerplate", rule, "warning", "Leftover", line=1, text="Share this")
                for rule in ("share.widget", "byline.by", "credit.label") for i in range(150)]
    md = render_markdown(_result([], findings=findings), "long")
    contents = md[md.index("## Contents"):md.index("## Summary")]
    assert "- [Leftover page text](#leftover-page-text)" in contents and "- [Settings](#settings)" in contents
    assert md.index("## Contents") < md.index("## Summary")
    assert "## Contents" not in render_markdown(_result([]), "short")


def test_dedup_says_one_item_and_one_error_in_the_singular(cli, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "text": "A bridge opens downstream of the old mill on Monday."}\n{broken\n')
    run = cli("dedup", "--index", str(tmp_path / "i.db"), str(feed))
    assert "2 read, 1 new, 0 duplicate, 1 error; the index holds 1 item" in run.stderr, run.stderr


def test_scan_says_what_it_wrote_in_every_format(cli, seeds, tmp_path):
    from audit.report.formats import FORMATS
    for fmt in FORMATS:
        out = tmp_path / f"report.{fmt}"
        run = cli("scan", str(seeds), "--format", fmt, "-o", str(out), "-j", "1")
        assert run.returncode == 0, run.stderr
        assert run.stderr == f"corpus-audit: pass: wrote {out}\n", (fmt, run.stderr)
        assert out.stat().st_size > 0


def test_a_clusters_weakest_links_are_split_into_jaccard_and_containment():
    from audit.records import Cluster
    mixed = Cluster(["a", "b", "c"], "a", "cleanest", 0.95, containment=0.95, jaccard=0.61)
    md = render_markdown(_result([], [mixed]), "clusters")
    assert "| Kept | Why | Duplicates | Lowest Jaccard | Lowest containment |" in md
    assert md.count("| 0.61 | 95% |") == 1
    story = " ".join(PROSE)
    result = scan([{"id": "x", "text": story}, {"id": "y", "text": story + " The work starts in May."}],
                  ScanSettings(jobs=1, readability=False, tone=False))
    [cluster] = result.clusters
    assert cluster.containment is None and 0.3 <= cluster.jaccard <= 1
    assert to_json(result)["clusters"][0]["jaccard"] == cluster.jaccard
