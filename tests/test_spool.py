import numpy as np
import pytest

from audit.report import markdown as report
from audit.records import DocumentSummary, Finding, Origin
from audit.report.markdown import render_markdown, to_json
from audit.pipeline import scan
from audit.settings import ScanSettings
from audit.similarity.keystore import PassageKeys
from audit.read.spool import Spool
from audit.results import SpooledDocuments, SpooledFindings, scored, summaries


def test_spool_reads_back_what_was_appended_in_order_and_at_random():
    with Spool() as spool:
        items = [{"n": i, "text": "é" * i} for i in range(3000)]
        spool.extend(items[:10])
        reader = iter(spool)
        assert next(reader) == items[0]
        spool.extend(items[10:])  # appended while a reader is open: the reader ends where it began
        assert len(list(reader)) == 9
        assert list(spool) == items
        assert spool[0] == items[0] and spool[2999] == items[2999] and spool[-1] == items[-1]
        assert spool[5:8] == items[5:8] and spool[::1000] == items[::1000]
        with pytest.raises(IndexError):
            spool[3000]
        assert len(spool) == 3000 and spool.nbytes > 0


def test_spool_leaves_no_file_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    spool = Spool()
    spool.append("x")
    keys = PassageKeys(2)
    keys.add(0, np.array([[1, 2], [3, 4]], dtype=np.uint64))
    assert keys.rows == 2 and keys.band(1).tolist() == [2, 4]
    assert list(tmp_path.iterdir()) == []  # unlinked at once: even a killed run leaves nothing
    assert spool[0] == "x"
    spool.close()
    keys.close()


def _summary(doc_id: str, findings: list[Finding]) -> DocumentSummary:
    return DocumentSummary(doc_id, "s", Origin("f"), 1, 1, 1, 1, findings, None, None, None, None, None)


def test_spooled_views_equal_the_lists_they_stand_for():
    per_doc = {"a": 2, "b": 0, "c": 3, "d": 0}
    docs = [_summary(d, [Finding(d, "boilerplate", "r", "info", f"{d}{k}", line=k) for k in range(n)])
            for d, n in per_doc.items()]
    extra = [Finding("x", "input-error", "input.unreadable", "error", "bad")]
    expected = [f for d in docs for f in d.findings] + extra
    with Spool() as found, Spool() as scores:
        for d in docs:
            found.append(d.findings)
            scores.append((d.readability, d.tone))
        light = [_summary(d.id, []) for d in docs]
        findings = SpooledFindings(found, [len(d.findings) for d in docs], extra)
        assert len(findings) == 6 and list(findings) == expected
        assert [findings[i] for i in range(-6, 6)] == expected + expected
        assert findings[1:4] == expected[1:4]
        with pytest.raises(IndexError):
            findings[6]
        documents = SpooledDocuments(light, found, scores)
        back = [(d.id, d.findings) for d in documents]
        assert back == [(d.id, d.findings) for d in docs] and documents[2].findings == docs[2].findings
        assert len(documents) == 4
        assert summaries(documents) is light and summaries(docs) is docs
        # What reads only the scores is given each summary, without its findings, and its scores.
        expected_scores = [(d.id, [], (d.readability, d.tone)) for d in docs]
        assert [(d.id, d.findings, scores) for d, scores in scored(documents)] == expected_scores
        assert [(d.id, d.findings, scores) for d, scores in scored(docs)] == [
            (d.id, d.findings, (d.readability, d.tone)) for d in docs]
        with pytest.raises(ValueError):
            SpooledDocuments(light[:3], found, scores)


def test_a_scan_keeps_report_content_on_disk_and_gives_it_back(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    page = "By Jane Doe\n\nThe council met on Monday to discuss the bridge and its long delayed repairs.\n\nShare this Article\n"
    rows = [f'{{"id": "d{i}", "source": "s{i % 2}", "text": {page.replace("Monday", f"day {i}")!r}}}'.replace("'", '"')
            for i in range(5)]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(rows) + "\nnot json\n")
    result = scan([str(path)], ScanSettings(jobs=1))
    held = summaries(result.documents)
    assert all(s.findings == () and s.tone is None and s.readability is None for s in held)
    docs = list(result.documents)
    assert all(d.readability and d.tone and d.findings for d in docs)
    # What "cleanest" compares stays in memory: the lines with leftovers (byline, share prompt).
    assert [s.flagged_lines for s in held] == [len({f.line for f in d.findings if f.kind in ("boilerplate", "encoding")})
                                               for d in docs] == [2] * 5
    own = [f for d in docs for f in d.findings]
    everything = list(result.findings)
    assert everything[:len(own)] == own and len(everything) == len(result.findings)
    assert [f.kind for f in everything[len(own):]] == ["duplicate"] * 4 + ["input-error"]
    assert to_json(result)["summary"]["boilerplate_lines"] == sum(f.kind == "boilerplate" for d in docs for f in d.findings)


def test_markdown_tables_past_their_rows_count_the_rest(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.setattr(report, "MAX_ROWS", 2)
    rows = [f'{{"id": "d{i}", "text": "Share this Article\\n\\nA text number {i} that is wholly wicked and shameful, '
            f'{" a truly awful scandal" * (i % 3)} about the town."}}' for i in range(7)]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(rows) + "\n")
    result = scan([str(path)], ScanSettings(jobs=1))
    md = render_markdown(result, "t")
    assert "… and 5 more rows" in md  # 7 "Share this Article" lines, 7 readability rows, 7 tones
    tone = md[md.index("## Tone"):]
    ranked = sorted(result.documents, key=lambda d: (-d.tone.score, d.id))
    assert tone.index(f"| {ranked[0].id} |") < tone.index(f"| {ranked[1].id} |")
    assert f"| {ranked[2].id} |" not in tone.split("Most loaded sentences")[0]


def test_packed_report_content_is_the_details_and_counts_as_they_do(counted_texts):
    import copy
    import pickle

    from audit.analyze import Analyzer
    from audit.checks.figures import Tally
    from audit.lines.rules import load_rules
    from audit.lines.statistics import SIGNALS
    from audit.lines.templates import template_input
    from audit.records import Document

    settings = ScanSettings(languages=("en",))
    analyzer = Analyzer(settings, load_rules(settings.rule_dirs, settings.disabled_rules, known=SIGNALS))
    docs = [Document(f"d{i}", "outlet", text) for i, text in enumerate(counted_texts)]
    summaries = analyzer.batch(docs)
    # Every way a finding counts: by kind, by a rule counted apart, as a repair.
    assert [[f.rule for f in s.findings] for s in summaries] == [
        ["encoding.mojibake", "credit.label", "share.widget"], ["language.other"], []]
    assert summaries[0].readability and template_input(summaries[0])[1] == {2, 3}
    unpacked, packed = Tally(), Tally()
    for summary in summaries:
        unpacked.document(summary, summary.readability)
        unpacked.findings(summary.findings)
        findings, scores, claimed = summary.findings, (summary.readability, summary.tone), template_input(summary)[1]
        summary = copy.copy(summary)
        content = summary.pack()
        assert summary.pack() is content  # a packed summary keeps its own
        assert summary.findings == () and summary.readability is None and summary.tone is None
        assert pickle.loads(content.findings) == findings and pickle.loads(content.scores) == scores
        assert content.claimed == (frozenset() if summary.line_keys is None else claimed)
        packed.packed(summary, content)
    assert packed == unpacked
    assert unpacked.repaired == {"d0"} and unpacked.rules == {"language.other": 1} and unpacked.grades.count == 1
