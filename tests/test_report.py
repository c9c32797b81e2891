import json
import random

from hypothesis import given
from hypothesis import strategies as st

from audit.report.markdown import render_json, render_markdown, to_json
from audit.pipeline import scan
from audit.settings import ScanSettings


def test_a_scan_counts_its_figures_as_it_writes_the_details_and_its_reports_read_them(seeds, monkeypatch):
    """The figures are counted as each document's details go to disk, not read back for them; the
    thresholds' figures are the reports' too, and those counted from disk."""
    from audit.checks import figures, thresholds
    real, calls = figures.count_figures, []

    def counted(result, tally=None):
        calls.append(tally)
        return real(result, tally)

    monkeypatch.setattr(figures, "count_figures", counted)
    monkeypatch.setattr(thresholds, "count_figures", counted)
    result = scan([str(seeds)], ScanSettings(jobs=1))
    data = json.loads(render_json(result))
    render_markdown(result, "seeds")
    assert len(calls) == 1 and calls[0] is not None
    assert data["summary"] == real(result) == result.figures


def test_the_markdown_report_reads_the_scores_and_findings_its_tables_show(seeds, monkeypatch):
    """Each read of a document's details is an unpickling from disk: the scores of the documents
    the tone table lists (the scan counted the rest of its figures), once, and the findings of the
    documents that hold rows of the tables of findings."""
    from audit.read.spool import Spool

    result = scan([str(seeds)], ScanSettings(jobs=1))
    listed = [i for i, d in enumerate(result.documents)
              if any(f.kind in ("boilerplate", "quality", "encoding") for f in d.findings)]
    assert 0 < len(listed) < len(result.documents)
    real, reads = Spool._item, []
    monkeypatch.setattr(Spool, "_item", lambda self, i: reads.append(i) or real(self, i))
    report = render_markdown(result, "seeds")
    assert sorted(reads) == sorted([*result.documents.figures.most_loaded(), *listed])
    assert "## Leftover page text" in report and "## Readability" in report


def test_json_contract_on_seeds(seeds, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    data = json.loads(render_json(scan([str(seeds)], ScanSettings(jobs=1))))
    assert {"version", "settings", "verdict", "summary", "documents", "findings", "clusters", "passage_pairs"} <= set(data)
    assert data["verdict"] in ("pass", "fail")
    assert data["summary"]["documents"] == 3 and data["summary"]["sources"] == 3
    doc = data["documents"][0]
    assert {"id", "source", "lines", "readability", "tone"} <= set(doc)
    assert "grade" in doc["readability"] and "flesch_reading_ease" in doc["readability"]
    assert {"score", "evidence", "signals", "sentences"} <= set(doc["tone"])
    for f in data["findings"]:
        assert {"document", "line", "kind", "rule", "severity", "text", "message"} <= set(f)
        assert f["kind"] in ("boilerplate", "encoding", "duplicate", "quality", "input-error")
    pair = data["passage_pairs"][0]
    assert set(pair["a"]) >= {"document", "lines", "text"} and "similarity" in pair


def test_json_rendered_item_by_item_is_the_plain_dump(seeds, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    result = scan([str(seeds)], ScanSettings(jobs=1))
    assert result.findings and result.passage_pairs and not result.clusters  # full lists and an empty one
    assert render_json(result) == json.dumps(to_json(result), ensure_ascii=False, indent=2) + "\n"


def test_reports_are_deterministic(seeds, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    first = scan([str(seeds)], ScanSettings(jobs=1))
    second = scan([str(seeds)], ScanSettings(jobs=1))
    assert render_markdown(first, "seeds") == render_markdown(second, "seeds")
    assert to_json(first) == to_json(second)


def test_markdown_escapes_table_cells(tmp_path, monkeypatch):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"id": "x|y", "text": "Body text here.\nShare | Tweet <b>"}) + "\n")
    md = render_markdown(scan([str(path)], ScanSettings(jobs=1)), "docs")
    assert "x\\|y" in md
    assert "<b>" not in md


