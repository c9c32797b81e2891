import pytest

from audit.text.sentences import sentences, split, stems, words


@pytest.mark.parametrize("line, expected", [
    # Decimal points and times are not sentence ends.
    ("The 7.3-metre boat left at 8.30pm. It sank.", ["The 7.3-metre boat left at 8.30pm.", "It sank."]),
    ("Prices rose 2.5 per cent. Then they fell.", ["Prices rose 2.5 per cent.", "Then they fell."]),
    ("Mr. Koh met U.S. officials. Talks went on.", ["Mr. Koh met U.S. officials.", "Talks went on."]),
    ("“It is over.” She left!  Why?", ["“It is over.”", "She left!", "Why?"]),
    ("J. R. Smith won.", ["J. R. Smith won."]),
    ("No stop at the end", ["No stop at the end"]),
    ("", []),
])
def test_split(line, expected):
    assert [line[a:b] for a, b in split(line)] == expected


def test_heading_line_without_full_stop_is_its_own_unit():
    units = list(sentences(["Kim wants a treaty", "North Korea wants talks. Trump agreed."]))
    assert [(u.line, u.text) for u in units] == [
        (1, "Kim wants a treaty"), (2, "North Korea wants talks."), (2, "Trump agreed.")]


def test_list_line_is_its_own_unit_and_bare_punctuation_is_none():
    units = list(sentences(["- first point", "***", "- second point"]))
    assert [u.words for u in units] == [("first", "point"), ("second", "point")]


def test_curly_and_straight_apostrophes_give_the_same_word():
    assert words("Shakespeare’s plays") == words("Shakespeare's plays") == ["shakespeare's", "plays"]


def test_hyphenated_words_and_numbers_stay_one_word():
    assert words("e-cigarettes cost £1,250 at 8.30pm") == ["e-cigarettes", "cost", "1,250", "at", "8.30pm"]


def test_quotations_are_followed_across_sentences():
    units = list(sentences(['Trump said: "We will win. It is great!" Critics disagreed.']))
    assert units[0].quoted == (False, False, True, True, True)
    assert all(units[1].quoted) and units[1].own_ending is False
    assert units[2].quoted == (False, False)


def test_stems_undo_regular_endings():
    assert "slam" in stems("slammed") and "claim" in stems("claims") and "say" in stems("says")
