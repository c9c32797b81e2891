"""Line features for the line model: a line's shape, its neighbours', its place, and what flagged it.

Each non-empty line of a document becomes one row of numbers, as jusText and boilerpipe read
lines: the line's own shallow text features (words, stop-word density, shares of letters, digits
and capitals, terminal punctuation, title case, list, pipe and bullet markers, dates and times,
counters), the same features of the lines before and after it and their means over the lines
around it (context, as jusText's neighbours), its position (head and tail of the document, before or
after the main text the line statistics found, indented deeper or less than it), and the evidence
already gathered on the document (lines the rules and statistics flagged nearby, how often the line
repeats in the document). Everything is a function of the document alone, so the model runs where
the rest of the per-document work runs.

Stop words are the most frequent English words of the ``wordfreq`` package (a core dependency: its
word lists ship inside it, code Apache-2.0, data CC BY-SA 4.0), read once, never downloaded.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

import numpy as np

from audit.lines.statistics import MIDDLING, PROSE, SHORT, TABLE, Layout, blank, digit_count, letter_count

#: How many of wordfreq's most frequent English words count as stop words (function words:
#: past about 80 the list takes in menu words such as "home" and "next").
STOP_WORDS = 80
#: Characters of a line the patterns (separators, dates, counters, links) read.
MAX_PATTERN_CHARS = 300

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_TERMINAL = re.compile(r"""[.!?…]['"”’»)\]]*\s*$""")
# "o" is the bullet of a nested list in a text dump (inscriptis: "*", then "+", then "o").
_BULLET = re.compile(r"^\s*(?:[*+•·▪◦‣○●■□►▸»›>o-]|\d{1,3}[.)])\s+")
_SEPARATOR = re.compile(r"\s[|│•·»/]\s|\s[|│]|[|│]\s")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?\b)?|\b\d{1,2}\s*[ap]\.?m\.?\b", re.I)
_DATE = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
                   r"|\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
                   r"|\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:19|20)\d{2}\b", re.I)
_COUNTER = re.compile(r"\(\d+\)|\b\d+\s+(?:comments?|repl(?:y|ies)|views?|shares?|likes?|votes?|points?|responses?)\b"
                      r"|^\s*#?\d+[.:)]?\s*$|^\s*\d+\.\s+\S", re.I)
_SEPARATORS = frozenset("|│•·»/")
_LINKY = re.compile(r"https?://|www\.|@\w|\[[^\]]*\]\(", re.I)

#: A line's own features, each with what a high value and a low value mean (for the messages).
OWN = (
    ("words", "many words", "few words"),
    ("short", "four words or fewer", "more than four words"),
    ("stop", "many stop words", "few stop words"),
    ("letters", "mostly letters", "few letters"),
    ("digits", "many digits", "few digits"),
    ("title", "title case", "not title case"),
    ("upper", "capitals", "few capitals"),
    ("terminal", "ends a sentence", "no sentence end"),
    ("colon", "ends in a colon", "no colon at the end"),
    ("bullet", "list marker", "no list marker"),
    ("separators", "pipes or bullets between items", "no separators"),
    ("time", "a date or time", "no date or time"),
    ("counter", "a counter or number", "no counter"),
    ("linky", "a link or handle", "no link"),
)
#: Features of a neighbouring line (before or after): a subset of the own ones, and whether it was flagged.
NEIGHBOUR = ("words", "short", "stop", "terminal", "title", "flagged")
#: Features of the document around the line.
CONTEXT = (
    ("window.short", "short lines around", "long lines around"),
    ("window.terminal", "sentences around", "no sentences around"),
    ("window.flagged", "flagged lines around", "no flagged lines around"),
    ("window.stop", "stop words around", "few stop words around"),
    ("window.bullet", "list items around", "no list items around"),
    ("position", "near the end", "near the start"),
    ("head", "in the first lines", "not in the first lines"),
    ("tail", "in the last lines", "not in the last lines"),
    ("before-main", "before the main text", "not before the main text"),
    ("after-main", "after the main text", "not after the main text"),
    ("class.prose", "a prose paragraph", "not a prose paragraph"),
    ("class.short", "a short paragraph", "not a short paragraph"),
    ("class.middling", "a middling paragraph", "not a middling paragraph"),
    ("class.table", "a table row", "not a table row"),
    ("repeated", "repeated in the document", "not repeated"),
    ("page-dump", "in a whole-page dump", "not in a page dump"),
    ("short-title", "a short title-case item", "not a short title-case item"),
    ("length", "a long document", "a short document"),
    ("indent.deeper", "indented deeper than the main text", "not indented deeper than the main text"),
    ("indent.shallower", "indented less than the main text", "not indented less than the main text"),
)
_ROLES = ("before", "after")


