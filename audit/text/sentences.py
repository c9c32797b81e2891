"""Cut news text into the units readability and tone count: sentences and their words.

One splitter and one tokenizer serve both, so a sentence means the same thing in every score.
News trips naive splitters: abbreviations ("U.S.", "Mr."), initials, decimals and times ("7.3",
"8.30pm") and quotes that close after the full stop. A sentence ends at ``.``, ``!`` or ``?``
(closing quotes and brackets included) followed by a space and a capital, a digit or an opening
quote, unless the word before is an abbreviation or an initial. Sentences never cross a line end:
a heading or a list line without a full stop is a unit of its own.

Words are runs of letters and digits joined by inner apostrophes, hyphens, and the points and
commas inside numbers ("Kim’s", "e-cigarettes", "8.30pm", "1,000"); curly apostrophes are folded
to straight ones, so "Kim’s" and "Kim's" are the same word.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from typing import NamedTuple

#: Words that end with a full stop without ending a sentence (folded, without the stop).
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt cmdr adm gov sen rep rev hon pres supt "
    "insp det no nos vol vols fig figs approx dept est inc ltd co corp bros plc vs etc al eg ie "
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun "
    "ave blvd rd hwy a.m p.m u.s u.k u.n e.u".split()
)
_BOUNDARY = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
#: Letters with stops ("u.s", "a.m", folded and without the last stop): an abbreviation, not an end.
_STOPPED_LETTERS = re.compile(r"([a-z]\.)+[a-z]")
#: A word: letters or digits, joined by inner apostrophes, hyphens, or the points and commas of
#: numbers and abbreviations ("U.S", "7.3", "1,000"), never by a trailing mark.
_WORD = re.compile(r"\w+(?:['’‘.,:\-‐‑]\w+)*")
_FOLDS = (("’", "'"), ("‘", "'"), ("‐", "-"), ("‑", "-"))
_OPEN, _CLOSE, _BOTH = "“«„", "”»", '"'
_QUOTE_MARK = re.compile('[“«„”»"]')
#: Regular endings of inflected words and what restores the stem ("says" -> "say").
_INFLECTIONS = (("ies", "y"), ("ied", "y"), ("ier", "y"), ("iest", "y"), ("ily", "y"), ("es", ""),
                ("s", ""), ("ed", ""), ("ed", "e"), ("d", ""), ("ing", ""), ("ing", "e"), ("er", ""),
                ("er", "e"), ("est", ""), ("est", "e"), ("ly", ""), ("n", ""), ("en", ""), ("'s", ""))


class Sentence(NamedTuple):
    """One sentence: its 1-based line, its character span in that line, its text and words.

    A named tuple, not a frozen dataclass: a document makes one per sentence, and a tuple is made
    in a quarter of the time."""

    line: int
    start: int
    end: int
    text: str
    #: The words, folded: lower case, straight apostrophes, plain hyphens.
    words: tuple[str, ...]
    #: For each word, whether it stands inside quotation marks (speech the outlet reports).
    quoted: tuple[bool, ...] = ()
    #: Whether the closing ``!`` or ``?`` (if any) is the outlet's own, not inside a quotation.
    own_ending: bool = True
    #: The words as written (case kept), e.g. to tell a name inside a sentence by its capital.
    written: tuple[str, ...] = ()


def split(line: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of one line (leading and trailing spaces excluded).

    >>> line = 'Mr. Koh met U.S. officials at 8.30pm. "It went well," he said. Good!'
    >>> [line[a:b] for a, b in split(line)]
    ['Mr. Koh met U.S. officials at 8.30pm.', '"It went well," he said.', 'Good!']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(line):
        end = m.end()
        if m.group(0).startswith(".") and not _ends_sentence(line, start, m.start()):
            continue
        _add(line, start, end, spans)
        start = end
    _add(line, start, len(line), spans)
    return spans


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """Each word of a piece of text with its character span, folded as in :func:`words`.

    >>> word_spans("Kim’s deal")
    [(0, 5, "kim's"), (6, 10, 'deal')]
    """
    return [(m.start(), m.end(), _fold(m.group(0).lower())) for m in _WORD.finditer(text)]


def words(text: str) -> list[str]:
    """The words of a piece of text, folded (lower case, straight apostrophes).

    >>> words("Kim’s 7.3-metre e-cigarette, at 8.30pm — “wow”!")
    ["kim's", '7.3-metre', 'e-cigarette', 'at', '8.30pm', 'wow']
    """
    return [_fold(w.lower()) for w in _WORD.findall(text)]


@functools.lru_cache(maxsize=65536)
def stems(word: str) -> tuple[str, ...]:
    """A folded word and the stems its regular endings may come from, the word first.

    >>> stems("slammed")
    ('slammed', 'slamm', 'slam', 'slamme')
    """
    out = [word]
    for ending, restore in _INFLECTIONS:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            stem = word[: -len(ending)] + restore
            if len(stem) < 3:  # "men" is not an inflection of "me"
                continue
            out.append(stem)
            if not restore and stem[-1:] == stem[-2:-1]:
                out.append(stem[:-1])
    return tuple(dict.fromkeys(out))


def sentences(lines: list[str], spans: Sequence[list[tuple[int, int]]] | None = None) -> Iterator[Sentence]:
    """The sentences of a document given as lines (numbered from 1), each with its words;
    `spans` are the lines' :func:`split`, when the caller has them already.

    A line with no word in it (a rule of dashes, a lone bullet) yields nothing. Quotation marks
    are followed across the sentences of a line, so a quotation of several sentences is quoted
    throughout.

    >>> [(s.line, s.text) for s in sentences(["A heading", "", "It rose 2.5%. Then it fell."])]
    [(1, 'A heading'), (3, 'It rose 2.5%.'), (3, 'Then it fell.')]
    >>> [s.quoted for s in sentences(['He said: “We won. It is over.” Fine.'])]
    [(False, False, True, True), (True, True, True), (False,)]
    """
    for number, line in enumerate(lines, start=1):
        cuts = split(line) if spans is None else spans[number - 1]
        if not cuts:
            continue
        quotes = _quotations(line)
        for start, end in cuts:
            if quotes:  # the words and where they stand, to tell which are quoted
                found = list(_WORD.finditer(line, start, end))
                written = [m.group() for m in found]
            else:
                written = _WORD.findall(line, start, end)
            if not written:
                continue
            # Folded all at once (a word never holds a line break): far faster than word by word.
            folded = tuple(_fold("\n".join(written).lower()).split("\n"))
            text = line[start:end]
            if not quotes:
                yield Sentence(number, start, end, text, folded, (False,) * len(written), True, tuple(written))
                continue
            quoted = _inside_each(quotes, [m.start() for m in found])
            last = text.rstrip("\"'”’»)] ")
            own = not (last[-1:] in "!?" and _inside(quotes, start + len(last) - 1))
            yield Sentence(number, start, end, text, folded, quoted, own, tuple(written))


def _fold(text: str) -> str:
    """Curly apostrophes to straight ones and Unicode hyphens to plain ones (length kept)."""
    for curly, plain in _FOLDS:
        if curly in text:
            text = text.replace(curly, plain)
    return text


def _quotations(line: str) -> list[tuple[int, int]]:
    """Character spans of a line's quotations, marks included (an unclosed one runs to the end)."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for m in _QUOTE_MARK.finditer(line):
        ch, at = m.group(0), m.start()
        if opened is None and (ch in _OPEN or ch in _BOTH):
            opened = at
        elif opened is not None and (ch in _CLOSE or ch in _BOTH):
            spans.append((opened, at + 1))
            opened = None
    if opened is not None:
        spans.append((opened, len(line)))
    return spans


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    return any(a <= at < b for a, b in spans)


