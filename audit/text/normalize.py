"""Normalize text: repair encoding damage with ftfy, and fold text for comparison.

Repair keeps line numbers: the text is fixed line by line (line numbers are those of the input
split on ``\\n``), and only the steps that really re-encode text count as repairs. Cosmetic changes
(curly quotes, ligatures, width) are left out of the count, so clean text reports zero repairs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import ftfy

#: Version of what :func:`repair`, :func:`fold` and :func:`words` make of a text. Feed indexes
#: record it, since their stored signatures depend on it: bump it whenever their output changes.
VERSION = 1
#: ftfy steps that re-encode text: the mark of real mojibake rather than a cosmetic change.
REPAIR_STEPS = frozenset({"encode", "decode", "transcode"})

# Quotes stay as published and HTML entities stay visible to the rules (they are leftovers to
# flag, not to hide); line breaks are left alone so that line numbers never move.
FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,
    fix_line_breaks=False,
    unescape_html=False,
    fix_character_width=False,
    explain=True,
)

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-"})
#: A word: letters, digits and underscores (``\w`` in Python's ``re``), joined by inner apostrophes.
#: ``audit.similarity.kernels`` tokenizes the same way; the tests hold the two together.
WORD_PATTERN = r"\w+(?:'\w+)*"
_WORD = re.compile(WORD_PATTERN)
_SPACES = re.compile(r"\s+")


@dataclass
class Repair:
    """One repaired line: its 1-based number, the text before and after, and ftfy's steps."""

    line: int
    before: str
    after: str
    steps: list[str]


@dataclass
class Normalized:
    """A document's text after repair, with the repairs that changed it."""

    text: str
    repairs: list[Repair] = field(default_factory=list)
    #: Lines changed only cosmetically (e.g. NFC, ligatures): changed, but not counted as repairs.
    cosmetic_lines: int = 0


def repair(text: str) -> Normalized:
    """Repair mojibake line by line; CRLF and lone CR line ends become LF.

    >>> r = repair("caf\\u00c3\\u00a9 au lait\\nplain line")
    >>> r.text, [(x.line, x.after) for x in r.repairs]
    ('café au lait\\nplain line', [(1, 'café au lait')])
    >>> repair("\\u201cCurly\\u201d quotes are not damage").repairs
    []
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if ftfy.fix_text(text, FTFY_CONFIG) == text:
        return Normalized(text)
    out: list[str] = []
    repairs: list[Repair] = []
    cosmetic = 0
    for number, line in enumerate(text.split("\n"), start=1):
        fixed = ftfy.fix_and_explain(line, config=FTFY_CONFIG)
        if fixed.text != line:
            steps = [f"{action} {arg}" for action, arg in fixed.explanation or []]
            if any(action in REPAIR_STEPS for action, _ in fixed.explanation or []):
                repairs.append(Repair(number, line, fixed.text, steps))
            else:
                cosmetic += 1
        out.append(fixed.text)
    return Normalized("\n".join(out), repairs, cosmetic)


def fold_chars(text: str) -> str:
    """Fold the characters of a text: compatibility forms, case, quotes and dashes (spaces kept).

    >>> fold_chars("\\u201cWe\\u2019re  HERE\\u201d")
    '"we\\'re  here"'
    """
    return unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)


def fold(text: str) -> str:
    """Fold text for comparison: compatibility forms, case, quotes and dashes, runs of space.

    >>> fold("\\u201cWe\\u2019re  HERE\\u201d \\u2014 ok")
    '"we\\'re here" - ok'
    """
    return _SPACES.sub(" ", fold_chars(text)).strip()


def words(text: str) -> list[str]:
    """The folded words of a text: what shingles are made of.

    >>> words("The U.S. isn\\u2019t North-Korea's.")
    ['the', 'u', 's', "isn't", 'north', "korea's"]
    """
    return _WORD.findall(fold_chars(text))


def body_text(lines: list[str]) -> str:
    """The text a document is signed and compared by: its body's non-empty lines."""
    return "\n".join(line for line in lines if line)
