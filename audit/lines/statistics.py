"""Line statistics: find leftover page text that no rule names, from how lines look in context.

Measuring follows the line filters of C4, Gopher and FineWeb (terminal punctuation, very short
lines, the share of letters against digits and symbols, links and URLs, bullet menus), read in
context as jusText does, because one line alone says little: "Politics" is a menu item in a
navigation bar and a subheading inside an article. A document is cut into paragraphs, each
paragraph gets a class, the main text is found as the stretch where prose outweighs the rest, and
the document's layout decides what is flagged:

- ``lines.links``: a paragraph that is mostly link text (a list of links, link reference
  definitions of Markdown output), anywhere;
- ``lines.repeated``: a line printed again and again in a row, or a counter (a slideshow's label
  and slide numbers), anywhere;
- ``lines.page``: in a whole-page dump (many menu-like lines outside the main text), every line
  outside the main text: navigation, teasers, footers.

Two signals are reported as quality, not as leftovers, since articles print them too: a line that
is only a URL (``lines.url``) and a line of digits and symbols outside a table
(``lines.symbols``). A whole-page dump also gets one document-level finding (``lines.page-dump``).
``lines.template`` (a line repeated across documents of one source) is counted over the corpus,
in :mod:`audit.lines.templates`.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from audit.settings import LineSettings
from audit.text.ascii_words import word_runs

#: Paragraph classes (a closed set).
PROSE, SHORT, MIDDLING, SYMBOLS, LINKS, TABLE, URL = "prose", "short", "middling", "symbols", "links", "table", "url"
#: The classes of a table's cells when an extractor prints them one a line.
_CELL_CLASSES = frozenset((SHORT, MIDDLING, SYMBOLS))


@dataclass(frozen=True)
class Signal:
    """One kind of line statistic: its id (as rule ids: ``family.name``), finding kind and message."""

    id: str
    kind: str
    severity: str
    message: str
    description: str


#: Every statistic this module reports, by id.
SIGNALS = {s.id: s for s in (
    Signal("lines.links", "boilerplate", "warning", "Line of links left in the text",
           "A paragraph whose text is mostly links or URLs (link lists, Markdown link definitions)."),
    Signal("lines.page", "boilerplate", "warning", "Page text outside the main text of a whole-page dump",
           "In a document with many menu-like lines outside its main text: every line outside it."),
    Signal("lines.repeated", "boilerplate", "warning", "Line repeated in a row: a slideshow's label or counter",
           "One of at least 5 lines in a row that are the same line (a slideshow's label printed once a slide) or "
           "count 1, 2, 3, ... (its slide numbers), anywhere."),
    Signal("lines.url", "quality", "info", "Line that is only a URL",
           "A line whose only text is a URL (reported, not counted as leftover page text)."),
    Signal("lines.symbols", "quality", "info", "Line of digits and symbols",
           "A line with few letters, outside a table (reported, not counted as leftover page text)."),
    Signal("lines.page-dump", "quality", "warning", "Whole-page dump: navigation around the text",
           "A document with many menu-like lines outside its main text (one finding per document)."),
    Signal("lines.section", "boilerplate", "warning", "User comments: the tail block of a page",
           "Every line from the start of a comments section (a comments heading, or comment signatures such as "
           "'Ann said...' or 'Posted by: Ann at 2:42 PM', after some text and the main text's start) to its end."),
    Signal("lines.menu", "boilerplate", "warning", "Menu left in the text",
           "A row of short items between pipes or bullets ('Home | News | Sport'), or a run of six or more short "
           "title-case lines outside the main text."),
    Signal("lines.model", "boilerplate", "warning", "Leftover page text by the line model",
           "A line whose features (its shape, its neighbours', its place, flagged lines near it) score at least "
           "lines.model-min-score in the line model (rules/line-model.json); the message names the strongest."),
    Signal("lines.template", "boilerplate", "warning", "Template line repeated across documents of one source",
           "A line found verbatim (after folding) in several documents of one source; the documents of "
           "one near-duplicate cluster count once. Counted over the whole corpus."),
)}

# Lookup tables: the shapes of links, bullets, table rows and sentence ends.
#: The ends of a bare domain or page name that make it a URL (one list for both patterns below).
_DOMAIN_NAME = r"(?:com|org|net|edu|gov|io|co|info|html?|php|aspx?)\b"
_DOMAIN_END = r"\." + _DOMAIN_NAME
_URL = re.compile(r"(?:https?://|www\.)[^\s)\]>]+|\b[\w-]+(?:\.[\w-]+)*" + _DOMAIN_END + r"(?:/[^\s)\]>]*)?", re.I)
#: What every match of _URL holds: "://", "www." or a domain's end (its second alternative), each
#: found from its ":" or "." (the engine skips to those; a pattern that starts with a cased letter
#: under re.I is tried at every character).
_URL_PART = re.compile(r"[:.](?:(?<=:)//|(?<=www\.)|(?<=\.)" + _DOMAIN_NAME + ")", re.I)
_MD_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\](?:\([^)]*\)|\[[^\]]*\])")
_LINK_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*\S+")
_BULLET = re.compile(r"^\s*(?:[*+•·▪◦‣○●■□►▸»›-]|\d{1,3}[.)])\s+")
#: A list item's mark (not a number: a numbered list is more often the text's own).
_MARK = re.compile(r"^\s*[*+•·▪◦‣○●■□►▸»›o-]\s+")
_ASCII_LETTERS = string.ascii_letters.encode("ascii")
_ASCII_DIGITS = string.digits.encode("ascii")
_TABLE = re.compile(r"^\s*[|│]|[|│]\s*$|[|│].*[|│]")
_TERMINAL = re.compile(r"[.!?…:。！？：]['\"”’»)\]*_]*\s*$")
_WORD = re.compile(r"\w+")
#: A measured figure (a share, an amount, a decimal, a signed number): a table's cell, not a menu's.
FIGURE = re.compile(r"\d[.,]\d|\d\s*%|[$€£¥]\s*\d|(?:^|\s)[-+−]\d")
#: A full stop or a question mark at the end of a short line (see Paragraph.sentence). Not "!"
#: ("Alert Me!", "Great!" under a comment) nor "…" ("Read more…").
_SENTENCE_END = re.compile(r"(?<!\.)[.?]['\"”’»)\]*_]*\s*$")
#: A line printed this many times in a row is page furniture (see Paragraph.repeat). In the dev sets'
#: labelled lines, runs of 5 or more were all leftovers (1,208 lines), runs of 3 or more nearly all
#: (1,247 leftovers, 25 content lines).
MIN_REPEATS = 5
#: Items of a numbered list in sequence that make it the text's own (see Paragraph.numbered).
MIN_NUMBERED = 3
_NUMBER = re.compile(r"^\s*(\d{1,3})[.)]\s+\S")
#: A table printed one cell a line (see _tables): its least cells, its least figures, and the most
#: cells a run may hold for each figure in it.
MIN_TABLE_CELLS = 6
MIN_TABLE_FIGURES = 2
MAX_CELLS_PER_FIGURE = 4
_WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


class Paragraph(NamedTuple):
    """A run of lines read as one unit (one line, or the lines of a hard-wrapped paragraph).

    A named tuple, not a frozen dataclass: a document makes one per paragraph, and a tuple is made
    in a quarter of the time."""

    first: int
    last: int
    cls: str
    words: int
    #: Whether a short paragraph, or one of digits and symbols, holds a measured figure (a share, an
    #: amount, a decimal, a signed number): a table's cell, not a menu's item or a pager's number.
    figures: bool = False
    #: Whether a middling paragraph is a list item that ends no sentence (a link in a list of them).
    item: bool = False
    #: Whether a short paragraph ends a sentence with a full stop or a question mark ("A: No.",
    #: "Q. RPG?": a dialogue, an interview): the text's own, not a menu's item (menus end none).
    sentence: bool = False
    #: The paragraph's place (1 for the first) in a run of at least MIN_REPEATS paragraphs of the
    #: same text in a row (a slideshow's label printed once a slide: "From the campaign trail"), or
    #: of a counter ("1", "2", "3", ...: its slide numbers), or 0 outside one.
    repeat: int = 0
    #: Whether a short or middling paragraph is an item of a numbered list in sequence ("1. Clearing
    #: the Terrain", "2. You Are Not Alone", ...: a table of contents, steps): the text's own.
    numbered: bool = False

    @property
    def size(self) -> int:
        """Lines in the paragraph."""
        return self.last - self.first + 1


@dataclass(frozen=True)
class LineFlag:
    """A line a statistic flags (1-based line number)."""

    line: int
    signal: Signal
    detail: str


@dataclass
class Layout:
    """How a document is laid out: its paragraphs, its main text, and whether it is a page dump."""

    paragraphs: list[Paragraph]
    #: Indexes of the first and last paragraph of the main text, or None when there is no prose.
    main: tuple[int, int] | None
    page_dump: bool
    #: Lines outside the main text, and the menu-like ones among them.
    outside_lines: int = 0
    menu_lines: int = 0

    def main_lines(self) -> tuple[int, int] | None:
        """The 1-based first and last line of the main text."""
        if self.main is None:
            return None
        return self.paragraphs[self.main[0]].first + 1, self.paragraphs[self.main[1]].last + 1


def word_count(text: str) -> int:
    """Words of a text; in scripts written without spaces, two characters count as a word.

    >>> word_count("North Korea's leader, Kim"), word_count("東京都の知事")
    (5, 3)
    """
    if text.isascii():
        return word_runs(text)
    tokens = _WORD.findall(text)
    if not _WIDE.search(text):  # most text: one word a token, without a look at each token
        return len(tokens)
    total = 0
    for token in tokens:
        wide = len(_WIDE.findall(token))
        total += max(1, (wide + 1) // 2) if wide else 1
    return total


def letter_count(text: str) -> int:
    """How many characters of `text` are letters (``str.isalpha``); ASCII text is counted in C.

    >>> letter_count("ab1 c!"), letter_count("é2ü")
    (3, 2)
    """
    return _count(text, _ASCII_LETTERS, str.isalpha)


def digit_count(text: str) -> int:
    """How many characters of `text` are digits (``str.isdigit``); ASCII text is counted in C.

    >>> digit_count("a1 22"), digit_count("é²3")
    (3, 2)
    """
    return _count(text, _ASCII_DIGITS, str.isdigit)


def _count(text: str, ascii_chars: bytes, test: Callable[[str], bool]) -> int:
    # In ASCII text the characters `test` accepts are exactly `ascii_chars` (A-Z and a-z for
    # isalpha, 0-9 for isdigit): deleting them counts them in C.
    if text.isascii():
        return len(text) - len(text.encode("ascii").translate(None, ascii_chars))
    return sum(map(test, text))


def blank(line: str) -> bool:
    """True for a line with nothing visible on it (spaces, zero-width and other format characters).

    >>> blank(" \u200b "), blank(" a ")
    (True, False)
    """
    visible = line.strip()
    # Nearly every line decides at its first character after the spaces.
    if not visible:
        return True
    if unicodedata.category(visible[0]) != "Cf":
        return False
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in visible)


def wrap_width(lines: list[str], settings: LineSettings) -> int | None:
    """The width a hard-wrapped text was wrapped at, or None when its lines are not wrapped.

    >>> s = LineSettings()
    >>> wrap_width(["a" * 78, "b" * 80, "c" * 75, "d" * 30, "e" * 79], s)
    80
    >>> wrap_width(["a" * 300, "short"], s) is None
    True
    """
    lengths = [len(line.rstrip()) for line in lines if not blank(line)]
    if len(lengths) < 5:
        return None
    widest = max(lengths)
    if widest > settings.max_wrap_width:
        return None
    near = sum(1 for n in lengths if n >= widest - settings.wrap_tolerance)
    return widest if near >= 3 and near / len(lengths) >= settings.min_wrap_share else None


def _continues(previous: str, line: str, width: int) -> bool:
    """Whether `line` continues the paragraph of `previous` in text wrapped at `width`: the
    first word of `line` would not have fitted on `previous` (greedy wrapping)."""
    if _LINK_DEFINITION.match(line) or _BULLET.match(line):
        return False
    return len(previous.rstrip()) + 1 + len(line.split()[0]) > width


def paragraphs(lines: list[str], settings: LineSettings) -> list[Paragraph]:
    """Cut lines into paragraphs and class each one (empty lines belong to none).

    >>> s = LineSettings()
    >>> [(p.first, p.cls) for p in paragraphs(["Home", "", "[Story][1]", "It rained all day in the city and the roads were closed."], s)]
    [(0, 'short'), (2, 'links'), (3, 'prose')]
    """
    width = wrap_width(lines, settings)
    spans: list[list[int]] = []
    for i, line in enumerate(lines):
        if blank(line):
            continue
        if spans and width and spans[-1][1] == i - 1 and _continues(lines[i - 1], line, width):
            spans[-1][1] = i
        else:
            spans.append([i, i])
    out = []
    texts = []
    for first, last in spans:
        text = lines[first].strip() if first == last else " ".join(lines[i].strip() for i in range(first, last + 1))
        texts.append(text)
        cls, words = classify(text, settings)
        out.append(Paragraph(first, last, cls, words, cls in (SHORT, SYMBOLS) and bool(FIGURE.search(text)),
                             cls == MIDDLING and bool(_MARK.match(text)) and not _TERMINAL.search(text),
                             cls == SHORT and bool(_SENTENCE_END.search(text))))
    return _numbered(_repeats(_tables(out), texts), texts)


def _numbered(paras: list[Paragraph], texts: list[str]) -> list[Paragraph]:
    """The paragraphs with the items of each numbered list in sequence marked (see Paragraph.numbered):
    at least :data:`MIN_NUMBERED` short or middling paragraphs in a row, numbered n, n + 1, n + 2, ...

    >>> s = LineSettings()
    >>> [p.numbered for p in paragraphs(["Contents", "", "1. Clearing the Terrain", "", "2. A Repeat of History", "",
    ...                                  "3. Sinning Differently", "", "5. Home"], s)]
    [False, True, True, True, False]
    """
    out = paras
    run: list[int] = []  # indexes of the paragraphs of the current run
    last = None  # the number of the run's last item
    for k, p in enumerate(paras):
        text = texts[k]  # the paragraph's text (as classed), one item of `texts` a paragraph
        m = _NUMBER.match(text) if text[:1].isdigit() and p.cls in (SHORT, MIDDLING) else None
        number = int(m.group(1)) if m else None
        if number is not None and last is not None and number == last + 1:
            run.append(k)
        else:
            if len(run) >= MIN_NUMBERED:
                out = _mark(out, run, numbered=True)
            run = [k] if number is not None else []
        last = number
    if len(run) >= MIN_NUMBERED:
        out = _mark(out, run, numbered=True)
    return out


def _mark(paras: list[Paragraph], indexes: list[int], **changes: bool) -> list[Paragraph]:
    """A copy of `paras` with the paragraphs at `indexes` changed."""
    out = list(paras)
    for k in indexes:
        out[k] = out[k]._replace(**changes)
    return out


def _repeats(paras: list[Paragraph], texts: list[str]) -> list[Paragraph]:
    """The paragraphs with each run of at least :data:`MIN_REPEATS` of the same text in a row (with
    a letter in it), or of a counter (1, 2, 3, ...: a slideshow's), numbered (see Paragraph.repeat).

    >>> s = LineSettings()
    >>> [p.repeat for p in paragraphs(["Photos: the storm", ""] * 5 + ["The roads stayed shut, and the schools sent pupils home."], s)]
    [1, 2, 3, 4, 5, 0]
    >>> [p.repeat for p in paragraphs("1,,2,,3,,4,,5,,7".split(","), s)]
    [1, 2, 3, 4, 5, 0]
    """
    out = paras
    previous = None
    run: list[int] = []
    for k, text in enumerate(texts):
        if previous is None:
            follows = False
        elif text == previous:  # the same line again (a counter never repeats itself)
            follows = letter_count(text) > 0
        else:  # or the next number of a counter
            follows = (text[:1].isdigit() and previous[:1].isdigit() and _counter(text) and _counter(previous)
                       and int(text) == int(previous) + 1)
        if follows:
            run.append(k)
        else:
            if len(run) >= MIN_REPEATS:
                out = _mark_run(out, run)
            run = [k]
        previous = text
    if len(run) >= MIN_REPEATS:
        out = _mark_run(out, run)
    return out


def _counter(text: str) -> bool:
    """Whether a paragraph's text is a counter's number ("12"; at most six decimal digits)."""
    return len(text) <= 6 and text.isdecimal()


def _mark_run(paras: list[Paragraph], run: list[int]) -> list[Paragraph]:
    out = list(paras)
    for place, k in enumerate(run, start=1):
        out[k] = out[k]._replace(repeat=place)
    return out


def _tables(paras: list[Paragraph]) -> list[Paragraph]:
    """The paragraphs with each table printed one cell a line reclassed as a table.

    An extractor or a text dump prints a table of the page one cell a line ("District", "Incumbent",
    "AZ-1", "Jeff Denham", "Obama +3"): a run of at least :data:`MIN_TABLE_CELLS` paragraphs that are
    not prose, in which measured figures (a share, a signed number, an amount) recur, at least one
    paragraph in :data:`MAX_CELLS_PER_FIGURE`. Such a run is data, not a menu: its cells neither make
    nor break the main text, and count as no menu lines (a menu holds no figures; a pager's and an
    archive's bare numbers and years are not figures).

    >>> s = LineSettings()
    >>> cells = "Response,,Votes,,Yes,,149,,74%,,No,,28,,14%,,Undecided,,25,,12%".split(",")
    >>> {p.cls for p in paragraphs(cells, s)}
    {'table'}
    >>> "table" in {p.cls for p in paragraphs("Home,,News,,Sport,,Weather,,Archive,,2012,,2011".split(","), s)}
    False
    """
    out = list(paras)
    start = 0
    while start < len(out):
        if out[start].cls not in _CELL_CLASSES:
            start += 1
            continue
        end = start
        while end + 1 < len(out) and out[end + 1].cls in _CELL_CLASSES:
            end += 1
        run = out[start:end + 1]
        figures = sum(p.figures for p in run)
        if len(run) >= MIN_TABLE_CELLS and figures >= MIN_TABLE_FIGURES and figures * MAX_CELLS_PER_FIGURE >= len(run):
            out[start:end + 1] = [p._replace(cls=TABLE, figures=False, item=False, sentence=False) for p in run]
        start = end + 1
    return out


def classify(text: str, settings: LineSettings) -> tuple[str, int]:
    """The class of one paragraph and its word count.

    >>> s = LineSettings()
    >>> [classify(t, s)[0] for t in ["* Politics", "https://example.com/a/b", "| 12 | 3 |", "45%",
    ...   "Why the storm hit the coast so hard", "[Read the story][4] and [more][5]",
    ...   "The storm hit the coast early on Monday, state officials said."]]
    ['short', 'url', 'table', 'symbols', 'middling', 'links', 'prose']
    """
    if _LINK_DEFINITION.match(text):
        return LINKS, 0
    # Most paragraphs hold no link and no URL: the searches for them run only where a bracket, or
    # what every URL holds (_URL_PART), is there (a fifth of the time of a search for a URL).
    if "[" in text:
        anchors = _MD_LINK.sub(r"\1", text)
        link_chars = sum(len(m.group(0)) for m in _MD_LINK.finditer(text))
        bare = _MD_LINK.sub(" ", text)
    else:
        anchors, link_chars, bare = text, 0, text
    if _URL_PART.search(text) or (anchors is not text and _URL_PART.search(anchors)):
        unlinked = _URL.sub(" ", anchors)
        url_chars = sum(len(m.group(0)) for m in _URL.finditer(bare))
    else:
        unlinked, url_chars = anchors, 0
    # Markdown's emphasis, heading, code and quote marks out (five replaces: a fifth of the time of
    # str.translate).
    unmarked = unlinked.replace("*", "").replace("_", "").replace("#", "").replace("`", "").replace(">", "")
    visible = _BULLET.sub("", unmarked).strip()
    words = word_count(visible)
    chars = len("".join(text.split()))
    if not visible and url_chars:
        return URL, 0
    shown = "".join(visible.split())  # str.split() cuts at exactly the characters isspace() names
    prose = words >= settings.min_unpunctuated_prose_words or (
        words >= settings.min_prose_words and bool(_TERMINAL.search(visible)))
    # A sentence that happens to be a link's text is still prose; a run of anchors is a link list.
    if chars and not prose and (link_chars + url_chars) / chars >= settings.min_link_share:
        return (LINKS if link_chars else URL), words
    if ("|" in text or "│" in text) and _TABLE.search(text):  # each of its alternatives holds a bar
        return TABLE, words
    if not shown or letter_count(shown) / len(shown) < settings.min_letter_share:
        return SYMBOLS, words
    if prose:
        return PROSE, words
    if words <= settings.max_short_words:
        return SHORT, words
    return MIDDLING, words


def block_after(paras: list[Paragraph], line: int) -> list[int]:
    """The lines (1-based) of the list under a heading on `line`: the paragraphs after it that are
    short, middling or links, up to the first of another class (prose, a table, a URL, digits).

    >>> s = LineSettings()
    >>> text = ["Most popular", "* Storm hits the coast", "* Markets rally again", "The storm hit the coast early on Monday, state officials said."]
    >>> block_after(paragraphs(text, s), 1)
    [2, 3]
    """
    out: list[int] = []
    after = False
    for p in paras:
        if after:
            if p.cls not in (SHORT, MIDDLING, LINKS):
                break
            out += range(p.first + 1, p.last + 2)
        elif p.first < line <= p.last + 1:
            after = True
    return out


def _score(p: Paragraph, settings: LineSettings, claimed: set[int]) -> int:
    if p.repeat > 1:
        return 0  # a label printed once a slide counts against the text once, not once a slide
    if any(n + 1 in claimed for n in range(p.first, p.last + 1)):
        return -settings.claimed_penalty
    if p.cls == PROSE:
        return min(p.words, settings.max_prose_credit)
    if p.cls in (SHORT, SYMBOLS):
        return -settings.short_penalty
    if p.cls == MIDDLING:
        return -settings.middling_penalty
    return 0  # links, URLs and tables neither make nor break the main text


def main_text(paras: list[Paragraph], settings: LineSettings, claimed: set[int] = frozenset()) -> tuple[int, int] | None:
    """The stretch of paragraphs with the highest score (prose for, the rest against), or None.

    A paragraph with a line in `claimed` (flagged by a rule) counts against the text whatever
    it looks like: a comment section is prose, but its timestamps and vote counters are not.

    >>> s = LineSettings()
    >>> ps = [Paragraph(i, i, c, w) for i, (c, w) in enumerate(
    ...     [("short", 1), ("short", 1), ("prose", 40), ("middling", 6), ("prose", 30), ("short", 1)])]
    >>> main_text(ps, s)
    (2, 4)
    """
    best, best_span = 0, None
    total, start = 0, 0
    for i, p in enumerate(paras):
        score = _score(p, settings, claimed)
        if total <= 0:
            total, start = score, i
        else:
            total += score
        if total > best:
            best, best_span = total, (start, i)
    return best_span


def layout(paras: list[Paragraph], settings: LineSettings, claimed: set[int] = frozenset()) -> Layout:
    """The layout of a document cut into paragraphs: its main text, and whether it is a page dump.

    The main text goes on through the middling paragraphs right after it (a list that closes an
    article: tour dates, steps, products) up to the first paragraph of another class or one
    with a line in `claimed` (1-based lines that rules flagged: "Related", share buttons).
    """
    main = main_text(paras, settings, claimed)
    if main is None:
        return Layout(paras, None, False)
    last = main[1]

    def taken(p: Paragraph) -> bool:
        return any(n + 1 in claimed for n in range(p.first, p.last + 1))

    while last + 1 < len(paras) and paras[last + 1].cls == MIDDLING:
        if taken(paras[last + 1]):
            # A list item a rule flagged, between items of the same list, does not end the list.
            if not (paras[last].item and paras[last + 1].item and last + 2 < len(paras)
                    and paras[last + 2].item and not taken(paras[last + 2])):
                break
        last += 1
    main = (main[0], last)
    # Link lists, URLs and runs of a repeated line are flagged anywhere: they weigh on neither side.
    outside = [p for i, p in enumerate(paras)
               if not main[0] <= i <= main[1] and p.cls not in (LINKS, URL) and not p.repeat]
    counted = sum(p.size for p in paras if p.cls not in (LINKS, URL) and not p.repeat)
    outside_lines = sum(p.size for p in outside)
    # Short lines and digits count as menu-like unless they hold a measured figure: a table of an
    # article that an extractor printed one cell a line ("$83", "28.7%", "McCain +2") is data, not
    # navigation (and a run of such cells is a table, see _tables). Short lines that end a sentence
    # ("A: No.", "Q. RPG?") or number a list in sequence ("1.", "2.", "3.") are the text's own.
    # Longer list items that end no sentence are a sidebar's links ("* Dan Ariely: The Upside of
    # Irrationality").
    menu_lines = sum(p.size for p in outside if not p.numbered and (
        (p.cls in (SHORT, SYMBOLS) and not p.figures and not p.sentence) or p.item))
    page = (menu_lines >= settings.min_page_menu_lines
            and menu_lines >= settings.min_page_menu_share * outside_lines
            and outside_lines >= settings.min_page_outside_share * counted)
    return Layout(paras, main, page, outside_lines, menu_lines)


def flag_lines(lines: list[str], doc: Layout, claimed: set[int] = frozenset()) -> list[LineFlag]:
    """The lines a document's statistics flag (1-based), in line order.

    Lines in `claimed` (already flagged by a rule) get no second flag.

    >>> s = LineSettings()
    >>> text = ["[Home][1]", "Storms hit the coast on Monday, and the roads were closed for hours."]
    >>> [(f.line, f.signal.id) for f in flag_lines(text, layout(paragraphs(text, s), s))]
    [(1, 'lines.links')]
    """
    flags: list[LineFlag] = []
    span = doc.main_lines()
    for i, p in enumerate(doc.paragraphs):
        outside = doc.main is not None and not doc.main[0] <= i <= doc.main[1]
        if p.cls == LINKS:
            signal, detail = SIGNALS["lines.links"], "mostly link text"
        elif p.repeat:
            signal, detail = SIGNALS["lines.repeated"], "one of a run of the same line, or of a counter, in a row"
        elif doc.page_dump and outside:
            signal, detail = SIGNALS["lines.page"], f"the main text is lines {span[0]}-{span[1]}"
        elif p.cls == URL:
            signal, detail = SIGNALS["lines.url"], "only a URL"
        elif p.cls == SYMBOLS:
            signal, detail = SIGNALS["lines.symbols"], "mostly digits and symbols"
        else:
            continue
        flags += [LineFlag(n + 1, signal, detail) for n in range(p.first, p.last + 1)
                  if n + 1 not in claimed and not blank(lines[n])]
    return flags