def test_encoding_repairs_are_shown_with_line_before_and_after(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"id": "m", "text": "A clean first line.\nThe cafÃ© was closed on Monday."}) + "\n")
    result = scan([str(path)], ScanSettings(jobs=1))
    md = render_markdown(result, "docs")
    assert "| m:2 | The cafÃ© was closed on Monday. | The café was closed on Monday. |" in md
    [finding] = [f for f in to_json(result)["findings"] if f["kind"] == "encoding"]
    assert finding["line"] == 2 and finding["after"] == "The café was closed on Monday."
    assert to_json(result)["summary"]["encoding_repairs"] == 1


def test_charts_where_a_picture_reads_better(make_doc, make_result):
    from audit.records import Cluster, Finding
    from audit.report.markdown import duplicate_share_by_source
    docs = [make_doc(i, src) for i, src in [("a", "x.com"), ("b", "x.com"), ("c", 'y "quoted"'), ("d", "y \"quoted\"")]]
    findings = [Finding("b", "duplicate", "duplicate.document", "warning", "Near-duplicate of c"),
                Finding("a", "boilerplate", "share.widget", "warning", "Share", line=1, text="Share"),
                Finding("a", "boilerplate", "share.widget", "warning", "Share", line=2, text="Share"),
                Finding("c", "boilerplate", "byline.by", "info", "Byline", line=1, text="By Ann")]
    result = make_result(docs, findings, [Cluster(["b", "c"], "c", "longest", 0.9)])
    assert duplicate_share_by_source(result) == {"x.com": 0.5, 'y "quoted"': 0.0}
    md = render_markdown(result, "t")
    assert ('```mermaid\nxychart-beta\n    title "Near-duplicates per source (% of its documents)"\n'
            '    x-axis ["x.com", "y \'quoted\'"]\n    y-axis "% of documents" 0 --> 50\n    bar [50, 0]\n```') in md
    assert '```mermaid\npie showData title Flagged lines per rule\n    "share.widget" : 2\n    "byline.by" : 1\n```' in md
    single = render_markdown(make_result(docs, findings[1:3]), "t")
    assert "```mermaid" not in single  # one rule, no duplicates: the tables say it all


def test_seeds_report_ranks_the_opinion_piece_first_with_its_words(seeds, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    result = scan([str(seeds)], ScanSettings(jobs=1))
    ranked = sorted(result.documents, key=lambda d: -d.tone.score)
    assert ranked[0].id.startswith("001_")
    assert {"strange", "wild", "ego-centric", "out-of-control"} <= set(ranked[0].tone.evidence)
    md = render_markdown(result, "seeds")
    assert "```mermaid" in md and "xychart-beta" in md
    assert "**ego-centric**" in md
    assert "Validated on labelled news" in md


def test_json_tone_and_readability_contract(tmp_path, cli):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps({"id": "a", "source": "x", "text": "Critics slammed the reckless, absurd scheme."}) + "\n"
                    + json.dumps({"id": "b", "source": "x", "text": "The committee met on Tuesday to review the budget."}) + "\n")
    out = cli("scan", str(path), "--format", "json")
    assert out.returncode == 0, out.stderr
    docs = {d["id"]: d for d in json.loads(out.stdout)["documents"]}
    loaded, plain = docs["a"]["tone"], docs["b"]["tone"]
    # A one-sentence record's document score is that sentence's score.
    assert loaded["score"] == loaded["sentences"][0]["score"] > 0.5 > plain["score"]
    assert loaded["sentences"][0]["line"] == 1 and loaded["evidence"][:1] == loaded["sentences"][0]["evidence"][:1]
    assert {"slammed", "reckless", "absurd", "scheme"} <= set(loaded["evidence"])
    assert plain["sentences"] == [] and plain["evidence"] == []
    assert {"loaded_share", "quoted_share", "tone.framing_attack"} <= set(loaded["signals"])
    assert {"grade", "flesch_reading_ease", "flesch_kincaid_grade", "gunning_fog", "smog_index", "dale_chall"} <= set(docs["b"]["readability"])


def test_page_dumps_and_line_quality_are_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    path = tmp_path / "page.txt"
    path.write_text("\n".join([f"* Section {i}" for i in range(25)] + [
        "Storms hit the coast on Monday, and the state closed every road into the port for the day.",
        "https://example.com/storm",
        "Officials said the cleanup would take weeks. Shops stayed shut, and schools sent pupils home early."]))
    result = scan([str(path)], ScanSettings(jobs=1, readability=False, tone=False))
    data = to_json(result)
    assert data["summary"]["page_dumps"] == 1 and data["summary"]["boilerplate_lines"] == 25
    md = render_markdown(result, "page")
    assert "| Whole-page dumps | 1 |" in md
    quality = md.split("## Line quality", 1)[1].split("##", 1)[0]
    assert "lines.page-dump" in quality and "| page.txt:27 | lines.url | https://example.com/storm |" in quality


