"""Menus an extractor left in the text: rows of short items between separators, runs of short items.

An extractor that keeps a navigation bar renders it as one line ("Home | News | Sport | Weather",
"« Older post | Main | Newer post »") or as a run of lines, one short item each ("World", "Business",
"Technology"). Neither says "menu" in words a rule could match; their shape does:

- a row: at least :data:`MIN_ROW_ITEMS` items between pipes, bullets or guillemets, each of at most
  :data:`MAX_ITEM_WORDS` words and none ending a sentence (a Markdown table row, which starts with a
  pipe, is a table of the text, not a menu), or a blog's "« previous | Main | next »" bar (or half
  of one: "« previous | Main");
- a run: at least :data:`MIN_RUN` lines in a row of at most :data:`MAX_ITEM_WORDS` words each, title
  case, none ending a sentence, outside the main text (inside it, such a run is a list of the text).
"""

from __future__ import annotations

import re

from audit.lines.statistics import FIGURE, blank

MIN_ROW_ITEMS = 3
MAX_ITEM_WORDS = 4
#: Runs shorter than this are left alone: a list of names or places inside an article is such a run
#: (at 4 lines, a third of the runs flagged on the article extractors' output of the dev sets were text).
MIN_RUN = 6

_SEPARATOR = re.compile(r"\s+(?:[|│•·»«]|>>|::)\s+|\s*[|│]\s*")
_MAIN_BAR = re.compile(r"^\s*«.*\|\s*main\s*(?:\||$)|(?:^|\|)\s*main\s*\|.*»\s*$", re.I)
_TERMINAL = re.compile(r"""[.!?…,;]['"”’)\]]*$""")
_BULLET = re.compile(r"^\s*(?:[*+•·▪◦‣○●■□►▸»›-])\s+")
#: Words that stay lower case inside a title ("Terms of Use", "News and Events").
_SMALL = frozenset("a an and at by for from in of on or the to with &".split())


def _item(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= MAX_ITEM_WORDS and not _TERMINAL.search(text)


def menu_row(line: str) -> bool:
    """Whether a line is a menu bar rendered as one row.

    >>> [menu_row(t) for t in ["Home | News | Sport | Weather", "« Older post | Main | Newer post about the storm »",
    ...   "« Google adds traffic data to 130 more cities | Main", "Main | Nevada hits the jackpot »",
    ...   "| 12 | 3 | 4 |", "Watch This || By: Grace Randolph", "He said: yes | no | maybe, and left."]]
    [True, True, True, True, False, False, False]
    """
    text = line.strip()
    # Most lines hold no separator at all: they are passed over before any pattern reads them.
    # (Each mark looked for apart: a set's isdisjoint hashes every character of the line, 25 times
    # as slow on a line of prose.)
    if not ("|" in text or "│" in text or "•" in text or "·" in text or "»" in text or "«" in text
            or ">>" in text or "::" in text):
        return False
    if _MAIN_BAR.search(text):
        return True
    if text.startswith(("|", "│")):
        return False
    items = [i.strip() for i in _SEPARATOR.split(text) if i.strip(" «»")]
    return (len(items) >= MIN_ROW_ITEMS and all(_item(i) for i in items)
            and sum(1 for i in items if any(c.isalpha() for c in i)) >= 2)


def title_item(line: str) -> bool:
    """Whether a line is one short title-case item (a menu entry, a section name).

    >>> [title_item(t) for t in ["World News", "* Terms of Use", "Add two cups of flour", "The End.", "Chicago 9.6%"]]
    [True, True, False, False, False]
    """
    if len(line.split(None, MAX_ITEM_WORDS + 1)) > MAX_ITEM_WORDS + 1:
        return False  # too many words even without a bullet (most lines: prose), read no further
    text = _BULLET.sub("", line.strip())
    # A row of a table an extractor flattened ("Chicago 9.6%") is data, however it is capitalized.
    if not _item(text) or FIGURE.search(text):
        return False
    words = [w for w in text.split() if w[0].isalpha()]
    return bool(words) and all(w[0].isupper() or w.lower() in _SMALL for w in words) and words[0][0].isupper()


def menu_lines(lines: list[str], main: tuple[int, int] | None = None) -> list[tuple[int, str]]:
    """The 1-based lines of menus in a document, with what made each one a menu; runs of items
    inside `main` (the 1-based first and last line of the main text) are left alone.

    >>> items = ["World", "Business", "Technology", "Science", "Health", "Sport"]
    >>> [n for n, _ in menu_lines(items + ["", "The storm hit the coast on Monday."], (8, 8))]
    [1, 2, 3, 4, 5, 6]
    >>> menu_lines(items + ["The storm hit the coast on Monday."], (1, 7))
    []
    """
    out = [(i, "short items between separators") for i, line in enumerate(lines, start=1) if menu_row(line)]
    run: list[int] = []

    def close() -> None:
        if len(run) >= MIN_RUN and not (main and any(main[0] <= n <= main[1] for n in run)):
            out.extend((n, f"one of {len(run)} short title-case items in a row") for n in run)

    for i, line in enumerate(lines, start=1):
        if blank(line):
            continue
        if title_item(line):
            run.append(i)
            continue
        close()
        run = []
    close()
    return sorted(set(out))
