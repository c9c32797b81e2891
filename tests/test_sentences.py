import pytest

from audit.sentences import split


@pytest.mark.parametrize("line, expected", [
    ("The 7.3-metre boat left at 8.30pm. It sank.", ["The 7.3-metre boat left at 8.30pm.", "It sank."]),
    ("Mr. Koh met U.S. officials. Talks went on.", ["Mr. Koh met U.S. officials.", "Talks went on."]),
    ("“It is over.” She left!  Why?", ["“It is over.”", "She left!", "Why?"]),
    ("J. R. Smith won.", ["J. R. Smith won."]),
    ("No stop at the end", ["No stop at the end"]),
    ("", []),
])
def test_split(line, expected):
    assert [line[a:b] for a, b in split(line)] == expected
