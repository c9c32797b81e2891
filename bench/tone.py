"""Measure tone on news sentences labelled for loaded wording (BABE, read in place).

Scores come from `corpus-audit scan FILE --format json`, as the held-back half is scored: ROC AUC
of `documents[].tone.score` against the label, pooled and averaged within each outlet (the outlet
alone predicts the label, so the within-outlet figure is the honest one); precision@3 of
`documents[].tone.evidence` against the words annotators marked, on loaded sentences that have
marked words. Beside ours: VADER and TextBlob (the `bench` extra), and what each tone signal
adds (the score without it, from the library on the same sentences). Run:

    python bench/tone.py [--data ../shared/data/tone-dev/sentences.jsonl]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from collections import defaultdict
from collections.abc import Sequence

from metrics import precision_at, roc_auc
from scan_json import scan_documents

from audit.tone import lexicon, score as tone
from audit.text import sentences
from audit.settings import ScanSettings

DATA = "/work/shared/data/tone-dev/sentences.jsonl"
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def fold(word: str) -> str:
    return word.lower().replace("’", "'")


def figures(records: list[dict], scores: Sequence[float], evidence: Sequence[list[str]] | None) -> str:
    labels = [r["label"] for r in records]
    by_outlet: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        by_outlet[r["source"]].append(i)
    within = [roc_auc([labels[i] for i in idx], [scores[i] for i in idx])
              for idx in by_outlet.values() if len({labels[i] for i in idx}) == 2]
    cells = [f"{roc_auc(labels, scores):.3f}", f"{sum(within) / len(within):.3f}"]
    if evidence is None:
        return " | ".join(cells + ["–"])
    p3 = [precision_at(ev, {fold(w) for w in r["evidence_words"]}) for r, ev in zip(records, evidence)
          if r["label"] == 1 and r["evidence_words"]]
    return " | ".join(cells + [f"{sum(p3) / len(p3):.3f}"])


def library_scores(records: list[dict], lex: lexicon.Lexicon, quoted_weight: float) -> list[float]:
    out = []
    for r in records:
        units = list(sentences.sentences([r["text"]]))
        out.append(tone.document_tone(units, lex, 0.5, quoted_weight).score)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DATA)
    args = parser.parse_args()
    records = [json.loads(line) for line in open(args.data, encoding="utf-8")]
    docs = scan_documents(args.data)
    print(f"{len(records)} sentences, {sum(r['label'] for r in records)} labelled loaded, "
          f"{len({r['source'] for r in records})} outlets: {args.data}\n")
    print("| Score | ROC AUC pooled | ROC AUC within outlet (mean) | Evidence precision@3 |")
    print("|---|---|---|---|")
    tones = [docs[r["id"]]["tone"] for r in records]
    print(f"| corpus-audit tone (scan --format json) | {figures(records, [t['score'] for t in tones], [t['evidence'] for t in tones])} |")
    try:
        from textblob import TextBlob
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        print("\n(VADER and TextBlob not installed: pip install -e '.[bench]' for their figures)")
    else:
        vader = SentimentIntensityAnalyzer()
        vader_ev = []
        for r in records:
            val = {fold(t): abs(vader.lexicon[fold(t)]) for t in _TOKEN.findall(r["text"]) if fold(t) in vader.lexicon}
            vader_ev.append(sorted(val, key=lambda w: (-val[w], w)))
        print(f"| VADER abs(compound) | {figures(records, [abs(vader.polarity_scores(r['text'])['compound']) for r in records], vader_ev)} |")
        print(f"| TextBlob subjectivity | {figures(records, [TextBlob(r['text']).sentiment.subjectivity for r in records], None)} |")
    lex = lexicon.load()
    weight = ScanSettings().quoted_weight
    print("\nEach signal's part (library, same sentences): the score without it, and quoted speech weighted otherwise:\n")
    print("| Variant | ROC AUC pooled | ROC AUC within outlet (mean) | Evidence precision@3 |")
    print("|---|---|---|---|")
    print(f"| all signals, quoted_weight {weight}, dilution from {tone.LONG_SENTENCE} words | {figures(records, library_scores(records, lex, weight), None)} |")
    for qw in (1.0, 0.0):
        print(f"| quoted_weight {qw} | {figures(records, library_scores(records, lex, qw), None)} |")
    for long in (10**6, 35, 20):
        tone.LONG_SENTENCE, kept = long, tone.LONG_SENTENCE
        print(f"| long-sentence dilution from {long} words | {figures(records, library_scores(records, lex, weight), None)} |")
        tone.LONG_SENTENCE = kept
    for s in lex.signals:
        rest = lexicon.build([dataclasses.replace(x, weight=0.0) if x.id == s.id else x for x in lex.signals])
        print(f"| without {s.id} (weight {s.weight}) | {figures(records, library_scores(records, rest, weight), None)} |")


if __name__ == "__main__":
    main()
