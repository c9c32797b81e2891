"""How common an English word is: its Zipf frequency in wordfreq's list (data ship in the package)."""

from __future__ import annotations

import functools
import math

import wordfreq


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, float]:
    return wordfreq.get_frequency_dict("en", wordlist="large")


@functools.lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """Zipf frequency of a folded word (0 when unknown): log10 of its uses per 10^9 words.

    A hyphenated compound the list lacks is as common as its rarest part.

    >>> zipf("the") > 7 > zipf("negotiations") > 4 > zipf("denuclearization")
    True
    """
    freq = _table().get(word)
    if freq is None and "-" in word:
        return min((zipf(p) for p in word.split("-") if p), default=0.0)
    return math.log10(freq * 1e9) if freq else 0.0
