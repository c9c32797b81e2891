"""Hostile text in ids, sources, file names and texts must not act where the tool shows it: no
Markdown link, image or heading in a report or job summary, no workflow command in a CI log, no
terminal escape (issue 26, escaping)."""

from __future__ import annotations

import json
import re
from pathlib import Path

LINK = "[login](https://evil.example/p)"
IMAGE = "![t](https://evil.example/t.png)"
HOSTILE_ID = f"\r# Heading {LINK} {IMAGE} \x1b[31mred"
COMMAND_NAME = "x\n::error file=README.md::pwned.txt"
BODY = ("The council met on Tuesday to discuss the budget for the coming year and the plans for the "
        "new library, which opens in the spring.\n")


def _feed(tmp_path: Path) -> Path:
    feed = tmp_path / "feed.jsonl"
    records = [{"id": HOSTILE_ID, "source": f"{LINK}\x1b[2J", "text": BODY + "Share this Article\n" + IMAGE + "\n"},
               {"id": "plain", "text": BODY + "Share this Article\n"}]
    feed.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return feed


def _assert_inert_markdown(markdown: str) -> None:
    assert "# Heading" not in [line.strip() for line in markdown.splitlines()]
    assert "\r" not in markdown and "\x1b" not in markdown
    # A link or an image only renders with an unescaped "](" (Mermaid's quoted labels aside).
    prose = re.sub(r"```mermaid.*?```", "", markdown, flags=re.DOTALL)
    assert not re.search(r"(?<!\\)\]\(https://evil", prose)
    for line in markdown.splitlines():
        if line.startswith("|"):
            assert line.rstrip().endswith("|"), line  # no row cut short


def test_cell_escapes_cr_links_and_images():
    from audit.report.escape import cell

    assert cell("\r# Heading") == " # Heading"
    assert cell(LINK) == "\\[login\\](https://evil.example/p)"
    assert cell(IMAGE) == "!\\[t\\](https://evil.example/t.png)"
    assert cell("a\x1b") == "a\\x1b"


def test_printable_keeps_one_line():
    from audit.report.escape import printable

    assert printable(COMMAND_NAME) == "x\\n::error file=README.md::pwned.txt"
    assert printable("\x1b]0;title\x07\u202e") == "\\x1b]0;title\\x07\\u202e"


def test_report_and_job_summary_are_inert(cli, tmp_path):
    feed = _feed(tmp_path)
    report = tmp_path / "r.md"
    ran = cli("scan", str(feed), "-o", str(report), "-q")
    assert ran.returncode == 0, ran.stderr
    markdown = report.read_text(encoding="utf-8")
    assert "\\[login\\](https://evil.example/p)" in markdown  # the id is there, shown, not linked
    _assert_inert_markdown(markdown)
    summary = tmp_path / "summary.md"
    ran = cli("check", str(feed), "-q", "--fail-on", "off", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert ran.returncode in (0, 1), ran.stderr
    _assert_inert_markdown(summary.read_text(encoding="utf-8"))


def _corpus_with_hostile_names(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ok.txt").write_text(BODY + "Share this Article\n", encoding="utf-8")
    (folder / COMMAND_NAME).write_text(BODY + "Share this Article\n", encoding="utf-8")
    (folder / "\x1b[2Jbad\n::warning::x.txt").write_bytes(b"")  # an input error: named on stderr
    return folder


def test_no_workflow_command_or_terminal_escape_from_file_names(cli_process, tmp_path):
    folder = _corpus_with_hostile_names(tmp_path)
    for fmt in ("text", "github"):
        ran = cli_process("check", str(folder), "--format", fmt, "-q", "--fail-on", "off", "--max-input-errors", "off")
        assert ran.returncode in (0, 1), ran.stderr
        assert "pwned.txt" in ran.stdout and "x.txt" in ran.stderr
        for stream in (ran.stdout, ran.stderr):
            assert "\x1b" not in stream
            assert not [line for line in stream.splitlines() if line.startswith(("::error file=README", "::warning::x"))]


def test_stderr_of_dedup_and_clean_escape_origins(cli, tmp_path):
    feed = tmp_path / ("f\x1b[31m\n::error::x.jsonl")
    feed.write_text('{"id": "a", "text": "one two three four five six"}\nnot json\n', encoding="utf-8")
    ran = cli("dedup", str(feed), "--index", str(tmp_path / "i.db"), "-o", str(tmp_path / "new.jsonl"), "-q")
    assert ran.returncode == 2, ran.stderr  # the unreadable record: --max-errors 0
    assert "\x1b" not in ran.stderr and "\n::error" not in ran.stderr
    ran = cli("clean", str(feed), "--out", str(tmp_path / "clean.jsonl"), "-q")
    assert ran.returncode == 0, ran.stderr
    assert "\x1b" not in ran.stderr and "\n::error" not in ran.stderr
