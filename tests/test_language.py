"""Language per document: identified, reported, and readability and tone only where valid."""

import json

import pytest

from audit.config import settings_from
from audit.errors import ConfigError
from audit.pipeline import scan
from audit.report.markdown import render_markdown, to_json
from audit.settings import ScanSettings, Thresholds
from audit.text.language import identify

ENGLISH = ("Floods closed the valley road on Monday after the river rose two metres overnight, officials said. "
           "Crews worked through the night to clear the mud from the bridge, and the school stayed shut.")
RUSSIAN = ("Наводнение закрыло дорогу в долине в понедельник после того, как река поднялась на два метра за ночь. "
           "Рабочие всю ночь убирали грязь с моста, а школа осталась закрытой, сообщили чиновники.")
PORTUGUESE = ("As enchentes fecharam a estrada do vale na segunda-feira, depois que o rio subiu dois metros durante "
              "a noite. As equipes trabalharam a noite toda para limpar a lama da ponte, disseram as autoridades.")


def _records():
    return [{"id": "en1", "source": "wire", "text": ENGLISH},
            {"id": "ru1", "source": "wire", "text": RUSSIAN},
            {"id": "pt1", "source": "jornal", "text": PORTUGUESE}]


def test_languages_are_identified_from_the_text():
    assert [identify(t) for t in (ENGLISH, RUSSIAN, PORTUGUESE)] == ["en", "ru", "pt"]
    assert identify("") == "und"


def test_only_english_documents_get_readability_and_tone():
    result = scan(_records(), ScanSettings(jobs=1))
    docs = {d.id: d for d in result.documents}
    assert {i: d.language for i, d in docs.items()} == {"en1": "en", "ru1": "ru", "pt1": "pt"}
    assert docs["en1"].readability and docs["en1"].tone
    assert all(docs[i].readability is None and docs[i].tone is None for i in ("ru1", "pt1"))
    data = to_json(result)
    assert [(d["id"], d["language"]) for d in data["documents"]] == [("en1", "en"), ("ru1", "ru"), ("pt1", "pt")]
    md = render_markdown(result, "langs")
    assert "| ru1 | not scored: language ru |" in md and "| pt1 | not scored: language pt |" in md
    tone = md[md.index("## Tone"):md.index("## Input errors")]
    assert "en1" in tone and "ru1" not in tone and "pt1" not in tone
    languages = md[md.index("## Languages"):md.index("## Readability and tone per source")]
    assert "| jornal | 1 | pt 1 |" in languages and "| wire | 2 | en 1, ru 1 |" in languages


def test_other_languages_are_findings_and_a_threshold_when_languages_are_set():
    settings = ScanSettings(jobs=1, languages=("en",), thresholds=Thresholds(max_other_language_share=0.5))
    result = scan(_records(), settings)
    other = [(f.document, f.rule, f.severity) for f in result.findings if f.rule == "language.other"]
    assert other == [("ru1", "language.other", "warning"), ("pt1", "language.other", "warning")]
    assert result.verdict == "fail"
    assert "max-other-language-share: 66.7% > 50.0%" in result.failures[0]
    assert to_json(result)["summary"]["other_language_documents"] == 2


def test_no_language_finding_without_the_setting():
    result = scan(_records(), ScanSettings(jobs=1))
    assert not [f for f in result.findings if f.rule == "language.other"]


def test_languages_are_two_letter_codes():
    with pytest.raises(ConfigError, match="'English' is not a two-letter ISO 639-1 code"):
        settings_from({"languages": ["English"]}, "corpus-audit.toml")


def test_the_threshold_needs_the_languages_setting():
    with pytest.raises(ConfigError, match="needs the 'languages' setting"):
        settings_from({"thresholds": {"max-other-language-share": 0.1}}, "corpus-audit.toml")
    both = settings_from({"languages": ["en"], "thresholds": {"max-other-language-share": 0.1}}, "corpus-audit.toml")
    assert both.languages == ("en",) and both.thresholds.max_other_language_share == 0.1


