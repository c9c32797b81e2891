from audit.report import step_summary
from audit.report.step_summary import NOTE, fit


def _report(rows: int) -> str:
    table = "| Where | Line |\n|---|---|\n" + "".join(f"| doc{i}.txt:1 | Share this Article |\n" for i in range(rows))
    chart = "```mermaid\npie showData title Flagged lines per rule\n" + '    "a" : 1\n' * 30 + "```\n"
    return f"# corpus-audit report: x\n\n**Verdict: pass**\n\n{table}\n{chart}\n## Settings\n"


def test_a_report_that_fits_is_unchanged():
    report = _report(3)
    assert fit(report, len(report.encode())) == report


def test_cut_at_a_line_inside_a_table_stays_under_the_budget():
    report = _report(100)
    cut = fit(report, 2000)
    assert len(cut.encode()) <= 2000
    assert cut.endswith(f"\n\n{NOTE}\n")
    body = cut[: -len(NOTE) - 3]
    assert body.splitlines()[-1].startswith("| doc") and report.startswith(body)


def test_an_unfinished_chart_is_dropped_whole_and_a_lone_table_header_too():
    report = _report(2)
    chart_at = report.index("```mermaid")
    cut = fit(report, chart_at + 200 + len(NOTE))
    assert "```" not in cut and cut.count("| doc") == 2
    header_only = len(f"\n\n{NOTE}\n".encode()) + len("# x\n\n| Where | Line |\n") + 3
    assert fit("# x\n\n| Where | Line |\n|---|---|\n| a | b |\n" + "x" * 400, header_only) == f"# x\n\n{NOTE}\n"


def test_append_counts_what_the_step_already_wrote(tmp_path):
    path = tmp_path / "summary.md"
    path.write_text("a" * 3000)
    assert step_summary.append(str(path), _report(100), limit=8000) is True
    size = path.stat().st_size
    assert size <= 8000 - step_summary.MARGIN and path.read_text().startswith("a" * 3000 + "# corpus-audit report")
    small = tmp_path / "fresh.md"
    assert step_summary.append(str(small), "# ok\n") is False and small.read_text() == "# ok\n"
