from audit.tone import document_tone, sentence_tone


def test_neutral_and_loaded_sentences():
    assert sentence_tone("The meeting is set for May.") == (0.0, [])
    score, evidence = sentence_tone("This is a horrible, disgusting betrayal.")
    assert score > 0.8
    assert set(evidence) == {"horrible", "disgusting", "betrayal"}


def test_document_tone_summarizes_sentences_with_lines():
    tone = document_tone(["The meeting is set for May.", "", "It was a horrible, disgusting betrayal. Talks end."])
    assert tone.signals["sentences"] == 3
    assert tone.signals["loaded_sentences"] == 1
    assert [s.line for s in tone.sentences] == [3]
    assert set(tone.evidence) == {"horrible", "disgusting", "betrayal"}
    assert 0 < tone.score < 1


def test_one_sentence_document_scores_as_its_sentence():
    text = "What a wonderful, brilliant result."
    assert document_tone([text]).score == sentence_tone(text)[0]
