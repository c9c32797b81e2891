"""Findings as annotations that CI systems show beside the input files: GitHub's workflow commands, or lines for a terminal.

An :class:`Annotation` says where a finding lies in the *input files* (the path and line a CI
system can point at), which is not always the document's own line: a finding in a JSON Lines
record points at the record's line in the ``.jsonl`` file and names the line of the text in its
message. Threshold failures have no place in a file; they become annotations without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audit.checks.baseline import PASSAGE_RULE, finding_key, passage_key
from audit.records import Finding, Origin, PassagePair, ScanResult
from audit.report.escape import printable
from audit.results import summaries

#: Characters of a finding's text quoted in an annotation (the report has all of it).
MAX_QUOTE = 200
#: GitHub's workflow command for each severity.
GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}
#: Severity of a shared passage: worth seeing, rarely wrong in itself (outlets quote each other).
PASSAGE_SEVERITY = "info"


@dataclass(frozen=True)
class Annotation:
    """One thing to show in CI: a finding, a shared passage or a failed threshold."""

    rule: str
    severity: str
    title: str
    message: str
    #: The file, relative to the working folder when it lies under it; None when there is none.
    path: str | None = None
    line: int | None = None
    #: The baseline key's hash: the same finding keeps it when its line moves.
    fingerprint: str | None = None
    #: For a record read from standard input, its line there: CI systems have no file to point
    #: at, but a terminal's ``path:line:`` (and a problem matcher reading it) still wants one.
    stdin_line: int | None = None


def quote(text: str, limit: int = MAX_QUOTE) -> str:
    """Text quoted on one line, cut to `limit` characters.

    >>> quote("Share this Article")
    '“Share this Article”'
    >>> quote("a" * 10, limit=4)
    '“aaa…”'
    """
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[:limit - 1] + '…'}”"


def display_path(path: str, cwd: Path | None = None) -> str | None:
    """A path CI systems resolve against the checkout: relative to `cwd` when under it; None for stdin.

    >>> display_path("<stdin>") is None, display_path("data/a.txt")
    (True, 'data/a.txt')
    >>> display_path("/work/repo/data/a.txt", Path("/work/repo"))
    'data/a.txt'
    """
    if path == "<stdin>":
        return None
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(cwd or Path.cwd()).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def _place(document: str, line: int | None, origins: dict[str, Origin]) -> tuple[str | None, int | None, str]:
    """(path, line, prefix for the message) of a line of a document."""
    origin = origins.get(document)
    if origin is None:  # an input error: its document is the file, its line the file's line
        return display_path(document), line, ""
    path = display_path(origin.path)
    if origin.line is None:  # a file of its own: lines are the file's lines
        return path, line, ""
    where = f"record {document}" + (f", line {line} of its text" if line else "")
    return path, origin.line, f"{where}: "


def _finding(f: Finding, origins: dict[str, Origin]) -> Annotation:
    path, line, prefix = _place(f.document, f.line, origins)
    stdin_line = None
    if path is None:  # stdin: name the document and its line in the message
        prefix, line, stdin_line = f"{f.document}" + (f":{f.line}" if f.line else "") + ": ", None, line
    text = f": {quote(f.text)}" if f.text else ""
    return Annotation(f.rule, f.severity, f"corpus-audit {f.rule}", f"{prefix}{f.message}{text}",
                      path, line, finding_key(f)[2], stdin_line)


def _passage(p: PassagePair, origins: dict[str, Origin]) -> list[Annotation]:
    out = []
    for here, there in ((p.a, p.b), (p.b, p.a)):
        path, line, prefix = _place(here.document, here.lines[0], origins)
        stdin_line = None
        if path is None:
            prefix, line, stdin_line = f"{here.document}:{here.lines[0]}: ", None, line
        message = (f"{prefix}Passage shared with {there.document}:{there.lines[0]} ({there.source}), "
                   f"similarity {p.similarity:.2f}: {quote(here.text)}")
        out.append(Annotation(PASSAGE_RULE, PASSAGE_SEVERITY, f"corpus-audit {PASSAGE_RULE}", message,
                              path, line, passage_key(p)[2], stdin_line))
    return out


def annotations(result: ScanResult) -> list[Annotation]:
    """Failed thresholds first (they decide the verdict), then findings, then shared passages."""
    # The summaries alone: their report content, read back from disk, is not needed for the origins.
    origins = {d.id: d.origin for d in summaries(result.documents)}
    out = [Annotation(f"threshold.{c.name}", "error", f"corpus-audit threshold {c.name}", c.message)
           for c in result.checks if not c.passed]
    out += [_finding(f, origins) for f in result.findings]
    for p in result.passage_pairs:
        out += _passage(p, origins)
    return out


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (``%``, CR and LF), with the
    other control characters escaped too (:func:`audit.report.escape.printable`): GitHub's log
    acts on ANSI escapes.

    >>> escape_data("100% sure\\r\\nnext \\x1b[31m")
    '100%25 sure%0D%0Anext \\\\x1b[31m'
    """
    return printable(text, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: the message escapes plus ``:`` and ``,``.

    >>> escape_property("a,b: 50%")
    'a%2Cb%3A 50%25'
    """
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(a: Annotation) -> str:
    """One ``::error``/``::warning``/``::notice`` line for GitHub Actions.

    >>> print(github_command(Annotation("x.y", "warning", "t", "m\\n2", "a,b.txt", 3)))
    ::warning file=a%2Cb.txt,line=3,title=t::m%0A2
    """
    props = []
    if a.path is not None:
        props.append(f"file={escape_property(a.path)}")
        if a.line:
            props.append(f"line={a.line}")
    props.append(f"title={escape_property(a.title)}")
    return f"::{GITHUB_LEVELS[a.severity]} {','.join(props)}::{escape_data(a.message)}"


def render_github(result: ScanResult) -> str:
    """Every annotation as a GitHub Actions workflow command, one per line.

    GitHub shows the first few of each level on the run's page and beside the changed files of a
    pull request; the rest stay in the log.
    """
    return "".join(github_command(a) + "\n" for a in annotations(result))



def text_line(a: Annotation) -> str:
    """One annotation for a terminal, compiler style: ``path:line: severity rule: message``.

    >>> text_line(Annotation("share.widget", "warning", "t", "Share widget", "a.txt", 3))
    'a.txt:3: warning share.widget: Share widget'

    Control characters and line ends in it are escaped, so that it stays one line that a
    terminal or a CI log shows, not acts on:

    >>> print(text_line(Annotation("r.x", "error", "t", "m", "x\\n::error file=README.md::pwned.txt")))
    x\\n::error file=README.md::pwned.txt: error r.x: m

    A record from standard input is placed at its line there:

    >>> text_line(Annotation("share.widget", "warning", "t", "stdin:4:2: Share widget", stdin_line=4))
    '<stdin>:4: warning share.widget: stdin:4:2: Share widget'
    """
    if a.path is None:
        where = "" if a.stdin_line is None else f"<stdin>:{a.stdin_line}: "
    else:
        where = f"{a.path}:{a.line}: " if a.line else f"{a.path}: "
    return printable(f"{where}{a.severity} {a.rule}: {a.message}")


def render_text(result: ScanResult) -> str:
    """Every finding and shared passage, one line each (the verdict line names the thresholds)."""
    return "".join(text_line(a) + "\n" for a in annotations(result) if not a.rule.startswith("threshold."))
