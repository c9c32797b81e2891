"""Deterministic synthetic corpora for the benchmarks: news-length documents and planted copies.

Documents are drawn in chunks from a seeded generator, so document i can be rebuilt alone (the
corpus pass re-reads the documents it verifies). Words follow a Zipf law over made-up words, in
sentences of 6 to 30 words and paragraphs of 2 to 6 sentences: about 400 words, 2.5 KB each.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

CHUNK = 1000
_SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "da", "zu", "ha", "be", "gor", "lin",
              "tes", "mar", "qui", "son", "fel", "an", "er", "is", "ol", "ul", "str", "pre", "con", "dis", "ment"]


def vocabulary(size: int = 20_000, seed: int = 0) -> np.ndarray:
    """`size` distinct made-up words of 2 or 3 syllables (about 6 letters)."""
    rng = np.random.default_rng(seed)
    syllables = np.array(_SYLLABLES, dtype=object)
    out: dict[str, None] = {}
    while len(out) < size:
        picks = syllables[rng.integers(0, len(_SYLLABLES), (size, 3))]
        three = rng.random(size) < 0.5
        for w, (a, b, c), t in zip(range(size), picks, three):
            out[a + b + c if t else a + b] = None
    # Frequent words are short, as in real text: the most frequent ranks get the shortest words.
    return np.array(sorted(list(out)[:size], key=len), dtype=object)


@dataclass(frozen=True)
class Corpus:
    """`count` documents of about `words` words, fixed by `seed`."""

    count: int
    words: int = 400
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "_vocab", vocabulary(seed=self.seed))
        ranks = np.arange(1, len(self._vocab) + 1)
        p = 1.0 / ranks ** 1.05
        object.__setattr__(self, "_p", p / p.sum())
        plain = self._vocab
        capital = np.array([w.capitalize() for w in plain], dtype=object)
        forms = [plain, capital, plain + ".", capital + ".", plain + ".\n", capital + ".\n"]
        object.__setattr__(self, "_forms", np.stack(forms))

    def chunk(self, k: int) -> list[str]:
        """Documents ``k * CHUNK`` to ``(k + 1) * CHUNK`` (fewer in the last chunk)."""
        n = min(CHUNK, self.count - k * CHUNK)
        rng = np.random.default_rng([self.seed, k])
        ids = rng.choice(len(self._vocab), size=(n, self.words), p=self._p)
        # A sentence ends after a word with probability 1/16, a paragraph after a sentence with 1/4.
        ends = rng.random((n, self.words)) < 1 / 16
        ends[:, -1] = True
        paragraph = ends & (rng.random((n, self.words)) < 1 / 4)
        starts = np.zeros_like(ends)
        starts[:, 0] = True
        starts[:, 1:] = ends[:, :-1]
        form = starts * 1 + ends * 2 + paragraph * 2  # 0 plain, 1 capital, 2/3 full stop, 4/5 new paragraph
        out = []
        for d in range(n):
            out.append(" ".join(self._forms[form[d], ids[d]].tolist()).replace(".\n ", ".\n"))
        return out

    def __iter__(self) -> Iterator[str]:
        for k in range((self.count + CHUNK - 1) // CHUNK):
            yield from self.chunk(k)

    def get(self, indexes: set[int]) -> Iterator[tuple[int, str]]:
        """Documents by index, rebuilt chunk by chunk."""
        for k in sorted({i // CHUNK for i in indexes}):
            for j, text in enumerate(self.chunk(k)):
                if k * CHUNK + j in indexes:
                    yield k * CHUNK + j, text