def _linky(text: str) -> bool:
    # The pattern runs only where what it needs is: a line of prose has full stops, not links.
    return ("://" in text or "@" in text or "](" in text or "www." in text.lower()) and bool(_LINKY.search(text))


def feature_names() -> list[str]:
    """The name of every column of :func:`line_features`, in order."""
    names = [n for n, _, _ in OWN]
    names += [f"{role}.{n}" for role in _ROLES for n in NEIGHBOUR]
    return names + [n for n, _, _ in CONTEXT]


def feature_phrases() -> dict[str, tuple[str, str]]:
    """Each feature's phrases for a high and a low value (neighbour features say which neighbour)."""
    own = {n: (hi, lo) for n, hi, lo in OWN}
    out = dict(own)
    for role in _ROLES:
        for n in NEIGHBOUR:
            hi, lo = own.get(n, ("flagged", "not flagged"))
            out[f"{role}.{n}"] = (f"line {role}: {hi}", f"line {role}: {lo}")
    out.update({n: (hi, lo) for n, hi, lo in CONTEXT})
    return out


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """wordfreq's most frequent English words (letters only), the first :data:`STOP_WORDS` of them.

    >>> {"the", "of", "and"} <= stop_words()
    True
    """
    import wordfreq

    words = [w for w in wordfreq.top_n_list("en", STOP_WORDS * 2) if w.replace("'", "").isalpha()]
    return frozenset(words[:STOP_WORDS])


def shape(line: str, stops: frozenset[str], whole: bool = True) -> list[float]:
    """A line's own features, in the order of :data:`OWN`; with `whole` false only those a
    neighbour's features and the context windows read (:data:`_CONTEXT_COLUMNS`), the others 0.

    >>> s = shape("Posted by Ann at 2:42 PM", frozenset({"by", "at"}))
    >>> dict(zip([n for n, _, _ in OWN], s))["time"], dict(zip([n for n, _, _ in OWN], s))["terminal"]
    (1.0, 0.0)
    """
    text = line.strip()
    # Only the start of a long line is read closely (its words past it are only counted): its shape
    # shows there, and a page dump's lines run to thousands of characters.
    head = text[:MAX_PATTERN_CHARS]
    tokens = _WORD.findall(head)
    n = len(tokens) + (len(text[MAX_PATTERN_CHARS:].split()) if len(text) > MAX_PATTERN_CHARS else 0)
    words = [t for t in tokens if t[0].isalpha()]
    title = sum(map(str.isupper, [w[0] for w in words])) / len(words) if words else 0.0
    stop = sum(map(stops.__contains__, map(str.lower, tokens))) / len(tokens) if tokens else 0.0
    terminal = 1.0 if _TERMINAL.search(text[-8:]) else 0.0
    bullet = 1.0 if _BULLET.match(head) else 0.0
    if not whole:
        context = {"words": math.log1p(n), "short": 1.0 if n <= 4 else 0.0, "stop": stop, "title": title,
                   "terminal": terminal, "bullet": bullet}
        return [context.get(name, 0.0) for name, _, _ in OWN]
    chars = "".join(head.split()) or " "
    digits = digit_count(chars)
    upper = sum(1 for w in filter(str.isupper, words) if len(w) > 1) / len(words) if words else 0.0
    return [
        math.log1p(n),
        1.0 if n <= 4 else 0.0,
        stop,
        letter_count(chars) / len(chars),
        digits / len(chars),
        title,
        upper,
        terminal,
        1.0 if text.endswith(":") else 0.0,
        bullet,
        # Each pattern runs only where the characters it needs are (most lines have none of them).
        math.log1p(len(_SEPARATOR.findall(head))) if not _SEPARATORS.isdisjoint(head) else 0.0,
        1.0 if digits and (_TIME.search(head) or _DATE.search(head)) else 0.0,
        1.0 if digits and _COUNTER.search(head) else 0.0,
        1.0 if _linky(head) else 0.0,
    ]


_COL = {n: i for i, (n, _, _) in enumerate(OWN)}
#: The own features a neighbour's columns take, in the order of :data:`NEIGHBOUR` (less "flagged").
_NEIGHBOUR_COLUMNS = [_COL[n] for n in NEIGHBOUR if n != "flagged"]
#: The own features the context windows average, in the order of :data:`CONTEXT`'s window columns.
_WINDOW_COLUMNS = [_COL[n] for n in ("short", "terminal")] + [-1] + [_COL[n] for n in ("stop", "bullet")]
#: What a line that is no scored line's own needs: its neighbours' columns and the windows'.
_CONTEXT_COLUMNS = frozenset(_NEIGHBOUR_COLUMNS) | frozenset(_WINDOW_COLUMNS) - {-1}
#: Paragraph classes as small numbers, for the class columns (0: none of these).
_CLASS_CODES = {PROSE: 1, SHORT: 2, MIDDLING: 3, TABLE: 4}
#: Lines on either side of a line that its context windows read.
_REACH = 3


