"""Measure readability on news rewritten at three levels (OneStopEnglish, read in place).

Scores come from `corpus-audit scan FILE --format json`, as the held-back half is scored. For each
measure: the mean over articles of the share of level pairs in the right order, and Spearman's rho
with level across all documents. Beside ours: textstat's own numbers on the same texts (the
`bench` extra), and the candidate features the `grade` formula was chosen from, each fitted by
least squares to the levels and scored on held-out articles (5 folds by article). Run:

    python bench/readability.py [--data ../shared/data/readability-dev/docs.jsonl]
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections.abc import Callable

import numpy as np
from metrics import pair_ordering, spearman
from scan_json import scan_documents

from audit.readability import grade as readability
from audit.text import sentences
from audit.text.frequency import zipf
from audit.text.normalize import repair

DATA = "/work/shared/data/readability-dev/docs.jsonl"
METRICS = ("grade", "flesch_kincaid_grade", "gunning_fog", "smog_index", "dale_chall", "flesch_reading_ease")


def row(name: str, articles: list[str], levels: list[int], scores: list[float]) -> str:
    return f"| {name} | {pair_ordering(articles, levels, scores):.3f} | {spearman(scores, levels):.3f} |"


def features(text: str) -> dict[str, float]:
    units = list(sentences.sentences(repair(text).text.split("\n")))
    lengths = [len(u.words) for u in units]
    lexical = [w for u in units for w in u.words if not w[:1].isdigit()]
    r = readability.score(units)
    return {
        "words per sentence (mean)": sum(lengths) / len(lengths),
        "words per sentence (RMS)": math.sqrt(sum(n * n for n in lengths) / len(lengths)),
        "% rare words (Zipf < 4.5)": 100 * sum(zipf(w) < 4.5 for w in lexical) / len(lexical),
        "% rare words (Zipf < 4)": 100 * sum(zipf(w) < 4.0 for w in lexical) / len(lexical),
        "syllables per word": r.syllables / r.words,
        "% unfamiliar (Dale-Chall list)": 100 * sum(not readability.familiar(w) for w in lexical) / len(lexical),
    }


def cross_validated(articles: list[str], levels: list[int], columns: list[list[float]]) -> list[float]:
    """Least-squares fit of level on the columns, predicted for articles held out (5 folds)."""
    names = sorted(set(articles))
    random.Random(0).shuffle(names)
    fold = {a: i % 5 for i, a in enumerate(names)}
    x = np.column_stack(columns + [np.ones(len(levels))])
    y = np.array(levels, dtype=float)
    pred = np.zeros(len(levels))
    for f in range(5):
        test = np.array([fold[a] == f for a in articles])
        w, *_ = np.linalg.lstsq(x[~test], y[~test], rcond=None)
        pred[test] = x[test] @ w
    return pred.tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DATA)
    args = parser.parse_args()
    records = [json.loads(line) for line in open(args.data, encoding="utf-8")]
    docs = scan_documents(args.data)
    articles = [r["article"] for r in records]
    levels = [r["level"] for r in records]
    print(f"{len(records)} documents, {len(set(articles))} articles: {args.data}\n")
    print("| Measure | Pairs ordered (mean per article) | Spearman with level |")
    print("|---|---|---|")
    for m in METRICS:
        sign = -1 if m == "flesch_reading_ease" else 1  # reading ease falls as difficulty rises
        print(row(f"corpus-audit {m}", articles, levels, [sign * docs[r["id"]]["readability"][m] for r in records]))
    try:
        from textstat_offline import textstat
    except ImportError:
        print("\n(textstat not installed: pip install -e '.[bench]' for its figures)")
    else:
        calls: dict[str, Callable[[str], float]] = {
            "textstat flesch_kincaid_grade": textstat.flesch_kincaid_grade, "textstat gunning_fog": textstat.gunning_fog,
            "textstat smog_index": textstat.smog_index, "textstat dale_chall": textstat.dale_chall_readability_score,
            "textstat flesch_reading_ease": lambda t: -textstat.flesch_reading_ease(t)}
        for name, fn in calls.items():
            print(row(name, articles, levels, [fn(r["text"]) for r in records]))
    print("\nCandidates for `grade` (held-out articles, 5 folds):\n")
    print("| Features | Pairs ordered | Spearman with level |")
    print("|---|---|---|")
    feats = [features(r["text"]) for r in records]
    single = list(feats[0])
    combos = [[f] for f in single] + [
        ["words per sentence (mean)", "% rare words (Zipf < 4.5)"], ["words per sentence (RMS)", "% rare words (Zipf < 4)"],
        ["words per sentence (RMS)", "% rare words (Zipf < 4.5)"], ["words per sentence (RMS)", "syllables per word"],
        ["words per sentence (RMS)", "% unfamiliar (Dale-Chall list)"]]
    for combo in combos:
        pred = cross_validated(articles, levels, [[f[c] for f in feats] for c in combo])
        print(row(" + ".join(combo), articles, levels, pred))


if __name__ == "__main__":
    main()
