"""Time readability and tone of one news article against textstat's five functions, side by side.

Each side runs in its own worker process, as it would in real use (each holds only its own
dictionaries: textstat's CMU copy is millions of small objects that slow every garbage
collection in a process that holds it), and the two are driven in alternation, round by round,
in one run, so the machine's noise hits both alike. Each round uses a fresh copy of the article (a
number appended), because textstat caches its results per text; word-level caches stay warm on
both sides, as in a long scan. Run (needs the `bench` extra for textstat):

    python bench/speed.py [--rounds 400] [--file seeds/001_ee95094b592296d6.txt]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ours_worker(conn: Connection, article: str) -> None:
    from audit.tone import lexicon, score as tone
    from audit.readability import grade as readability
    from audit.text import sentences

    lex = lexicon.load()

    def run(text: str) -> None:
        units = list(sentences.sentences(text.split("\n")))
        readability.score(units)
        tone.document_tone(units, lex, 0.5, 0.5)

    serve(conn, article, run)


def textstat_worker(conn: Connection, article: str) -> None:
    from textstat_offline import textstat

    def run(text: str) -> None:
        textstat.flesch_reading_ease(text)
        textstat.flesch_kincaid_grade(text)
        textstat.gunning_fog(text)
        textstat.smog_index(text)
        textstat.dale_chall_readability_score(text)

    serve(conn, article, run)


def serve(conn: Connection, article: str, run) -> None:  # type: ignore[no-untyped-def]
    run(article + " 0")  # load the dictionaries once, outside the timing
    conn.send("ready")
    while (i := conn.recv()) is not None:
        text = f"{article} {i}"
        start = time.perf_counter()
        run(text)
        conn.send(time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--file", default=str(ROOT / "seeds" / "001_ee95094b592296d6.txt"))
    args = parser.parse_args()
    article = Path(args.file).read_text(encoding="utf-8")
    sides = []
    for target in (ours_worker, textstat_worker):
        mine, theirs = multiprocessing.Pipe()
        proc = multiprocessing.Process(target=target, args=(theirs, article))
        proc.start()
        assert mine.recv() == "ready"
        sides.append((mine, proc, []))
    for i in range(1, args.rounds + 1):
        for conn, _, times in sides:
            conn.send(i)
            times.append(conn.recv())
    for conn, proc, _ in sides:
        conn.send(None)
        proc.join()
    a, b = sides[0][2], sides[1][2]
    print(f"article: {args.file} ({len(article.encode('utf-8'))} bytes), {args.rounds} rounds")
    print("| What | Fastest round | Median round |")
    print("|---|---|---|")
    print(f"| corpus-audit readability + tone (one pass: units, six readability figures, tone) | {min(a) * 1000:.2f} ms | {statistics.median(a) * 1000:.2f} ms |")
    print(f"| textstat 0.7 five functions (FRE, FK, fog, SMOG, Dale-Chall) | {min(b) * 1000:.2f} ms | {statistics.median(b) * 1000:.2f} ms |")
    print(f"| speed-up | {min(b) / min(a):.1f}x | {statistics.median(b) / statistics.median(a):.1f}x |")


if __name__ == "__main__":
    main()
