"""Every report format by name: what ``--format`` offers and how each is rendered."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from audit.annotations import render_github, render_text
from audit.junit import render_junit
from audit.records import ScanResult
from audit.report import json_pieces, render_markdown
from audit.sarif import render_sarif

#: The formats, people's first.
FORMATS = ("markdown", "text", "json", "github", "sarif", "junit")
#: Formats that are one document for machines: nothing else may share their stream.
DOCUMENT_FORMATS = ("json", "sarif", "junit")


def render(result: ScanResult, fmt: str, title: str, notes: Sequence[str] = ()) -> str | Iterator[str]:
    """The report in format `fmt`; `notes` (paragraphs for people) go into the Markdown one.

    JSON comes in pieces, for :func:`audit.output.write_atomic` to write as they come: a large
    corpus's report is never whole in memory.
    """
    if fmt == "markdown":
        return render_markdown(result, title, notes)
    if fmt == "text":
        return render_text(result)
    if fmt == "json":
        return json_pieces(result)
    if fmt == "github":
        return render_github(result)
    if fmt == "sarif":
        return render_sarif(result)
    if fmt == "junit":
        return render_junit(result, title)
    raise ValueError(f"unknown format {fmt!r}")
