"""Every report format by name: what ``--format`` offers and how each is rendered."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from typing import TYPE_CHECKING

from audit.errors import ConfigError

if TYPE_CHECKING:
    from audit.records import ScanResult

#: The formats, people's first.
FORMATS = ("markdown", "text", "json", "github", "sarif", "junit")
#: Formats that are one document for machines: nothing else may share their stream.
DOCUMENT_FORMATS = ("json", "sarif", "junit")


def render(result: ScanResult, fmt: str = "markdown", title: str = "corpus", notes: Sequence[str] = ()) -> str:
    """The report in format `fmt` (one of :data:`FORMATS`), whole; `title` names the corpus in
    the Markdown report's heading, and `notes` (paragraphs for people) go into it too."""
    if fmt not in FORMATS:
        raise ConfigError(f"{{fmt}} is not one of {', '.join(FORMATS)}", fmt=fmt)
    return "".join(render_pieces(result, fmt, title, notes))


def render_pieces(result: ScanResult, fmt: str, title: str, notes: Sequence[str] = ()) -> Iterator[str]:
    """The report in format `fmt` in pieces, for :func:`audit.output.write_atomic` to write as they
    come: JSON comes an item at a time, so a large corpus's report is never whole in memory."""
    # The renderers load here, when a report is written: the CLI imports this module at start for
    # its --format choices, and `--help` should not wait for them.
    from audit.report.annotations import render_github, render_text
    from audit.report.junit import render_junit
    from audit.report.markdown import json_pieces, render_markdown
    from audit.report.sarif import render_sarif

    if fmt == "json":
        yield from json_pieces(result)
    elif fmt == "markdown":
        yield render_markdown(result, title, notes)
    elif fmt == "text":
        yield render_text(result)
    elif fmt == "github":
        yield render_github(result)
    elif fmt == "sarif":
        yield render_sarif(result)
    elif fmt == "junit":
        yield render_junit(result, title)
    else:
        raise ValueError(f"unknown format {fmt!r}")
