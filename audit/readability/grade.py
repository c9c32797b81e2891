"""Readability of a document: textstat's five formulas and one combined grade, in one pass.

The formulas are textstat's (same constants), computed from the shared text units of
``audit.text.sentences`` rather than textstat's own counting, which news trips: decimals and times
split its sentences, a heading merges into the next sentence, curly apostrophes and hyphens change
its syllable counts, and every number counts one syllable. Syllables come from ``audit.readability.syllables``
(CMU dictionary, then spelling rules); familiar words from the Dale-Chall list in
``rules/readability/easy_words.toml``, with regular inflections of a familiar word counted as
familiar, as Dale and Chall's own rules say (textstat counts "says" and "years" as hard).

``grade`` combines sentence length with how common the words are, since both carry difficulty
and neither alone is enough. It is a US grade level (higher = harder) whose form and weights were
chosen by measurement on news rewritten at three levels (``bench/readability.py``, results in
``bench/RESULTS.md``)::

    grade = 0.39 * RMS sentence length + 0.22 * percent of rare words - 1.3

The sentence length is the root mean square of the sentences' word counts, so long sentences
weigh more than in a plain mean (a reader's burden grows faster than the length); 0.39 per word is
Flesch-Kincaid's weight. A rare word is one whose Zipf frequency in wordfreq's English list (its
data ship in the package) is below 4.5, i.e. fewer than about 30 uses per million words; numbers
are left out. The weight of rare words (0.22 per percent) is the ratio that a least-squares fit
to the levels gave, and the constant puts the grade on Flesch-Kincaid's scale on that data.
"""

from __future__ import annotations

import functools
import math
import sys
from collections import Counter
from collections.abc import Iterable
from itertools import chain

from audit.lines.rules import builtin_rules_dir
from audit.readability import syllables
from audit.records import Readability
from audit.text.frequency import zipf
from audit.text.sentences import Sentence, stems

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: A word of this many syllables or more is polysyllabic (SMOG) and, unless familiar, hard (fog).
POLYSYLLABLE = 3
#: Zipf frequency below which a word counts as rare for `grade` (4.5: about 30 per million words).
RARE_ZIPF = 4.5
#: Weights of `grade`: per word of RMS sentence length, per percent of rare words, and a constant.
GRADE_PER_WORD = 0.39
GRADE_PER_RARE = 0.22
GRADE_INTERCEPT = -1.3


@functools.lru_cache(maxsize=1)
def easy_words() -> frozenset[str]:
    """The Dale-Chall list of familiar words."""
    with open(builtin_rules_dir() / "readability" / "easy_words.toml", "rb") as f:
        return frozenset(tomllib.load(f)["words"])


@functools.lru_cache(maxsize=65536)
def familiar(word: str) -> bool:
    """Whether a folded word is on the Dale-Chall list, or a regular inflection of one.

    >>> [familiar(w) for w in ["says", "years", "happily", "stopped", "negotiations"]]
    [True, True, True, True, False]
    """
    easy = easy_words()
    return any(stem in easy for stem in stems(word))


def _facts(word: str) -> tuple[int, bool, bool, bool]:
    """What the formulas need of one folded word: syllables, is it a word (not a number), is it
    familiar (numbers count as familiar), is it rare."""
    is_word = not word[:1].isdigit()
    return syllables.count(word), is_word, familiar(word) or not is_word, is_word and zipf(word) < RARE_ZIPF


@functools.lru_cache(maxsize=65536)
def _packed(word: str) -> int:
    """:func:`_facts` as one int: the syllables shifted past three flags (rare, unfamiliar, a word).
    A document's words are counted by this value in C (``Counter``), and the sums read off the few
    distinct values: a third faster than a Python loop over the words."""
    count, is_word, is_familiar, is_rare = _facts(word)
    return count << 3 | is_rare << 2 | (not is_familiar) << 1 | is_word


def score(units: Iterable[Sentence]) -> Readability | None:
    """Readability of a document from its sentences (None when it has no word).

    >>> from audit.text.sentences import sentences
    >>> r = score(sentences(["The cat sat on the mat. It was a sunny day."]))
    >>> r.sentences, r.words, r.flesch_reading_ease > 90
    (2, 11, True)
    """
    units = list(units)
    n_sentences = len(units)
    squares = sum(len(unit.words) ** 2 for unit in units)
    n_words = n_syllables = n_poly = n_fog = n_unfamiliar = n_rare = n_lexical = 0
    for packed, n in Counter(map(_packed, chain.from_iterable(unit.words for unit in units))).items():
        count, unfamiliar = packed >> 3, packed >> 1 & 1
        n_words += n
        n_syllables += count * n
        if count >= POLYSYLLABLE:
            n_poly += n
            n_fog += unfamiliar * n
        n_unfamiliar += unfamiliar * n
        n_lexical += (packed & 1) * n
        n_rare += (packed >> 2 & 1) * n
    if not n_words:
        return None
    per_sentence = n_words / n_sentences
    per_word = n_syllables / n_words
    pct_unfamiliar = 100 * n_unfamiliar / n_words
    pct_rare = 100 * n_rare / n_lexical if n_lexical else 0.0
    dale_chall = 0.1579 * pct_unfamiliar + 0.0496 * per_sentence + (3.6365 if pct_unfamiliar > 5 else 0.0)
    return Readability(
        grade=round(GRADE_PER_WORD * math.sqrt(squares / n_sentences) + GRADE_PER_RARE * pct_rare + GRADE_INTERCEPT, 2),
        flesch_reading_ease=round(206.835 - 1.015 * per_sentence - 84.6 * per_word, 2),
        flesch_kincaid_grade=round(0.39 * per_sentence + 11.8 * per_word - 15.59, 2),
        gunning_fog=round(0.4 * (per_sentence + 100 * n_fog / n_words), 2),
        smog_index=round(1.043 * math.sqrt(30 * n_poly / n_sentences) + 3.1291, 2),
        dale_chall=round(dale_chall, 2),
        words=n_words,
        sentences=n_sentences,
        syllables=n_syllables,
        rare_words=n_rare,
    )
