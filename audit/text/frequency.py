"""How common an English word is: its Zipf frequency in wordfreq's list (data ship in the package)."""

from __future__ import annotations

import functools
import math
from pathlib import Path

from audit.cache import built, package_bytes

#: wordfreq's list and the module that reads it, as its package lays them out: the cache is keyed by
#: their bytes (a new list or a new way of reading it is a new table).
_SOURCES = (Path("data", "large_en.msgpack.gz"), Path("__init__.py"))


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, float]:
    """The list as word -> frequency, kept in the cache folder once made (wordfreq builds it from
    its packed list in a tenth of a second, and its import takes another twentieth)."""
    data = package_bytes("wordfreq", *_SOURCES)
    if data is None:  # another layout: made, not kept
        return _made()
    return built("wordfreq-en-large", data, _made)  # the list _made reads


def _made() -> dict[str, float]:
    import wordfreq

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
