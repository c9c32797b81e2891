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
from operator import itemgetter
from statistics import median

import numpy as np

from audit.lines.statistics import MIDDLING, PROSE, SHORT, TABLE, Layout, digit_count, letter_count

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
_MONTH = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
# A date or a time: a clock time ("2:42", "2:42 PM", "9am"), a day and month, a numeric date, a
# year. Every pattern but the month-first one starts at a digit (``\d(?<!\w\d)`` is ``\b\d``), so
# the engine skips to the digits; the month-first one runs only where a month's name is.
_DIGIT_DATE = re.compile(r"\d(?<!\w\d)(?:\d?:\d{2}|\d?\s*[ap]\.?m\.?\b|\d?\s+(?:" + _MONTH + r")[a-z]*\b"
                         r"|\d{3}[-/]\d{1,2}[-/]\d{1,2}\b|\d?/\d{1,2}/\d{2,4}\b|(?:(?<=1)9|(?<=2)0)\d{2}\b)", re.I)
_MONTH_DATE = re.compile(r"\b(?:" + _MONTH + r"|sept)[a-z]*\.?\s+\d{1,2}\b", re.I)
# What the case-insensitive month names can match, case-folded (``ſ`` matches ``s`` and folds to it).
_MONTH_NAME = re.compile(_MONTH)
# A counter: "(12)", "12 comments", or a line that is a number ("12", "#3.", "4. Next").
_PAREN_COUNT = re.compile(r"\(\d+\)")
_COUNT_WORDS = re.compile(r"\d(?<!\w\d)\d*\s+(?:comments?|repl(?:y|ies)|views?|shares?|likes?|votes?|points?"
                          r"|responses?)\b", re.I)
_NUMBER_LINE = re.compile(r"\s*(?:#?\d+[.:)]?\s*$|\d+\.\s+\S)")
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


def _dated(text: str) -> bool:
    """Whether `text` holds a date or a time.

    >>> [_dated(t) for t in ("at 2:42 PM", "Sept. 4", "on 4 March", "2012-10-23", "in 1999", "12:3", "x2012")]
    [True, True, True, True, True, False, False]
    """
    return bool(_DIGIT_DATE.search(text) or (_MONTH_NAME.search(text.casefold()) and _MONTH_DATE.search(text)))


def _counter(text: str) -> bool:
    """Whether `text` holds a counter or is a number.

    >>> [_counter(t) for t in ("Comments (12)", "12 replies", "#3.", "4. Next page", "in 2012 we", "12a")]
    [True, True, True, True, False, False]
    """
    return bool(("(" in text and _PAREN_COUNT.search(text)) or _COUNT_WORDS.search(text) or _NUMBER_LINE.match(text))


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
    # A word starts with a letter (a token may start with a digit, or a Roman numeral, upper case
    # but no letter).
    initials = "".join(filter(str.isalpha, [t[0] for t in tokens]))
    words = len(initials)
    title = sum(map(str.isupper, initials)) / words if words else 0.0
    stop = sum(map(stops.__contains__, map(str.lower, tokens))) / len(tokens) if tokens else 0.0
    terminal = 1.0 if _TERMINAL.search(text[-8:]) else 0.0
    bullet = 1.0 if _BULLET.match(head) else 0.0
    if not whole:
        return [math.log1p(n), 1.0 if n <= 4 else 0.0, stop, 0.0, 0.0, title, 0.0, terminal, 0.0, bullet,
                0.0, 0.0, 0.0, 0.0]
    chars = "".join(head.split()) or " "
    digits = digit_count(chars)
    upper = sum(1 for t in tokens if len(t) > 1 and t[0].isalpha() and t.isupper()) / words if words else 0.0
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
        1.0 if digits and _dated(head) else 0.0,
        1.0 if digits and _counter(head) else 0.0,
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
#: A line's neighbour columns and its window columns, from its own values with its flag appended
#: (which index -1 reads).
_NEIGHBOUR_OF = itemgetter(*_NEIGHBOUR_COLUMNS, -1)
_WINDOW_OF = itemgetter(*_WINDOW_COLUMNS)
#: The class columns of each paragraph class's code.
_CLASS_COLUMNS = {code: [1.0 if code == c else 0.0 for c in _CLASS_CODES.values()] for code in range(len(_CLASS_CODES) + 1)}
_WIDTH = len(feature_names())
#: Lines on either side of a line that its context windows read.
_REACH = 3


