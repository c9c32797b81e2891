"""Section-level leftovers: the tail block of user comments, flagged whole from where it starts.

A line rule sees "3 Comments" or "Posted by: Ann at October 30, 2012 01:57 PM" and nothing of the
comments around them, which read as prose. Here the block is found instead: it starts at a
comments heading ("3 Comments", "Leave a Reply", "Comments are closed") or at the first comment
signature ("Ann said...", "Posted by: Ann at ...", "74. Travis @ 73:", a date with a time, dated
by its year (maybe run into the commenter's name, "AnnJuly 30, 2012 at 7:45 pm") or, on a line of
its own after a name, by its weekday ("Mary On Thursday, November 1 at 2:58 pm"),
a name and how long ago over the comment's text "Ann Lee • 2 hours ago", a commenter's link and name
"http://twitter.com/ann Ann Lee", or in a page dump a commenter's name
over the comment's text indented deeper), and it
is a tail block when it starts after some text and the comment signatures go on after it (a
heading alone is enough near the end, or when it counts the comments, "199 Comments": extractors
such as jusText keep the comments' text and drop their signatures; without a heading, three
signatures, since a dateline or a byline with a time is one). Every line from its start to the end of the
document is a leftover (``lines.section``): user comments are not the document's text.
"""

from __future__ import annotations

import re

from audit.lines.statistics import blank

#: Words of text before a comments section (a byline "Posted by Ann at 2:42 PM" opens many posts,
#: and a "Comments (3)" link sits in many menus).
MIN_WORDS_BEFORE = 80
#: Comment signatures (besides a heading) needed from the start on, when no heading opens the block.
MIN_SIGNATURES = 3
#: Non-empty lines before a heading: a "Leave a comment" at the top is a link, not a section.
MIN_HEADING_RANK = 3
#: Words of a heading, unless it starts with a count ("37 Responses to 'My new book'"): a longer line
#: that starts "Leave a comment" asks the reader to, in the text.
MAX_HEADING_WORDS = 6
#: Lines a heading may stand before the first signature and still open the block.
MAX_HEADING_GAP = 40
#: A heading this near the end opens a block with no signature after it (a reply form).
END_LINES = 8

_HEADING = re.compile(
    r"^(?:\d+\s+)?(?:comments?|responses?|replies|reactions|thoughts)(?:\s*\(\d+\))?\s*:?$"
    r"|^(?:\d+\s+(?:comments?|responses?|replies|thoughts)|responses)\s+(?:on|to)\s+.{1,120}[^.!?]$"
    r"|^(?:leave|post|add|write|submit|make)\s+(?:a|your|the\s+first|new)\s+(?:comment|reply|response)"
    r"|^(?:reader|readers'?|user|visitor)\s+(?:comments|reactions|responses)"
    r"|^(?:comments?\s+(?:are|is)\s+(?:now\s+)?closed|comments\s+to\s+this\s+entry\s+are\s+closed)"
    r"|^(?:join\s+the\s+(?:discussion|conversation)|have\s+your\s+say|speak\s+your\s+mind|discussion)\s*:?$",
    re.I)
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_DATE = (rf"(?:{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
         r"|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4})")
