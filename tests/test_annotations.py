from audit.report.annotations import annotations, display_path, escape_data, escape_property, render_github
from audit.records import Check, Finding, PassagePair, Span


def test_escaping_follows_githubs_toolkit():
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("dir,1/a:b%\n.txt") == "dir%2C1/a%3Ab%25%0A.txt"
    # An escape sequence already in the text is kept literal, not decoded by GitHub.
    assert escape_data("%0A") == "%250A"


def test_findings_point_at_files_and_records(make_doc, make_result):
    docs = [make_doc("a.txt", "x", path="data/a.txt"),
            make_doc("n1", "feed", path="data/feed.jsonl", line=7),
            make_doc("s1", "stdin", path="<stdin>", line=2)]
    findings = [Finding("a.txt", "boilerplate", "share.widget", "warning", "Share widget", line=3, text="Share"),
                Finding("n1", "boilerplate", "byline.by", "info", "Byline", line=2, text="By Ann"),
                Finding("s1", "encoding", "encoding.mojibake", "error", "Repaired", line=1, text="cafÃ©"),
                Finding("data/feed.jsonl", "input-error", "input.unreadable", "error", "invalid JSON", line=9),
                Finding("a.txt", "duplicate", "duplicate.document", "warning", "Near-duplicate of n1")]
    pair = PassagePair(Span("a.txt", "x", (4, 5), "A passage"), Span("n1", "feed", (1, 1), "A passage"), 0.91)
    result = make_result(docs, findings, passage_pairs=[pair])
    result.checks = [Check("max-input-errors", 1, 0, False, "1", "0", "1 > 0")]
    got = [(a.severity, a.path, a.line, a.message) for a in annotations(result)]
    assert got == [
        ("error", None, None, "max-input-errors: 1 > 0"),
        ("warning", "data/a.txt", 3, "Share widget: “Share”"),
        ("info", "data/feed.jsonl", 7, "record n1, line 2 of its text: Byline: “By Ann”"),
        ("error", None, None, "s1:1: Repaired: “cafÃ©”"),
        ("error", "data/feed.jsonl", 9, "invalid JSON"),
        ("warning", "data/a.txt", None, "Near-duplicate of n1"),
        ("info", "data/a.txt", 4, "Passage shared with n1:1 (feed), similarity 0.91: “A passage”"),
        ("info", "data/feed.jsonl", 7, "record n1, line 1 of its text: Passage shared with a.txt:4 (x), "
                                       "similarity 0.91: “A passage”"),
    ]
    lines = render_github(result).splitlines()
    assert lines[0] == "::error title=corpus-audit threshold max-input-errors::max-input-errors: 1 > 0"
    assert lines[5] == "::warning file=data/a.txt,title=corpus-audit duplicate.document::Near-duplicate of n1"


def test_a_message_never_breaks_out_of_its_line(make_doc, make_result):
    finding = Finding("a.txt", "boilerplate", "x.y", "warning", "Evil\n::error::injected", line=1)
    [line] = render_github(make_result([make_doc("a.txt", "x")], [finding])).splitlines()
    assert line.endswith("::Evil%0A::error::injected")


def test_absolute_paths_under_the_working_folder_become_relative(tmp_path):
    assert display_path(str(tmp_path / "d" / "a.txt"), tmp_path) == "d/a.txt"
    assert display_path("/elsewhere/a.txt", tmp_path) == "/elsewhere/a.txt"
    assert display_path("<stdin>") is None


def test_text_lines_from_stdin_start_with_path_and_line(cli):
    """A problem matcher reads `path:line:` at the start of each line; stdin's records have theirs."""
    records = ['{"text": "Share this article\\nSome real words in a sentence here for the text."}',
               '{"text": "A different story about harbour dredging in Rotterdam this week and its costs."}',
               '{"text": "Share this article\\nOther words about a river crossing opened at last on Monday."}']
    ran = cli("scan", "-", "--format", "text", "-q", input="\n".join(records) + "\n")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [
        "<stdin>:1: warning share.widget: stdin:1:1: Share widget text left in the page: “Share this article”",
        "<stdin>:3: warning share.widget: stdin:3:1: Share widget text left in the page: “Share this article”"]


def test_a_scans_annotations_read_each_documents_report_content_once(tmp_path, monkeypatch):
    from audit.pipeline import scan
    from audit.read.spool import Spool
    from audit.settings import ScanSettings

    path = tmp_path / "feed.jsonl"
    path.write_text("".join(f'{{"id": "n{i}", "text": "Share this article\\nThe council met on day {i}."}}\n'
                            for i in range(5)), encoding="utf-8")
    result = scan([str(path)], ScanSettings(jobs=1))
    real, reads = Spool._item, []
    monkeypatch.setattr(Spool, "_item", lambda self, i: reads.append(i) or real(self, i))
    found = annotations(result)
    # The findings are read once; the documents' origins come from their summaries.
    assert [(a.path, a.line) for a in found if a.rule == "share.widget"] == [(str(path), k) for k in range(1, 6)]
    assert sorted(reads) == list(range(5))
