"""Split a line of news text into sentences, as character spans.

News trips naive splitters: abbreviations ("U.S.", "Mr."), initials, decimals and times ("7.3",
"8.30pm") and quotes that close after the full stop. A sentence ends at ``.``, ``!`` or ``?``
(closing quotes and brackets included) followed by a space and a capital, a digit or an opening
quote, unless the word before is an abbreviation or an initial.
"""

from __future__ import annotations

import re

#: Words that end with a full stop without ending a sentence (folded, without the stop).
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt cmdr adm gov sen rep rev hon pres supt "
    "insp det no nos vol vols fig figs approx dept est inc ltd co corp bros plc vs etc al eg ie "
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun "
    "ave blvd rd hwy a.m p.m u.s u.k u.n e.u".split()
)
_BOUNDARY = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


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
        if m.group(0).startswith(".") and not _ends_sentence(line[start:m.start()]):
            continue
        _add(line, start, end, spans)
        start = end
    _add(line, start, len(line), spans)
    return spans


def _ends_sentence(before: str) -> bool:
    """False when the word before a full stop is an abbreviation or an initial."""
    m = _WORD_BEFORE.search(before)
    if not m:
        return True
    word = m.group(1).lower().strip(".")
    if word in ABBREVIATIONS:
        return False
    # An initial ("J." in "J. Smith") or letters with stops ("U.S", "a.m"), not a number.
    return not (len(word) == 1 and word.isalpha()) and not re.fullmatch(r"(\w\.)+\w", word)


def _add(line: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