#: A date with its time, and what may follow them on a comment's signature line.
_DATED = rf"{_DATE}(?:,?\s+(?:(?:at|@|-)\s*)?{_TIME})\b.{{0,40}}$"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\.?"
#: The forms of a comment signature that hold a time or start with a number: a ":" or a leading
#: digit is in every line they match.
_NUMBERED_SIGNATURES = (
    rf"^\d{{1,4}}\.\s+.{{1,50}}?\s@\s",
    rf"^\d{{1,4}}\.\s+.{{1,60}}?\s[-–—|]\s+{_DATE}$",
    rf"^(?:.{{0,60}}?\s)?(?:on\s+|at\s+)?{_DATED}",
    # The commenter's name and the date run together where the page set them in elements side by
    # side ("PandoraJuly 30, 2012 at 7:45 pm"): a lower-case letter or a bracket before the month's capital.
    rf"^.{{1,60}}?(?-i:[a-z)](?=[A-Z])){_DATED}",
    # A thread dates this year's comments by weekday, without the year: the whole line is a name, "on",
    # the date and the time ("Mary On Thursday, November 1 at 2:58 pm"), not a sentence that sets a
    # date ("The vote is on Tuesday, Nov. 5 at 8 pm") nor an event listed with what it is.
    rf"^(?!.*\b(?:is|are|was|were|will|be|been|held|set|scheduled|meets?|begins?|starts?|opens?|ends?|closes?)\b)"
    rf"\S+(?:\s+\S+){{0,3}}?\s+on\s+{_WEEKDAY},?\s+{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+at\s+{_TIME}$",
)
#: The forms that need neither.
_PLAIN_SIGNATURES = (
    r"^posted\s+by:?\s+.{1,80}?\s(?:at|on|\|)\s+.*\d",
    r"^.{1,50}?\s(?:said|says|wrote|writes|responded\s+to\s+.{1,40}?)\s*(?:\.\.\.|…|:|,)?\s*(?:on\s.*)?$",
    r"^(?:reply|report\s+abuse|link\s+to\s+comment|permalink|flag\s+as\s+inappropriate)\s*\|?\s*$",
    r"rate\s+this\s+comment|reply\s+to\s+this\s+comment|report\s+(?:offensive|inappropriate)\s+comment",
    r"^(?:https?://|www\.)\S+(?:\s+[\w@'’-]+){1,4}$",
)
_SIGNATURE = re.compile("|".join(_PLAIN_SIGNATURES + _NUMBERED_SIGNATURES), re.I)
#: A post's own time stamp ("updated 7/23/2012 8:26:15 PM ET", "Last modified: June 3, 2012 at
#: 4:15 pm") is dated as a comment's signature is, but it heads or ends the post's text: counted as
#: a signature, it opened a block at the top of an article whose thread signed two more below.
_STAMP = re.compile(r"^(?:last\s+)?(?:updated|published|modified|edited)\b", re.I)
#: The same without the forms that need a ":" or a leading digit: most short lines have neither,
#: and the dated forms, tried at every place a date might start, cost the most.
_PLAIN_SIGNATURE = re.compile("|".join(_PLAIN_SIGNATURES), re.I)
#: A name, a separator and how long ago ("Ann • 2 hours ago", "ann123 (3 days ago)"), not a post's own
#: "Updated 2 hours ago", a reporter's "Sam Jones, 12 minutes ago" or "Elvis died 40 years ago". A news
#: list dates its items the same way ("World • 2 hours ago"), so it signs a comment only above a
#: sentence (:func:`signed_ago`).
_AGO = re.compile(
    r"^(?!(?:posted|updated|published|edited|last|by)\b)\S+(?:\s+\S+){0,3}?\s+(?:[•·|(]|[–—-](?=\s))\s*(?:\d+|an?)\s+"
    r"(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\)?$",
    re.I)
#: Words of a commenter's name line (a name, a handle, a link and a name).
MAX_NAME_WORDS = 4
_ITEM = re.compile(r"\s*[*+•·-]\s+")
_SENTENCE_END = re.compile(r"""[.!?…:)]['"”’]*$""")
#: A signature is a short line (a comment's text may say "he said").
MAX_SIGNATURE_WORDS = 16
#: List, heading and table marks a signature may stand between.
_MARKS = " \t*#_-–—|[]"


def heading(line: str) -> bool:
    """Whether a line is a heading that opens a comments section.

    >>> [heading(t) for t in ["3 Comments", "Leave a Reply", "Comments (12):", "Comments»", "Comments on the plan were mixed.",
    ...   "- Leave a comment below telling me what you did"]]
    [True, True, True, True, False, False]
    """
    text = line.strip(_MARKS + "»›")
    return bool(_HEADING.match(text)) and (len(text.split()) <= MAX_HEADING_WORDS or text[0].isdigit())


def counted(line: str) -> bool:
    """Whether a comments heading gives their count ("199 Comments", "Comments (12)"): a page states
    how many comments follow only where they follow, even when an extractor dropped their signatures.

    >>> [counted(t) for t in ["199 Comments", "Comments (12):", "Leave a Reply", "Comments"]]
    [True, True, False, False]
    """
    return any(c.isdigit() for c in line) and heading(line)


def signature(line: str) -> bool:
    """Whether a line signs a user comment.

    >>> [signature(t) for t in ["Posted by: tj at October 30, 2012 01:57 PM", "Ann said...",
    ...   "74. Travis @ 73:", "June 3rd, 2012 at 4:15 pm", "2. The Keeper - October 26, 2012",
    ...   "http://twitter.com/danamac Dana McMahan", "The mayor said the road would reopen on Monday.",
    ...   "https://example.com/report.pdf is the full report.", "updated 7/23/2012 8:26:15 PM ET"]]
    [True, True, True, True, True, True, False, False, False]
    """
    return _signs(line, _SIGNATURE, _PLAIN_SIGNATURE) and not _STAMP.match(line.strip(_MARKS))


def _signs(line: str, pattern: re.Pattern[str], plain: re.Pattern[str] | None = None) -> bool:
    """Whether a short line, without its list and heading marks, holds a signature `pattern`; `plain`
    is the part of the pattern a line with no ":" that starts with no digit may match."""
    text = line.strip(_MARKS)
    if len(text.split()) > MAX_SIGNATURE_WORDS:
        return False
    if plain is not None and ":" not in text and not text[:1].isdigit():
        pattern = plain
    return bool(pattern.search(text))


