"""Time readability and tone of one news article against textstat's five functions, side by side.

Both run in the same process on the same texts, interleaved round by round, so the machine's
noise hits both alike. Each round gets a fresh copy of the article (a number appended), because
textstat caches its results per text; word-level caches stay warm on both sides, as in a long
scan. Run (needs the `bench` extra for textstat):

    python bench/speed.py [--rounds 300] [--file seeds/001_ee95094b592296d6.txt]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from textstat_offline import textstat

from audit import lexicon, readability, sentences, tone

ROOT = Path(__file__).resolve().parent.parent


def ours(text: str, lex: lexicon.Lexicon) -> None:
    units = list(sentences.sentences(text.split("\n")))
    readability.score(units)
    tone.document_tone(units, lex, 0.5, 0.5)


def theirs(text: str) -> None:
    textstat.flesch_reading_ease(text)
    textstat.flesch_kincaid_grade(text)
    textstat.gunning_fog(text)
    textstat.smog_index(text)
    textstat.dale_chall_readability_score(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--file", default=str(ROOT / "seeds" / "001_ee95094b592296d6.txt"))
    args = parser.parse_args()
    article = Path(args.file).read_text(encoding="utf-8")
    lex = lexicon.load()
    ours(article + " 0", lex)  # load the dictionaries once, outside the timing
    theirs(article + " 0")
    a: list[float] = []
    b: list[float] = []
    for i in range(1, args.rounds + 1):
        text = f"{article} {i}"
        t0 = time.perf_counter()
        ours(text, lex)
        t1 = time.perf_counter()
        theirs(text)
        t2 = time.perf_counter()
        a.append(t1 - t0)
        b.append(t2 - t1)
    mine, base = statistics.median(a), statistics.median(b)
    print(f"article: {args.file} ({len(article.encode('utf-8'))} bytes), {args.rounds} rounds, medians")
    print("| What | Median per article |")
    print("|---|---|")
    print(f"| corpus-audit readability + tone (one pass: units, six readability figures, tone) | {mine * 1000:.2f} ms |")
    print(f"| textstat 0.7 five functions (FRE, FK, fog, SMOG, Dale-Chall) | {base * 1000:.2f} ms |")
    print(f"| speed-up | {base / mine:.1f}x |")


if __name__ == "__main__":
    main()