def test_a_cluster_of_many_copies_names_the_first_ones_and_counts_the_rest(make_doc, make_result):
    from audit.records import Cluster

    ids = [f"c{i:02d}" for i in range(30)]
    result = make_result([make_doc(i, "x.com") for i in ids], [], [Cluster(ids, "c00", "longest", 0.9)])
    row = next(line for line in render_markdown(result, "copies").splitlines() if line.startswith("| c00 |"))
    assert "c20" in row and "c21" not in row and "… and 9 more (the JSON report lists all)" in row


@given(st.lists(st.sampled_from(["ab", " ", "c_d", "*", "|", "[x]", "&", "<", "`", "\\", "\r", "\n", "\r\n", "\x0b",
                                 "\x1b", "\u2028", "\u202e", "Kim’s", "e-mail", "U.S.", "é", "日本"]), max_size=25),
       st.data())
def test_evidence_words_are_bolded_in_a_cell_escaped_as_each_word_and_gap_alone(pieces, data):
    # The reference escapes every word and every gap between words alone; _bold escapes runs.
    from audit.report.markdown import _bold, _escape
    from audit.text.sentences import word_spans

    text = "".join(pieces)
    spans = word_spans(text)
    evidence = data.draw(st.lists(st.sampled_from([w for _, _, w in spans] or ["none"]), max_size=3))
    expected, at = [], 0
    for start, end, word in spans:
        piece = _escape(text[start:end])
        expected += [_escape(text[at:start]), f"**{piece}**" if word in evidence else piece]
        at = end
    assert _bold(text, evidence) == "".join(expected) + _escape(text[at:])


def test_the_tables_of_findings_read_back_only_the_documents_of_their_first_rows(tmp_path, monkeypatch):
    """Past each table's rows, a document's findings are not read back: the tables and their
    counts are those of reading every finding, template findings added after the analysis and
    a rule found only in the last document included."""
    from audit.read.spool import Spool
    from audit.report import markdown, rows

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.setattr(rows, "MAX_ROWS", 2)
    monkeypatch.setattr(markdown, "MAX_ROWS", 2)
    footer = "Get our free weekly digest of the best local stories, every Friday morning."
    words = ("council school river bridge market people city year week budget plan road water police court "
             "child family doctor hospital teacher shop price train station street house garden park museum "
             "library church village farmer field storm winter summer money bank office worker union").split()
    records = []
    for i in range(12):
        shuffled = random.Random(i).sample(words, len(words))
        prose = [" ".join(shuffled[k:k + 12]).capitalize() + " and the town agreed." for k in (0, 12, 24)]
        records.append({"id": f"d{i}", "source": "town", "text": "\n".join([*prose, "Share this Article", footer])})
    records[5]["text"] += "\nThe cafÃ© opened â€” at last."
    records[11]["text"] += "\nAdvertisement"
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    result = scan([str(path)], ScanSettings(jobs=1))
    first = result.findings.first_rows
    assert first.counts[("boilerplate", "lines.template")] >= 12 and first.counts[("encoding", "")] == 1
    real, reads = Spool._item, []
    monkeypatch.setattr(Spool, "_item", lambda self, i: reads.append(i) or real(self, i))
    shown = render_markdown(result, "t")
    read = len(reads) - len(result.documents)  # every document's scores, and these documents' findings
    assert read == len(first.documents) < len(result.documents) and {0, 1, 5, 11} <= first.documents
    result.findings.first_rows = None
    assert render_markdown(result, "t") == shown
    # Noted for smaller tables than the report shows, they are not used: every finding is read.
    first.most = 1
    result.findings.first_rows = first
    reads.clear()
    assert render_markdown(result, "t") == shown and len(reads) == 2 * len(result.documents)
    templates = first.counts[("boilerplate", "lines.template")]
    assert f"… and {templates - 2} more rows" in shown and "### advert.marker" in shown
