"""Text that leaves the tool, made inert: control characters escaped, Markdown syntax neutralised.

Ids, sources, file names and texts come from the corpus, which may be hostile. A newline in a file
name would put ``::error …`` at the start of a line of a CI log (a GitHub workflow command); an
ANSI escape would recolour or rewrite the terminal; a carriage return ends a Markdown table row,
and ``[login](https://…)`` or ``![t](https://…)`` in a cell would render as a live link or a
fetched image. So every text the tool shows goes through :func:`printable` (lines on stderr,
``--format text``, GitHub annotations) or :func:`cell`, which builds on it (the Markdown report
and the job summary).
"""

from __future__ import annotations

import re
from typing import Any

#: Characters a terminal or a log acts on: C0 controls but tab, DEL, C1 controls (ESC's 8-bit
#: forms among them), Unicode line and paragraph separators, and the bidirectional overrides
#: and isolates, which reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
#: Everything `str.splitlines` takes for a line end: in a table cell each becomes a space.
_LINE_END = re.compile("\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
#: Markdown that a cell must show as it is: ``|`` ends the cell, ``[`` and ``]`` make links and
#: (after ``!``) images, ``&``, ``<`` and ``>`` HTML, and a backtick code.
_MARKDOWN = str.maketrans({"\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]", "&": "&amp;",
                           "<": "&lt;", ">": "&gt;", "`": "'"})


def _escaped(char: str) -> str:
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: Any, keep: str = "") -> str:
    """`text` with every control character written as a Python-style escape (but those in `keep`),
    so that it stays on one line and a terminal or CI log shows it rather than acting on it.

    >>> print(printable("x\\n::error file=README.md::pwned \\x1b[31mred\\u202e"))
    x\\n::error file=README.md::pwned \\x1b[31mred\\u202e
    >>> printable("a\\tb")
    'a\\tb'
    """
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _escaped(m.group()), str(text))


def cell(text: Any) -> str:
    """Text made safe for one Markdown table cell (or a heading): line ends become spaces, other
    control characters escapes (:func:`printable`), and Markdown syntax is shown, not acted on.

    >>> cell("a | b\\n<c>")
    'a \\\\| b &lt;c&gt;'
    >>> cell("\\r# Heading ![t](https://evil.example/t.png) [login](https://evil.example/p)")
    ' # Heading !\\\\[t\\\\](https://evil.example/t.png) \\\\[login\\\\](https://evil.example/p)'
    """
    return printable(_LINE_END.sub(" ", str(text)).translate(_MARKDOWN))
