"""Cut a document into passages to compare between outlets: paragraphs, and sentence windows.

A paragraph is a non-empty line. A long paragraph (more sentences than a limit) is also cut into
overlapping windows of a few sentences, so that one quoted sentence inside a long paragraph can
still be found in another outlet's copy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from audit.records import Passage
from audit.text import sentences
from audit.text.normalize import words_per_span


def text(lines: list[str], passage: Passage) -> str:
    """The text of a passage."""
    return lines[passage.line - 1][passage.start:passage.end]


def table(passages: list[Passage]) -> np.ndarray:
    """Where the passages are, compactly: one row (line, start, end) per passage (int32).

    >>> table([Passage(0, 2, 5, 40, 7)]).tolist()
    [[2, 5, 40]]
    """
    return np.array([(p.line, p.start, p.end) for p in passages], dtype=np.int32).reshape(len(passages), 3)


def cut(lines: list[str], min_words: int, max_sentences: int, window: int,
        spans: Sequence[list[tuple[int, int]]] | None = None) -> list[Passage]:
    """Passages of a document (lines of leftover page text come blanked out); `spans` are the
    lines' :func:`audit.text.sentences.split`, when the caller has them already.

    >>> text = ["One two three four five six.", "Red fox ran far. Blue owl sat down. Grey cat slept on."]
    >>> [(p.line, p.start, p.end) for p in cut(text, 6, 2, 2)]
    [(1, 0, 28), (2, 0, 54), (2, 0, 35), (2, 17, 54)]
    """
    out: list[Passage] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        cuts = sentences.split(line) if spans is None else spans[number - 1]
        # Sentences are cut at spaces, and no word holds a space: a line's words, and a window's,
        # are its sentences' words (each sentence's words are counted once, not once a window).
        counts = words_per_span(line, cuts)
        n = sum(counts)
        if n >= min_words:
            start = len(line) - len(line.lstrip())
            out.append(Passage(len(out), number, start, len(line.rstrip()), n))
        if len(cuts) <= max_sentences:
            continue
        for i in range(len(cuts) - window + 1):
            n = sum(counts[i:i + window])
            if n >= min_words:
                out.append(Passage(len(out), number, cuts[i][0], cuts[i + window - 1][1], n))
    return out