def test_check_fails_on_a_corpus_in_the_wrong_language(cli, tmp_path):
    data = tmp_path / "feed.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in _records()))
    config = tmp_path / "audit.toml"
    config.write_text('languages = ["en"]\n')
    run = cli("check", str(data), "--config", str(config), "--max-other-language-share", "0.1", "-j", "1")
    assert run.returncode == 1, run.stderr
    assert "max-other-language-share: 66.7% > 10.0%" in run.stdout


def test_documents_not_scored_never_push_scored_ones_out_of_the_table():
    from audit.report import markdown

    records = [{"id": f"pt{i}", "source": "jornal", "text": f"{PORTUGUESE} ({i})"} for i in range(markdown.MAX_ROWS)]
    records.append({"id": "en1", "source": "wire", "text": ENGLISH})
    md = render_markdown(scan(records, ScanSettings(jobs=1)), "langs")
    table = md[md.index("| Document | Words"):]
    assert "\n| en1 | " in table and f"| pt{markdown.MAX_ROWS - 2} | not scored" in table
    assert f"| pt{markdown.MAX_ROWS - 1} | not scored" not in table


@pytest.mark.parametrize("kept", [True, False], ids=["tables mapped from the cache", "tables in memory"])
def test_the_compiled_walk_scores_as_py3langid_does_to_the_last_bit(kept, tmp_path, monkeypatch):
    from pathlib import Path

    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from audit.text.language import _CompiledIdentifier, _tables

    # A cache folder that cannot be made (a file is in the way) leaves the tables in memory.
    (tmp_path / "file").write_bytes(b"")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path if kept else tmp_path / "file"))
    tables = _tables()
    assert tables["table"].flags.owndata is not kept
    ours = _CompiledIdentifier(tables)
    stock = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    seeds = [p.read_text(encoding="utf-8") for p in sorted(Path(__file__).parent.parent.joinpath("seeds").iterdir())]
    texts = [ENGLISH, RUSSIAN, PORTUGUESE, ENGLISH.upper(), "", "12:30", "東京都の知事が会見した", "\ud800 lone",
             "a", *seeds, *(s[:200] for s in seeds)]
    for text in texts:
        assert ours.classify(text) == stock.classify(text)
    # Walked side by side, texts of every length (a group of walks with some ended early, and a
    # last group short of full) score as each did alone.
    assert ours.classify_many(texts) == [stock.classify(text) for text in texts]
    assert ours.classify_many(texts[::-1]) == [stock.classify(text) for text in texts[::-1]]


def test_the_model_tables_are_kept_in_the_cache_and_a_broken_copy_is_rebuilt(tmp_path, monkeypatch):
    import numpy as np

    from audit.text.language import _CompiledIdentifier, _tables

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = _tables()
    [kept] = (tmp_path / "corpus-audit").glob("langid-*.arrays")
    again = _tables()
    assert not again["table"].flags.owndata  # mapped from the file, not read into memory
    assert {k: v.dtype for k, v in again.items()} == {k: v.dtype for k, v in built.items()}
    assert all(np.array_equal(again[k], built[k]) for k in built)
    broken = kept.with_name("broken")  # replaced, not cut in place: `again` still maps the file
    broken.write_bytes(kept.read_bytes()[:1000])
    broken.replace(kept)
    rebuilt = _tables()
    assert all(np.array_equal(rebuilt[k], built[k]) for k in built) and kept.stat().st_size > 10**7
    assert _CompiledIdentifier(again).classify(ENGLISH)[0] == "en"


def test_damaged_tables_in_the_cache_are_refused_not_walked(tmp_path, monkeypatch):
    import numpy as np

    from audit.cache import keep_arrays
    from audit.text.language import _tables

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    good = {k: np.array(v) for k, v in _tables().items()}
    [kept] = (tmp_path / "corpus-audit").glob("langid-*.arrays")
    for name, damage in [("output", lambda a: a + 10**9), ("table", lambda a: a[:100]),
                         ("rowbase", lambda a: a + 2**40), ("nextmove", lambda a: a.astype(np.int64)),
                         ("classes", lambda a: a[:3])]:
        assert keep_arrays(kept, {**good, name: damage(good[name])})
        again = _tables()  # the compiled walk would read outside the tables: they are built again
        assert all(np.array_equal(again[k], good[k]) and again[k].dtype == good[k].dtype for k in good), name
