import pytest

from audit.readability.syllables import by_rules, count, spoken_number


@pytest.mark.parametrize("word, expected", [
    ("cat", 1), ("negotiations", 5), ("shakespeare's", 2),
    ("e-cigarettes", 4),        # hyphenated: its parts, e + cigarettes
    ("7.3-metre", 6),           # seven point three metre
    ("8.30pm", 5),              # eight thirty p m
    ("52", 3),                  # fifty two, not one syllable
    ("2018", 4),                # twenty eighteen
    ("kim's", 1), ("bush's", 2),
])
def test_count(word, expected):
    assert count(word) == expected


def test_numbers_are_read_as_words():
    assert spoken_number("1,000,000") == ["one", "million"]
    assert spoken_number("21st") == ["twenty", "one"]
    assert spoken_number("5bn") == ["five", "billion"]


def test_rules_fallback_for_words_not_in_the_dictionary():
    assert [by_rules(w) for w in ["table", "hopeless", "ratio", "rhythm", "flibbertigibbet"]] == [2, 2, 3, 1, 5]