def signed_ago(line: str, following: str) -> bool:
    """Whether a line signs a comment with a name and how long ago, over the comment's text (a
    sentence): a list of stories dated the same way has a headline under each date.

    >>> signed_ago("Ann Lee • 2 hours ago", "Thanks for this, it helped."), signed_ago("World • 2 hours ago", "Storm hits the coast")
    (True, False)
    """
    return _signs(line, _AGO) and bool(_SENTENCE_END.search(following.rstrip()))


def name_over_text(line: str, following: str) -> bool:
    """Whether a line is a commenter's name over the comment's text, as a page dump lays a thread
    out: a few words (a name, a handle, a link, a date), maybe a list item, that end no sentence, and
    under them, indented deeper and not a list item, a sentence.

    >>> name_over_text("      * Mike Merrill", "          Thanks for the honesty, and good luck.")
    True
    >>> name_over_text("        Jermaine 07 Nov 12", "          Love it. The little details matter.")
    True
    >>> [name_over_text(*pair) for pair in [("      * News", "          + World"),
    ...   ("Mike Merrill", "Thanks for the honesty."), ("Simple", " In a simple lens, there are two elements."),
    ...   ("    * -", "      The expedition found no wreckage.")]]
    [False, False, False, False]
    """
    if _ITEM.match(following):
        return False
    marked = _ITEM.match(line)
    text = line[marked.end():].strip() if marked else line.strip()
    indent = len(line) - len(line.lstrip())
    deeper = len(following) - len(following.lstrip())
    # A name has a letter: a bare "-" or "+" is a page dump's button, not a commenter.
    return (deeper >= indent + 2 and 0 < len(text.split()) <= MAX_NAME_WORDS and not _SENTENCE_END.search(text)
            and any(c.isalpha() for c in text)
            and bool(_SENTENCE_END.search(following.rstrip())))


def comment_block(lines: list[str], after: int = 1) -> tuple[int, str] | None:
    """The 1-based line where a document's tail block of comments starts, and why; or None.

    The block starts at line `after` or later (the main text's first line: a page's menu may link
    to its comments), with :data:`MIN_WORDS_BEFORE` words before it, at the first heading that has
    signatures soon after it (or stands near the end), or at the first of
    :data:`MIN_SIGNATURES` signatures, whichever comes first.

    >>> body = ["The storm hit the coast early on Monday, and the state closed every road for the day."] * 6
    >>> comment_block(body + ["2 Comments", "Great post!", "Ann said...", "I agree.", "Bob said...", "No."])
    (7, "comments heading '2 Comments'")
    >>> comment_block(["Posted by Ann at 2:42 PM"] + body) is None
    True
    """
    numbers = [i for i, line in enumerate(lines, start=1) if not blank(line)]
    before = 0
    may_start = []
    for n in numbers:
        may_start.append(n >= after and before >= MIN_WORDS_BEFORE)
        if before < MIN_WORDS_BEFORE:  # past it, the count no longer matters
            before += len(lines[n - 1].split())
    # No block starts before the first line that may start one (`may_start` only turns true), so
    # only the signatures from there on count: a page dump's menus and header are not read.
    first = may_start.index(True) if True in may_start else len(numbers)

    def signs(k: int) -> bool:
        line = lines[numbers[k] - 1]
        # Most lines here are the text's, longer than every form of signature: more than
        # MAX_SIGNATURE_WORDS words without the marks (a name over the comment's text has at most
        # MAX_NAME_WORDS without its list marker, which takes at most one word off). Split at most
        # that many times, a long line has one part more.
        if len(line.strip(_MARKS).split(None, MAX_SIGNATURE_WORDS)) > MAX_SIGNATURE_WORDS:
            return False
        if signature(line):
            return True
        # The forms read with the line under them: a name, or a name and how long ago, over the
        # comment's text.
        following = lines[numbers[k + 1] - 1] if k + 1 < len(numbers) else None
        return following is not None and (name_over_text(line, following) or signed_ago(line, following))

    signed = [k for k in range(first, len(numbers)) if signs(k)]
    found = []
    for k, n in enumerate(numbers):
        if k >= MIN_HEADING_RANK and may_start[k] and heading(lines[n - 1]):
            later = [s for s in signed if s > k]
            if (later and later[0] - k <= MAX_HEADING_GAP) or len(numbers) - k <= END_LINES or counted(lines[n - 1]):
                found.append((n, f"comments heading {lines[n - 1].strip()[:60]!r}"))
                break
    for i, k in enumerate(signed):
        if may_start[k] and len(signed) - i >= MIN_SIGNATURES:
            n = numbers[k]
            found.append((n, f"comment signature {lines[n - 1].strip()[:60]!r}"))
            break
    return min(found) if found else None
