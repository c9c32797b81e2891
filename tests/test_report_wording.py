"""How the report words things: counts say what they count, plurals, messages without nesting."""

from audit.analyze import Analyzer, analyze
from audit.lines.rules import load_rules
from audit.pipeline import scan
from audit.records import Document
from audit.report.markdown import render_markdown
from audit.settings import ScanSettings

from test_lines import page_dump


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
