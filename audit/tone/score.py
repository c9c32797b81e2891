"""Tone: how loaded or opinionated each sentence is, with the words that show it.

Each occurrence of a signal from ``rules/tone/`` (a framing verb, a loaded label, a word of
judgement, an intensifier, a booster or hedge, a subjective adjective, first or second person in
the outlet's voice, scare quotes, an exclamation, a rhetorical question) is a piece of evidence
with a weight w in [0, 1]. A sentence's score combines its pieces as independent chances of
being loaded (a noisy-OR), so it stays in [0, 1], rises with each piece and never saturates on a
long text::

    score = 1 - ((1 - w1) * (1 - w2) * ...) ** min(1, LONG_SENTENCE / words)

A word counts once, with its strongest signal. Words inside quotation marks are speech the outlet
reports rather than its own voice; they count with ``quoted_weight`` times their weight (measured
in bench/tone.py). A document's score is the mean of its sentences' scores, so a one-sentence
record scores as its sentence, and a long article is not loaded merely for being long.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from audit.records import SentenceTone, Tone
from audit.text.frequency import zipf
from audit.text.sentences import Sentence, stems
from audit.tone.lexicon import NO_MATCH, Lexicon, Match, Signal

#: Evidence words kept per document.
MAX_EVIDENCE = 10
#: Evidence words kept per sentence.
MAX_SENTENCE_EVIDENCE = 8
#: Loaded sentences listed per document.
MAX_SENTENCES = 5
#: Evidence in a sentence longer than this many words is diluted in proportion to its length
#: (a loaded word weighs less in a long sentence; measured in bench/tone.py).
LONG_SENTENCE = 25
#: A quoted run of at most this many words inside an unquoted sentence is a scare quote.
MAX_SCARE_WORDS = 3


class _Hit(NamedTuple):
    weight: float
    signal: str
    words: tuple[int, ...]


def sentence_tone(sentence: Sentence, lexicon: Lexicon, quoted_weight: float = 1.0,
                  topical: frozenset[str] = frozenset(), matches: list[Match] | None = None) -> tuple[SentenceTone, list[str]]:
    """The tone of one sentence and the signals that fired in it (one id per piece of evidence).

    `topical` holds rare words that the document repeats: its subject matter, not word choice;
    `matches` the sentence's :meth:`Lexicon.match_all`, when the caller has it already.

    >>> from audit.tone import lexicon
    >>> from audit.text.sentences import sentences
    >>> lex = lexicon.load()
    >>> [s] = sentences(["Critics slammed the outrageous scheme."])
    >>> tone, fired = sentence_tone(s, lex)
    >>> tone.score > 0.7, tone.evidence
    (True, ['outrageous', 'slammed', 'scheme'])
    >>> [plain] = sentences(["The committee met on Tuesday."])
    >>> sentence_tone(plain, lex)[0].score
    0.0
    """
    score, hits, fired = _weigh(sentence, lexicon, quoted_weight, topical,
                                lexicon.match_all(sentence.words) if matches is None else matches)
    return SentenceTone(sentence.line, sentence.text, score, _evidence(sentence.words, hits)), fired


def _weigh(sentence: Sentence, lexicon: Lexicon, quoted_weight: float, topical: frozenset[str],
           matches: list[Match]) -> tuple[float, list[_Hit], list[str]]:
    """A sentence's score, the hits that make it (a word in at most one, its strongest) and the
    signals that fired: :func:`sentence_tone` without the sentence's evidence words, which a
    document needs of its loaded sentences only."""
    words, quoted = sentence.words, sentence.quoted or (False,) * len(sentence.words)
    best: dict[int, _Hit] = {}  # by the position of a hit's first word
    owner: dict[int, int] = {}  # word position -> first word of the hit that holds it
    any_quoted = True in quoted

    def hit(positions: tuple[int, ...], signal: Signal, weight: float, reported: bool = True) -> None:
        # `reported`: whether quoted words are speech the outlet reports (a scare quote is not).
        if reported and any_quoted and any(quoted[p] for p in positions):
            if signal.voice == "outlet":
                return
            weight *= quoted_weight
        if weight <= 0:
            return
        if len(positions) == 1 and positions[0] not in owner:  # the common case: a free word
            best[positions[0]] = _Hit(weight, signal.id, positions)
            owner[positions[0]] = positions[0]
            return
        overlapping = {owner[p] for p in positions if p in owner}
        if weight <= max((best[h].weight for h in overlapping), default=0.0):
            return
        for h in overlapping:
            for p in best.pop(h).words:
                owner.pop(p, None)
        best[positions[0]] = _Hit(weight, signal.id, positions)
        owner.update((p, positions[0]) for p in positions)

    n = len(words)
    rare = lexicon.voice.get("rare")
    written = sentence.written or words
    # Most words match nothing: the loop visits only those that do.
    for i in [i for i, match in enumerate(matches) if match is not NO_MATCH]:
        match = matches[i]
        for parts, signal, w in match.phrases:
            end = i + len(parts)
            if end <= n:
                for k in range(1, len(parts)):
                    if parts[k] not in stems(words[i + k]):
                        break
                else:
                    hit(tuple(range(i, end)), signal, signal.weight * w)
        for signal, w in match.single:
            hit((i,), signal, signal.weight * w)
        # A name (capitalized inside the sentence) or a word the document repeats is not word choice.
        if match.rare and rare and not (i and written[i][0].isupper()) and words[i] not in topical:
            hit((i,), rare, rare.weight)
    scare = lexicon.voice.get("scare_quote")
    if scare and any_quoted and n - sum(quoted) >= MAX_SCARE_WORDS:
        for run in _quoted_runs(quoted):
            if len(run) <= MAX_SCARE_WORDS:
                hit(run, scare, scare.weight, reported=False)
    hits = list(best.values())
    fired = [h.signal for h in hits]
    keep = 1.0
    for h in hits:
        keep *= 1 - h.weight
    ending = sentence.text.rstrip("\"'”’»)] ")[-1:]
    if ending in ("!", "?") and sentence.own_ending:
        signal = lexicon.voice.get("exclamation" if ending == "!" else "question")
        if signal:
            keep *= 1 - signal.weight
            fired.append(signal.id)
    if n > LONG_SENTENCE:
        keep **= LONG_SENTENCE / n
    return round(1 - keep, 4), hits, fired


def _evidence(words: tuple[str, ...], hits: list[_Hit]) -> list[str]:
    """The words of a sentence's hits, most telling first: the strongest signal, then the rarer word."""
    if len(hits) > 1:
        hits = sorted(hits, key=lambda h: (-h.weight, min(zipf(words[p]) for p in h.words), h.words[0]))
    return list(dict.fromkeys(words[p] for h in hits for p in h.words))[:MAX_SENTENCE_EVIDENCE]


