from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.text.normalize import count_words, fold, repair, words, words_per_span


def test_mojibake_is_repaired_and_reported_by_line():
    text = "Clean first line.\nThe Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows.\ncafÃ© au lait"
    result = repair(text)
    assert result.text == "Clean first line.\nThe Mona Lisa doesn’t have eyebrows.\ncafé au lait"
    assert [(r.line, r.after) for r in result.repairs] == [
        (2, "The Mona Lisa doesn’t have eyebrows."), (3, "café au lait")]
    assert result.repairs[0].before == "The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows."
    assert any(step.startswith("decode") for step in result.repairs[0].steps)


def test_cosmetic_changes_are_not_repairs():
    result = repair("ﬁne “quotes” stay\nplain")
    assert result.repairs == []
    assert result.cosmetic_lines == 1
    assert "“quotes”" in result.text


def test_clean_seeds_report_zero_repairs(seeds):
    for path in sorted(seeds.iterdir()):
        assert repair(path.read_text(encoding="utf-8")).repairs == [], path.name


def test_line_numbers_never_move():
    text = "a\r\nb\u2028c\nÃ©"
    assert len(repair(text).text.split("\n")) == 3


def test_fold_and_words():
    assert fold("  “It’s”\tHERE ") == '"it\'s" here'
    assert words("It’s a U.S.-led, 7.3-metre plan") == ["it's", "a", "u", "s", "led", "7", "3", "metre", "plan"]


# What ftfy changes, one case per fixer, and clean text in several scripts: ftfy_keeps may say
# True only where ftfy keeps the text (bench/ftfy_fast_path.py does the same on the dev corpora).
FTFY_CASES = [
    "plain ASCII text", "“Curly” quotes — and dashes", "café naïve Ärger", "Ελληνικά и русский 日本語",
    "caf\u00c3\u00a9", "line one\n\u00c3 at a line start", "\u00c3 starts", "sÃ³", "\ufb01ne ligature",
    "C1 \x85 control", "escape \x1b[31mred", "nul \x00 char", "bom \ufeff inside", "e\u0301 not NFC",
    "lone \ud800 surrogate", "âœ” No problems", "voilÃ le travail", "Â£5",
]


@pytest.mark.parametrize("text", FTFY_CASES)
def test_ftfy_is_skipped_only_where_it_would_change_nothing(text):
    import ftfy

    from audit.text.normalize import FTFY_CONFIG, ftfy_keeps

    if ftfy_keeps(text):
        assert ftfy.fix_text(text, FTFY_CONFIG) == text


def test_ftfy_fast_path_spares_clean_text_and_the_seeds():
    from audit.text.normalize import ftfy_keeps

    assert [ftfy_keeps(t) for t in FTFY_CASES[:4]] == [True] * 4
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    import ftfy

    from audit.text.normalize import FTFY_CONFIG
    for path in seeds.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        assert not ftfy_keeps(text) or ftfy.fix_text(text, FTFY_CONFIG) == text


@pytest.mark.parametrize("text", ["Hello, World! It's 2024 -- \"quoted\"", "ÉCOLE “x” — ﬁ", "ASCII\tTAB",
                                  "‘a’ ‚b‛ “c” „d‟ ″e″ «f» g–h—i−j ′k′"])
def test_fold_chars_fast_paths_are_the_full_fold(text):
    import unicodedata

    from audit.text.normalize import _QUOTES, fold_chars

    assert fold_chars(text) == unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)


def test_badness_is_searched_around_the_characters_it_needs_and_finds_what_the_whole_search_finds():
    from ftfy import badness

    from audit.text.normalize import _bad

    seeds = [p.read_text(encoding="utf-8") for p in (Path(__file__).resolve().parent.parent / "seeds").glob("*.txt")]
    damaged = [s.encode("utf-8").decode("cp1252", errors="replace") for s in seeds]
    # Mojibake at the very start and end, beside word characters (a boundary at a window's edge),
    # and two needed characters far apart with damage only around the second.
    padded = ["x" * 50 + "caf\u00c3\u00a9" + "y" * 50, "\u00c3\u00a9" + "a" * 30, "word" + "\u00e2\u20ac\u2122",
              "“quoted” " + "clean text " * 20 + "voilÃ le travail"]
    for text in [*FTFY_CASES, *seeds, *damaged, *padded, *(line for d in damaged for line in d.split("\n"))]:
        assert _bad(text) == badness.is_bad(text), text[:80]


#: Pieces of text that meet the edges of a word: apostrophes (straight and curly), word
#: characters of other scripts, underscores, digits, marks and spaces.
PIECES = ["a", "B", "isn", "t", "'", "''", "\u2019", "_", "7", "2.5", "-", " ", "  ", "\t", ".", "é", "東", "ǅ", "\x1f", "%"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join), st.data())
def test_words_are_counted_as_words_makes_them(text, data):
    assert count_words(text) == len(words(text))
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    assert words_per_span(text, [(0, a), (a, b), (b, len(text))]) == [len(words(text[i:j])) for i, j in
                                                                     [(0, a), (a, b), (b, len(text))]]
