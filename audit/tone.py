"""Tone per sentence with VADER, summarized per document with the words that drive it.

VADER's compound score saturates on whole articles (every long text looks extreme), so each
sentence is scored on its own: a sentence's score is the strength of its compound score, |compound|
in [0, 1], and its evidence the lexicon words in it, strongest first. A document's score is the mean
of its sentence scores, so a one-sentence record scores as its sentence.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from audit import sentences
from audit.records import SentenceTone, Tone

#: Evidence words kept per document.
MAX_EVIDENCE = 10
#: Loaded sentences listed per document.
MAX_SENTENCES = 5
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@functools.lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def sentence_tone(text: str) -> tuple[float, list[str]]:
    """Score of one sentence in [0, 1] and its evidence words, strongest first.

    >>> sentence_tone("The committee met on Tuesday.")
    (0.0, [])
    >>> score, words = sentence_tone("The plan is a terrible, disgraceful failure.")
    >>> score > 0.5, words[0]
    (True, 'disgraceful')
    """
    vader = _vader()
    compound = vader.polarity_scores(text)["compound"]
    valence = {}
    for token in _TOKEN.findall(text):
        word = token.lower().replace("’", "'")
        if word in vader.lexicon:
            valence[word] = abs(vader.lexicon[word])
    evidence = sorted(valence, key=lambda w: (-valence[w], w))
    return round(abs(compound), 4), evidence


def document_tone(lines: list[str], min_loaded: float = 0.5) -> Tone:
    """Tone of a document from its sentences (1-based line numbers)."""
    scored: list[SentenceTone] = []
    for number, line in enumerate(lines, start=1):
        for start, end in sentences.split(line):
            text = line[start:end]
            score, evidence = sentence_tone(text)
            scored.append(SentenceTone(number, text, score, evidence))
    if not scored:
        return Tone(0.0, [], {"sentences": 0, "loaded_sentences": 0, "loaded_share": 0.0}, [])
    loaded = [s for s in scored if s.score >= min_loaded]
    weight: Counter[str] = Counter()
    for s in loaded or scored:
        for rank, word in enumerate(s.evidence):
            weight[word] += s.score / (rank + 1)
    evidence = [w for w, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_EVIDENCE]]
    text = "\n".join(lines)
    signals = {
        "sentences": len(scored),
        "loaded_sentences": len(loaded),
        "loaded_share": round(len(loaded) / len(scored), 4),
        "exclamations": text.count("!"),
        "questions": sum(1 for s in scored if s.text.rstrip("\"'”’)").endswith("?")),
    }
    top = sorted(loaded, key=lambda s: (-s.score, s.line))[:MAX_SENTENCES]
    mean = round(sum(s.score for s in scored) / len(scored), 4)
    return Tone(mean, evidence, signals, sorted(top, key=lambda s: s.line))