def _quoted_runs(quoted: tuple[bool, ...]) -> list[tuple[int, ...]]:
    """Maximal runs of quoted word positions."""
    runs: list[tuple[int, ...]] = []
    run: list[int] = []
    for i, q in enumerate(quoted):
        if q:
            run.append(i)
        elif run:
            runs.append(tuple(run))
            run = []
    if run:
        runs.append(tuple(run))
    return runs


def document_tone(units: list[Sentence], lexicon: Lexicon, min_loaded: float = 0.5, quoted_weight: float = 1.0) -> Tone:
    """Tone of a document from its sentences: mean score, signals, top evidence, loaded sentences."""
    if not units:
        return Tone(0.0, [], {"sentences": 0, "loaded_sentences": 0, "loaded_share": 0.0}, [])
    matches = [lexicon.match_all(unit.words) for unit in units]
    uses = Counter([w for unit, found in zip(units, matches) for w, m in zip(unit.words, found) if m.rare])
    topical = frozenset(w for w, n in uses.items() if n > 1)
    weighed = [_weigh(unit, lexicon, quoted_weight, topical, found) for unit, found in zip(units, matches)]
    fired = Counter([signal for _, _, signals in weighed for signal in signals])
    quoted_words = sum(sum(unit.quoted) for unit in units)
    total_words = sum(len(unit.words) for unit in units)
    loaded = [k for k, (score, _, _) in enumerate(weighed) if score >= min_loaded]
    # Evidence words are read only where they are used: the loaded sentences (or, in a document
    # with none, every sentence) weigh the document's evidence, and the most loaded are listed.
    evidence_of = {k: _evidence(units[k].words, weighed[k][1]) for k in (loaded or range(len(units)))}
    weight: Counter[str] = Counter()
    for k, words in evidence_of.items():
        for rank, word in enumerate(words):
            weight[word] += weighed[k][0] / (rank + 1)
    evidence = [w for w, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_EVIDENCE]]
    signals: dict[str, float] = {
        "sentences": len(units),
        "loaded_sentences": len(loaded),
        "loaded_share": round(len(loaded) / len(units), 4),
        "quoted_share": round(quoted_words / total_words, 4) if total_words else 0.0,
    }
    signals.update({sid: fired[sid] for sid in sorted(fired)})
    top = sorted(loaded, key=lambda k: (-weighed[k][0], units[k].line))[:MAX_SENTENCES]
    mean = round(sum(score for score, _, _ in weighed) / len(units), 4)
    return Tone(mean, evidence, signals, [SentenceTone(units[k].line, units[k].text, weighed[k][0], evidence_of[k])
                                         for k in sorted(top, key=lambda k: units[k].line)])
