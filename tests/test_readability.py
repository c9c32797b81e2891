import subprocess
import sys
import textwrap

from audit.readability.grade import familiar, score
from audit.text.sentences import sentences


def measure(*lines):
    return score(sentences(list(lines)))


def test_scores_are_in_plausible_ranges():
    easy = measure("The cat sat on the mat. The dog ran to the park. We had fun.")
    hard = measure("Notwithstanding considerable institutional reluctance, the administration's "
                   "comprehensive denuclearization negotiations necessitate unprecedented multilateral verification.")
    assert easy.flesch_reading_ease > hard.flesch_reading_ease
    assert easy.grade < hard.grade
    assert easy.sentences == 3 and easy.words == 15


def test_same_formulas_as_textstat_on_counts():
    r = measure("The cat sat on the mat. It was a sunny day.")
    per_sentence, per_word = r.words / r.sentences, r.syllables / r.words
    assert r.flesch_reading_ease == round(206.835 - 1.015 * per_sentence - 84.6 * per_word, 2)
    assert r.flesch_kincaid_grade == round(0.39 * per_sentence + 11.8 * per_word - 15.59, 2)


def test_decimals_and_times_do_not_split_sentences():
    assert measure("The 7.3-metre boat left at 8.30pm on Friday.").sentences == 1


def test_curly_apostrophes_score_like_straight_ones():
    assert measure("Shakespeare’s plays are long.") == measure("Shakespeare's plays are long.")


def test_inflections_of_familiar_words_are_familiar():
    assert familiar("says") and familiar("years") and not familiar("negotiations")


def test_empty_text_has_no_scores():
    assert measure("", "   ") is None


def test_no_download_and_no_textstat_or_nltk(tmp_path):
    # A fresh process that may not reach NLTK or textstat: the dictionaries ship in packages.
    code = textwrap.dedent("""
        import sys
        sys.modules["nltk"] = None
        sys.modules["textstat"] = None
        from audit.readability.grade import score
        from audit.text.sentences import sentences
        r = score(sentences(["Extraordinary denuclearization negotiations continued."]))
        assert r.words == 4 and r.syllables == 21, r
        print("syllables ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert "syllables ok" in out.stdout