def line_features(lines: list[str], layout: Layout, flagged: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """The feature rows of the lines the model scores, and their 1-based line numbers (`layout` is
    that of `lines`: its paragraphs are the lines read).

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
    # The paragraphs hold exactly the lines that are not blank.
    numbers = [i for p in layout.paragraphs for i in range(p.first + 1, p.last + 2)]
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
        return np.zeros((0, _WIDTH)), np.zeros(0, dtype=np.int64)
    stops = stop_words()
    n = len(numbers)
    own = {k: shape(lines[numbers[k] - 1], stops) for k in scored}
    for k in scored:
        for j in range(max(k - _REACH, 0), min(k + _REACH + 1, n)):
            if j not in own:
                own[j] = shape(lines[numbers[j] - 1], stops, whole=False)
    was = [1.0 if i in flagged else 0.0 for i in numbers]
    # A line's own values and, last, whether it was flagged: what the rows of the lines around it read.
    read = {j: values + [was[j]] for j, values in own.items()}
    window = {j: _WINDOW_OF(values) for j, values in read.items()}
    outside = [0.0] * (len(_NEIGHBOUR_COLUMNS) + 1)

    # A page dump indents its blocks by their depth in the page: the sidebars and footers sit at
    # other depths than the article (extractors' lines all start at the margin).
    inside = [_indent(lines[i - 1]) for i in numbers if first <= i <= last]
    main_indent = float(median(inside)) if inside else 0.0
    repeated = _repeated([lines[i - 1] for i in numbers], scored)
    dump = 1.0 if layout.page_dump else 0.0
    length = math.log1p(n)
    rows = []
    for k in scored:
        i = numbers[k]
        values = own[k]
        around = [j for j in range(k - _REACH, k + _REACH + 1) if j != k and 0 <= j < n]
        windows = ([sum(column) / len(around) for column in zip(*[window[j] for j in around])] if around
                   else [0.0] * len(_WINDOW_COLUMNS))
        indent = _indent(lines[i - 1])
        short, title, terminal = values[_COL["short"]], values[_COL["title"]], values[_COL["terminal"]]
        rows.append([
            *values,
            *(_NEIGHBOUR_OF(read[k - 1]) if k > 0 else outside),
            *(_NEIGHBOUR_OF(read[k + 1]) if k + 1 < n else outside),
            *windows,
            k / max(n - 1, 1),
            1.0 if k < 3 else 0.0,
            1.0 if k >= n - 3 else 0.0,
            1.0 if span and i < first else 0.0,
            1.0 if span and i > last else 0.0,
            *_CLASS_COLUMNS[codes[i]],
            1.0 if k in repeated else 0.0,
            dump,
            short * (title >= 0.99) * (1 - terminal),
            length,
            1.0 if inside and indent > main_indent else 0.0,
            1.0 if inside and indent < main_indent else 0.0,
        ])
    return np.array(rows), np.array([numbers[k] for k in scored], dtype=np.int64)


def _repeated(lines: list[str], wanted: list[int]) -> set[int]:
    """Which of the `wanted` lines (indexes into `lines`) another of `lines` repeats, case and runs of
    white space aside.

    Only the lines whose first and last characters are those of a wanted line are folded: the others
    cannot repeat one, and folding every line of a page would cost a fifth of the model.

    >>> sorted(_repeated(["Share this", "  SHARE   this ", "The storm hit the coast.", "Share that"], [0, 2, 3]))
    [0]
    """
    ends = [_ends(line) for line in lines]
    tips = {ends[k] for k in wanted}
    folded = {j: _fold(line) for j, line in enumerate(lines) if ends[j] in tips}
    seen = Counter(folded.values())
    return {k for k in wanted if seen[folded[k]] > 1}


def _fold(line: str) -> str:
    return " ".join(line.split()).lower()


def _ends(line: str) -> tuple[str, str]:
    """The first and last characters of a line's :func:`_fold` (so lines with other ends fold apart).

    Lowering the whole line lowers each character alone, but for a capital sigma (final or not by
    what comes before it) and a dotted capital I (two characters): each end is lowered alone, its
    first or last character kept, and sigmas read as one.

    >>> _ends("  ΟΔΟΣ ") == _ends("οδος") == _ends("οδοσ"), _ends("İx") == _ends("i̇x")
    (True, True)
    """
    visible = line.strip()
    return visible[:1].lower()[:1].replace("ς", "σ"), visible[-1:].lower()[-1:].replace("ς", "σ")


def _indent(line: str) -> int:
    """The width of a line's leading white space (what ``\\s*`` matches: ``str.isspace``'s characters)."""
    return len(line) - len(line.lstrip())