def line_features(lines: list[str], layout: Layout, flagged: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """The feature rows of the lines the model scores, and their 1-based line numbers.

    `flagged` are the 1-based lines the rules and the line statistics already flagged: evidence
    about the lines around them (a line between two flagged ones is likely furniture too), not
    scored again. Nor are the prose paragraphs of the main text: the article itself (on the dev
    sets, with weights fitted without their sites, none scored 0.9), and most of an extractor's
    lines, so that leaving them out saves reading most of them.

    A document holds few scored lines (in a page dump most lines are flagged, in an extractor's
    most are prose), so each row is built on its own, from the lines within its reach only: array
    operations over every line cost more than the model itself.

    >>> from audit.lines.statistics import paragraphs, layout as lay
    >>> from audit.settings import LineSettings
    >>> text = ["Home | News | Sport", "", "The storm hit the coast early on Monday, and the roads were closed."]
    >>> rows, numbers = line_features(text, lay(paragraphs(text, LineSettings()), LineSettings()), set())
    >>> rows.shape[1] == len(feature_names()), numbers.tolist()
    (True, [1])
    """
    width = len(feature_names())
    numbers = [i for i, line in enumerate(lines, start=1) if not blank(line)]
    # Each line's paragraph class, by line number (0 where a line is in no paragraph).
    codes = [0] * (len(lines) + 1)
    for p in layout.paragraphs:
        codes[p.first + 1:p.last + 2] = [_CLASS_CODES.get(p.cls, 0)] * (p.last - p.first + 1)
    span = layout.main_lines()
    first, last = span or (0, -1)
    prose = _CLASS_CODES[PROSE]
    scored = [k for k, i in enumerate(numbers)
              if i not in flagged and not (first <= i <= last and codes[i] == prose)]
    if not scored:
        return np.zeros((0, width)), np.zeros(0, dtype=np.int64)
    stops = stop_words()
    n = len(numbers)
    own = {k: shape(lines[numbers[k] - 1], stops) for k in scored}
    for k in scored:
        for j in range(max(k - _REACH, 0), min(k + _REACH + 1, n)):
            if j not in own:
                own[j] = shape(lines[numbers[j] - 1], stops, whole=False)
    was = [1.0 if i in flagged else 0.0 for i in numbers]

    def neighbour(j: int) -> list[float]:
        if not 0 <= j < n:
            return [0.0] * (len(_NEIGHBOUR_COLUMNS) + 1)
        values = own[j]
        return [values[c] for c in _NEIGHBOUR_COLUMNS] + [was[j]]

    # A page dump indents its blocks by their depth in the page: the sidebars and footers sit at
    # other depths than the article (extractors' lines all start at the margin).
    inside = [_indent(lines[i - 1]) for i in numbers if first <= i <= last]
    main_indent = float(np.median(inside)) if inside else 0.0
    folded = [" ".join(lines[i - 1].split()).lower() for i in numbers]
    seen = Counter(folded)
    dump = 1.0 if layout.page_dump else 0.0
    length = math.log1p(n)
    rows = []
    for k in scored:
        i = numbers[k]
        values = own[k]
        around = [j for j in range(k - _REACH, k + _REACH + 1) if j != k and 0 <= j < n]
        windows = [sum(was[j] if c < 0 else own[j][c] for j in around) / max(len(around), 1)
                   for c in _WINDOW_COLUMNS]
        code = codes[i]
        indent = _indent(lines[i - 1])
        short, title, terminal = values[_COL["short"]], values[_COL["title"]], values[_COL["terminal"]]
        rows.append(values + neighbour(k - 1) + neighbour(k + 1) + windows + [
            k / max(n - 1, 1),
            1.0 if k < 3 else 0.0,
            1.0 if k >= n - 3 else 0.0,
            1.0 if span and i < first else 0.0,
            1.0 if span and i > last else 0.0,
            *(1.0 if code == c else 0.0 for c in _CLASS_CODES.values()),
            1.0 if seen[folded[k]] > 1 else 0.0,
            dump,
            short * (title >= 0.99) * (1 - terminal),
            length,
            1.0 if inside and indent > main_indent else 0.0,
            1.0 if inside and indent < main_indent else 0.0,
        ])
    return np.array(rows), np.array([numbers[k] for k in scored], dtype=np.int64)


def _indent(line: str) -> int:
    """The width of a line's leading white space (what ``\\s*`` matches: ``str.isspace``'s characters)."""
    return len(line) - len(line.lstrip())
