"""Normalize text: repair encoding damage with ftfy, and fold text for comparison.

Repair keeps line numbers: the text is fixed line by line (line numbers are those of the input
split on ``\\n``), and only the steps that really re-encode text count as repairs. Cosmetic changes
(curly quotes, ligatures, width) are left out of the count, so clean text reports zero repairs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import ftfy
import xxhash
from ftfy import badness, chardata

from audit.text.ascii_words import WORD_BYTES

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
#: The same table as pairs: ``str.replace`` for each that occurs is some 15 times faster than
#: ``str.translate`` with a dict (its lookup per character), and the same (no target is a key).
_QUOTE_PAIRS = tuple((chr(k), v) for k, v in _QUOTES.items())
#: A word: letters, digits and underscores (``\w`` in Python's ``re``), joined by inner apostrophes.
#: ``audit.similarity.kernels`` tokenizes the same way; the tests hold the two together.
WORD_PATTERN = r"\w+(?:'\w+)*"
_WORD = re.compile(WORD_PATTERN)
#: An apostrophe that joins two runs of word characters into one of :data:`WORD_PATTERN`'s words
#: (the word character before it is consumed, the one after only looked at, so "a'b'c" has two).
_JOINED = re.compile(r"\w'(?=\w)")
#: Characters one of ftfy's fixers (other than the encoding fix) acts on under FTFY_CONFIG: C1
#: controls, Latin ligatures, surrogates, terminal escapes and the control characters it removes.
_FIXER_CHARS = re.compile("[\x80-\x9f\ud800-\udfff\x1b" + "".join(
    re.escape(chr(c)) for c in sorted({*chardata.CONTROL_CHARS, *chardata.LIGATURES})) + "]")
#: ftfy's badness pattern anchors one case at the start of a line (it fixes line by line).
_BAD_AT_LINE_START = re.compile("^[\u00c3\u00c2] ", re.MULTILINE)


#: Non-ASCII characters common in clean text (see :func:`_badness_needs`).
_COMMON = {ord(c) for c in "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a9\u00a0\u00e9\u00bb\u00ab\u00a3"}


def _badness_needs() -> tuple[re.Pattern[str], int] | None:
    """Characters without one of which ftfy's badness pattern cannot match, and the most
    characters one of its matches spans; None if its shape is not the one this was made for
    (then the pattern itself is searched, in the whole text).

    Each of its alternatives is a sequence with at least one single character from a set of
    non-ASCII characters only; a text holding no character of the union of such sets (one per
    alternative) cannot match. Searching that class is far cheaper than the big pattern.
    """
    try:
        from re import _constants as sre, _parser as parser  # type: ignore[attr-defined]
    except ImportError:  # Python < 3.11
        import sre_constants as sre  # type: ignore[no-redef]
        import sre_parse as parser  # type: ignore[no-redef]
    bad = badness.BADNESS_RE
    if bad.flags & re.IGNORECASE:
        return None
    tree = parser.parse(bad.pattern, bad.flags)
    widest = tree.getwidth()[1]
    if len(tree.data) != 1 or tree.data[0][0] is not sre.BRANCH or widest >= sre.MAXREPEAT:
        return None
    # Windows around the needed characters (see _bad) show a match of at most `widest` characters
    # and its word boundaries as the whole text does; a lookaround or a backreference could look
    # further, and an anchor other than ^ or \b could take a window's cut for the text's end.
    def local(pattern: Any) -> bool:
        for op, av in pattern.data:
            if op in (sre.ASSERT, sre.ASSERT_NOT, sre.GROUPREF, sre.GROUPREF_EXISTS) or (
                    op is sre.AT and av not in (sre.AT_BEGINNING, sre.AT_BOUNDARY)):
                return False
            if not all(local(sub) for sub in subpatterns(av)):
                return False
        return True

    def subpatterns(av: object) -> Iterator[Any]:
        if isinstance(av, parser.SubPattern):
            yield av
        elif isinstance(av, (list, tuple)):
            for item in av:
                yield from subpatterns(item)

    if not local(tree):
        return None

    def chars(op: object, av: object) -> set[int] | None:
        if op is sre.LITERAL:
            return {av}  # type: ignore[arg-type]
        if op is not sre.IN:
            return None
        out: set[int] = set()
        for o, a in av:  # type: ignore[attr-defined]
            if o is sre.LITERAL:
                out.add(a)
            elif o is sre.RANGE:
                out.update(range(a[0], a[1] + 1))
            else:  # a category or a negation: not a plain set
                return None
        return out

    needed: set[int] = set()
    for branch in tree.data[0][1][1]:
        sets = [c for c in (chars(op, av) for op, av in branch.data) if c and min(c) > 127]
        if not sets:
            return None
        # Of the sets a branch requires, the one least likely in clean news text (curly quotes,
        # dashes, the copyright sign are everywhere; damaged-encoding letters are not).
        needed |= min(sets, key=lambda c: (len(c & _COMMON), len(c)))
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(needed)) + "]"), widest


_BADNESS_NEEDS = _badness_needs()


def _bad(text: str) -> bool:
    """Whether ftfy's badness pattern may match `text` (False: it certainly does not).

    With the pattern's needed characters known, it is searched only in windows around them: a
    match holds one of them and spans at most ``widest`` characters, so a window that reaches one
    character further each way holds the match and what its boundaries (``\\b``) look at. A
    window's cut ends can only add matches (``^``, a boundary at the cut), which sends the text
    to ftfy itself. One search of the whole page was most of a clean document's repair time.
    """
    if _BADNESS_NEEDS is None:
        return badness.is_bad(text)
    needs, widest = _BADNESS_NEEDS
    reach = widest + 1
    start = end = -1
    for m in needs.finditer(text):
        if end >= 0 and m.start() - reach <= end:
            end = m.end() + reach
            continue
        if end >= 0 and badness.is_bad(text[start:end]):
            return True
        start, end = max(0, m.start() - reach), m.end() + reach
    return end >= 0 and badness.is_bad(text[start:end])


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
    if ftfy_keeps(text) or ftfy.fix_text(text, FTFY_CONFIG) == text:
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


def ftfy_keeps(text: str) -> bool:
    """True when ftfy (under FTFY_CONFIG) would certainly leave `text` as it is: a check far
    cheaper than running it, for the nine texts in ten that hold no damage.

    ftfy fixes a text line by line; its encoding fix does nothing to a line that is ASCII or not
    "bad" (:func:`ftfy.badness.is_bad`, a search that finds in a whole text whatever it finds in
    one of its lines, but for one case anchored at a line's start, checked apart; most texts hold
    none of the characters it needs, see ``_badness_needs``); its other fixers
    act only on the characters of ``_FIXER_CHARS``; and NFC is checked as such. False means "maybe
    not": ftfy itself decides. bench/ftfy_fast_path.py holds it to ftfy on the dev corpora.

    >>> ftfy_keeps("“Curly” quotes, café, naïve"), ftfy_keeps("caf\u00c3\u00a9"), ftfy_keeps("\ufb01ne")
    (True, False, False)
    """
    if _FIXER_CHARS.search(text):
        return False
    if text.isascii():
        return True
    if not unicodedata.is_normalized("NFC", text):
        return False
    return not _bad(text) and not _BAD_AT_LINE_START.search(text)


def fold_chars(text: str) -> str:
    """Fold the characters of a text: compatibility forms, case, quotes and dashes (spaces kept).

    >>> fold_chars("\\u201cWe\\u2019re  HERE\\u201d")
    '"we\\'re  here"'
    """
    if text.isascii():  # NFKC and the quote table leave ASCII alone; casefold is lower there
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    for quote, plain in _QUOTE_PAIRS:
        if quote in text:
            text = text.replace(quote, plain)
    return text


def fold(text: str) -> str:
    """Fold text for comparison: compatibility forms, case, quotes and dashes, runs of space.

    >>> fold("\\u201cWe\\u2019re  HERE\\u201d \\u2014 ok")
    '"we\\'re here" - ok'
    """
    return " ".join(fold_chars(text).split())  # split() cuts at isspace(), as a regex's \s does


def words(text: str) -> list[str]:
    """The folded words of a text: what shingles are made of.

    >>> words("The U.S. isn\\u2019t North-Korea's.")
    ['the', 'u', 's', "isn't", 'north', "korea's"]
    """
    return _WORD.findall(fold_chars(text))


def count_words(text: str) -> int:
    """How many :func:`words` a text holds, without making them (see :func:`words_per_span`).

    >>> count_words("The U.S. isn't North-Korea's, 'ok'"), count_words("Kim\u2019s deal")
    (7, 2)
    """
    return words_per_span(text, [(0, len(text))])[0]


def folded_digest(text: str) -> int:
    """A 128-bit digest of a text with case and spacing folded: texts that differ only in those
    have the same one (and others, all but surely, not).

    >>> folded_digest(" Said  the Mayor ") == folded_digest("said the mayor"), folded_digest("a") == folded_digest("b")
    (True, False)
    """
    return xxhash.xxh3_128_intdigest(" ".join(text.lower().split()).encode("utf-8", "surrogatepass"))


def words_per_span(line: str, spans: list[tuple[int, int]]) -> list[int]:
    """How many :func:`words` each span of a line holds. In ASCII text (which folding leaves in
    place but for case) they are the runs of word characters less the apostrophes that join two.

    >>> words_per_span("It rose 2.5%. Then it fell.", [(0, 13), (14, 27)])
    [4, 3]
    """
    if line.isascii():  # as count_words, the line's bytes translated once
        runs = line.encode("ascii").translate(WORD_BYTES)
        if "'" not in line:
            return [len(runs[a:b].split()) for a, b in spans]
        joins = [m.start() + 1 for m in _JOINED.finditer(line)]
        return [len(runs[a:b].split()) - sum(1 for p in joins if a < p < b - 1) for a, b in spans]
    return [len(words(line[a:b])) for a, b in spans]


def body_text(lines: list[str]) -> str:
    """The text a document is signed and compared by: its body's non-empty lines."""
    return "\n".join(line for line in lines if line)
