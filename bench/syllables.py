"""Measure the syllable fallback: spelling rules against pyphen, both checked against the CMU dictionary.

The fallback only counts words the CMU dictionary lacks, so it is judged on words whose answer
we know: the dictionary's words that wordfreq lists among the most common English words (a
stand-in for the ordinary vocabulary of news), each weighted once. Run:

    python bench/syllables.py [--top 50000]
"""

from __future__ import annotations

import argparse

import pyphen
import wordfreq

from audit.readability import syllables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=50000, help="most common English words to check")
    args = parser.parse_args()
    cmu = syllables._dictionary()
    hyphenator = pyphen.Pyphen(lang="en_US")
    words = [w for w in wordfreq.top_n_list("en", args.top) if w.isalpha() and w in cmu]
    rules = sum(syllables.by_rules(w) == cmu[w] for w in words)
    hyph = sum(len(hyphenator.positions(w)) + 1 == cmu[w] for w in words)
    rules_err = sum(abs(syllables.by_rules(w) - cmu[w]) for w in words)
    hyph_err = sum(abs(len(hyphenator.positions(w)) + 1 - cmu[w]) for w in words)
    print(f"{len(words)} common words found in the CMU dictionary (wordfreq top {args.top})")
    print("| Fallback | Exact | Mean absolute error |")
    print("|---|---|---|")
    print(f"| spelling rules (audit.readability.syllables.by_rules) | {rules / len(words):.3f} | {rules_err / len(words):.3f} |")
    print(f"| pyphen en_US hyphenation points + 1 (textstat's fallback) | {hyph / len(words):.3f} | {hyph_err / len(words):.3f} |")


if __name__ == "__main__":
    main()
