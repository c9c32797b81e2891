from pathlib import Path

import pytest

from audit.tone import lexicon
from audit.errors import RuleError
from audit.text.sentences import sentences
from audit.tone.score import document_tone, sentence_tone


@pytest.fixture(scope="module")
def lex():
    return lexicon.load()


def one(text, lex, **kw):
    [unit] = sentences([text])
    return sentence_tone(unit, lex, **kw)[0]


def test_neutral_sentence_scores_zero(lex):
    tone = one("The meeting is set for May.", lex)
    assert tone.score == 0.0 and tone.evidence == []


def test_framing_verbs_and_loaded_labels_are_evidence(lex):
    tone = one("Democrats slammed the radical scheme.", lex)
    assert tone.score > 0.7
    assert set(tone.evidence[:3]) == {"slammed", "radical", "scheme"}


def test_score_stays_in_unit_interval_and_grows_with_evidence(lex):
    mild = one("Critics claimed the plan failed.", lex)
    strong = one("Critics claimed the outrageous, disgraceful plan was a shameful sham!", lex)
    assert 0 < mild.score < strong.score <= 1


def test_quoted_speech_counts_less_than_the_outlets_own_voice(lex):
    own = one("The plan is outrageous, critics said.", lex, quoted_weight=0.5)
    quoted = one('"The plan is outrageous," critics said.', lex, quoted_weight=0.5)
    assert 0 < quoted.score < own.score


def test_scare_quotes_exclamations_and_rhetorical_questions(lex):
    assert one('The so-called "experts" met on Monday.', lex).evidence[:2] == ["so-called", "experts"]
    assert one("The tax rose again!", lex).score > one("The tax rose again.", lex).score
    assert one("Who will pay for the tax?", lex).score > one("Someone will pay for the tax.", lex).score


def test_rare_words_but_not_names_or_repeated_topic_words(lex):
    assert one("The bellicose leader spoke.", lex).evidence == ["bellicose"]
    assert one("Leader Zorblatt spoke.", lex).evidence == []
    units = list(sentences(["Denuclearization talks began. Denuclearization is slow."]))
    assert document_tone(units, lex).evidence == []


def test_document_tone_summarizes_sentences_with_lines(lex):
    units = list(sentences(["The meeting is set for May.", "", "It was a disgraceful, shameful betrayal. Talks end."]))
    tone = document_tone(units, lex)
    assert tone.signals["sentences"] == 3 and tone.signals["loaded_sentences"] == 1
    assert [s.line for s in tone.sentences] == [3]
    assert {"disgraceful", "shameful", "betrayal"} <= set(tone.evidence)
    assert 0 < tone.score < 1


def test_one_sentence_document_scores_as_its_sentence(lex):
    units = list(sentences(["What a reckless, absurd result."]))
    assert document_tone(units, lex).score == sentence_tone(units[0], lex)[0].score


def test_every_tone_file_names_its_source_and_licence(lex):
    files = {name for name, _, _ in lex.sources}
    assert {"framing.toml", "labels.toml", "evaluative.toml", "subjective.toml", "voice.toml", "word_choice.toml"} <= files
    assert all(source.strip() and licence.strip() for _, source, licence in lex.sources)


def test_loader_errors_name_file_signal_and_key(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text('source = "x"\nlicence = "MIT"\n[[signal]]\nid = "tone.x"\nkind = "words"\ndescription = "d"\nweight = 2\nwords = ["a"]\n')
    with pytest.raises(RuleError, match=r"bad.toml: signal 'tone.x': weight"):
        lexicon.load_file(bad)
    bad.write_text('[[signal]]\nid = "tone.x"\n')
    with pytest.raises(RuleError, match="source: missing"):
        lexicon.load_file(bad)


def test_a_lexicon_is_copied_without_its_cache(lex):
    # A Dask worker pickles its analyzer for a peer while its own task adds to this cache:
    # iterating the cache then raised "dictionary changed size during iteration".
    import pickle

    lex.match_all(("slammed", "the", "council", "radical"))
    assert lex._seen
    copy = pickle.loads(pickle.dumps(lex))
    assert copy._seen == {} and lex._seen
    assert copy.match_all(("slammed", "radical")) == lex.match_all(("slammed", "radical"))