def _inside_each(spans: list[tuple[int, int]], starts: list[int]) -> tuple[bool, ...]:
    """:func:`_inside` of each of the ascending `starts`: the starts inside each span found by
    bisection (:func:`_quotations` gives the spans in order, none overlapping).

    >>> _inside_each([(2, 5), (9, 12)], [0, 2, 4, 5, 9, 13])
    (False, True, True, False, True, False)
    """
    out = [False] * len(starts)
    for a, b in spans:
        first, last = bisect_left(starts, a), bisect_left(starts, b)
        out[first:last] = [True] * (last - first)
    return tuple(out)


def _ends_sentence(line: str, start: int, end: int) -> bool:
    """False when the word before a full stop at `end` (in the sentence from `start`) is an
    abbreviation or an initial."""
    # The last 40 characters are enough, and keep the search short; `$` matches at `end`.
    m = _WORD_BEFORE.search(line, max(start, end - 40), end)
    if not m:
        return True
    word = m.group(1).lower().strip(".")
    if word in ABBREVIATIONS:
        return False
    # An initial ("J." in "J. Smith") or letters with stops ("U.S", "a.m"), not a number.
    return not (len(word) == 1 and word.isalpha()) and not ("." in word and _STOPPED_LETTERS.fullmatch(word))


def _add(line: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
