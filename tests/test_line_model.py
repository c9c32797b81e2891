"""The line model, its features and section-level leftovers (audit.lines.model, features, sections)."""

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.analyze import prepare
from audit.cleaning.run import clean
from audit.errors import RuleError
from audit.lines import features, sections
from audit.lines import model as line_model
from audit.lines.rules import load_rules
from audit.lines.statistics import SIGNALS
from audit.records import Document
from audit.settings import LineSettings, ScanSettings

BODY = [
    "The storm hit the coast early on Monday, and the state closed every road into the port for the day.",
    "Officials said the cleanup would take weeks, and that the shops on the front would stay shut.",
    "Schools sent their pupils home early, and the buses stopped running before noon.",
    "By evening the water had gone down, but the power was still out in half of the town.",
    "The mayor said the town would ask the state for help to pay for the repairs.",
    "Some of the older houses near the harbour were badly damaged by the water and the wind.",
]
COMMENTS = [
    "3 Comments",
    "What a storm. We lost power for two days and the cellar is still full of water.",
    "Ann said...",
    "Thanks for the update, it is good to hear that everyone is safe and sound.",
    "Bob said...",
    "Our street was closed too, and nobody told us when it would open again.",
]


@pytest.fixture(scope="module")
def rules():
    return load_rules(known=SIGNALS)


def flagged(text, rules, **settings):
    prepared = prepare(Document("d", "s", "\n".join(text)), rules, LineSettings(**settings))
    return {f.line: f for f in prepared.flags if f.signal.kind == "boilerplate"}, prepared


def test_a_comments_block_is_flagged_whole_from_its_heading(rules):
    found, prepared = flagged(BODY + COMMENTS, rules, model_min_score=None)
    lines = sorted(n for n, f in found.items() if f.signal.id == "lines.section")
    # The heading itself may be a rule's; every comment line after it is the section's.
    assert set(range(len(BODY) + 2, len(BODY) + len(COMMENTS) + 1)) <= set(lines) | {h.line for h in prepared.hits}
    assert not any(n <= len(BODY) for n in found)
    assert "comments heading '3 Comments'" in found[len(BODY) + 2].detail


def test_comment_signatures_alone_open_a_block_but_a_dateline_does_not():
    signed = BODY + ["Great piece.", "Posted by: tj at October 30, 2012 01:57 PM", "I agree with tj.",
                     "Posted by: Ann at October 30, 2012 02:10 PM", "Me too.", "Posted by: Bob at October 31, 2012 9:45 AM"]
    assert sections.comment_block(signed) == (len(BODY) + 2, "comment signature 'Posted by: tj at October 30, 2012 01:57 PM'")
    dateline = ["Storm hits the coast", "By Ann Smith", "June 3rd, 2012 at 4:15 pm"] + BODY
    assert sections.comment_block(dateline) is None
    assert sections.comment_block(["Leave a comment"] + BODY) is None


def test_commenters_links_and_names_sign_comments_but_one_link_does_not():
    thread = ["Good luck, you have done it before.", "http://twitter.com/danamac Dana McMahan",
              "I wish you well.", "http://mccooltravel.wordpress.com McCool Travel", "Get after it!",
              "http://free-range.org FreeRange Pamela", "I know exactly how you feel."]
    assert sections.comment_block(BODY + thread) == (len(BODY) + 2, "comment signature 'http://twitter.com/danamac Dana McMahan'")
    assert sections.comment_block(BODY + ["Read the report:", "https://example.com/report.pdf Full Report"] + BODY) is None


def test_signatures_dated_without_a_year_or_run_into_the_name_open_a_block():
    # A thread dates this year's comments by weekday, and text extraction runs the commenter's
    # name into the date where the page set them side by side.
    weekday = ["Mary On Thursday, November 1 at 2:58 pm", "My mom did that once.",
               "Leah H. On Friday, November 2 at 1:32 pm", "Too funny.", "Sonya On Thursday, November 1 at 4:06 pm"]
    assert sections.comment_block(BODY + weekday) == (len(BODY) + 1, f"comment signature {weekday[0]!r}")
    glued = ["PandoraJuly 30, 2012 at 7:45 pm", "Dear Annie, I understand.",
             "Katie (My Mother Killed Christ)July 6, 2012 at 2:40 pm", "Forgiveness for others.", "TarekJune 27, 2012 at 2:24 pm"]
    assert sections.comment_block(BODY + glued) == (len(BODY) + 1, f"comment signature {glued[0]!r}")
    # A date needs its year or its weekday, and a name run into it a lower-case letter before the month.
    assert not any(sections.signature(t) for t in ["WASHINGTON, November 1 at 2:58 pm", "Updated: Thursday, Nov. 1",
                                                   "HOUSTONJuly 30, 2012 at 7:45 pm"])
    # Nor does a schedule: a sentence that sets a date, an event listed with what it is.
    schedule = ["The vote is on Tuesday, Nov. 5 at 8:00 pm", "Friday, May 3 at 7:30 pm — opening concert at City Hall",
                "Council meets on Tuesday, Nov. 5 at 7 pm", "Tuesday, Nov. 6, 7:45 p.m."]
    assert sections.comment_block(BODY + schedule) is None


def test_a_thread_signed_with_how_long_ago_opens_a_block_but_a_live_blog_does_not():
    thread = ["Ann Lee • 2 hours ago", "Good piece.", "bob_k (3 days ago)", "Agreed.", "Jane Doe • a year ago", "No."]
    assert sections.comment_block(BODY + thread) == (len(BODY) + 1, "comment signature 'Ann Lee • 2 hours ago'")
    live = ["Updated 2 hours ago", "Crews reached the harbour.", "Posted 3 hours ago", "The road is shut.",
            "By Ann Lee 4 hours ago", "Rain again.", "The storm hit the town 5 hours ago", "Sam Jones, 12 minutes ago",
            "Elvis died 40 years ago", "Kane scores! 3 minutes ago"]
    assert sections.comment_block(BODY + live) is None
    # A list of stories dated the same way, inside the text: a headline under each date, not a comment.
    stories = ["Storm hits the coast", "World • 2 hours ago", "Markets rally again", "Business • 3 hours ago",
               "Cup final goes to extra time", "Sport • 5 hours ago"]
    assert sections.comment_block(BODY + stories + BODY) is None


def test_the_section_signal_can_be_switched_off(rules):
    prepared = prepare(Document("d", "s", "\n".join(BODY + COMMENTS)), rules, LineSettings(model_min_score=None),
                       frozenset({"lines.section"}))
    assert not any(f.signal.id == "lines.section" for f in prepared.flags)


def test_every_feature_has_phrases_and_a_column():
    names = features.feature_names()
    assert len(names) == len(set(names)) and set(names) <= set(features.feature_phrases())
    text = ["Home | News | Sport | Weather", "", BODY[0]]
    layout = prepare(Document("d", "s", "\n".join(text)), load_rules(known=SIGNALS), LineSettings()).layout
    x, numbers = features.line_features(text, layout, set())
    own = dict(zip(names, x[0]))
    # The prose line is the main text: not scored.
    assert numbers.tolist() == [1] and own["separators"] > 0 and own["short"] == 1
    assert features.stop_words() >= {"the", "of", "and", "to"}


#: The date, time and counter features as plain patterns: what the features' faster ones must say.
PLAIN_TIME = re.compile(r"\b\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?\b)?|\b\d{1,2}\s*[ap]\.?m\.?\b", re.I)
PLAIN_DATE = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
                        r"|\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
                        r"|\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:19|20)\d{2}\b", re.I)
PLAIN_COUNTER = re.compile(r"\(\d+\)|\b\d+\s+(?:comments?|repl(?:y|ies)|views?|shares?|likes?|votes?|points?"
                           r"|responses?)\b|^\s*#?\d+[.:)]?\s*$|^\s*\d+\.\s+\S", re.I)
#: Pieces of lines that meet the patterns' edges: digits (other scripts' too), month names in other
#: cases (a long s matches an s), clock marks, separators, words the patterns read.
PIECES = ["1", "12", "2012", "1999", "3:45", "١٢", "²", "jan", "Sept", "SEP", "ſep", "May", "dec", "ember", "pm",
          "A.M.", "a", "m", " ", "  ", "\t", "\xa0", ".", ",", ":", "/", "-", "#", "(", ")", "_", "x", "é",
          "comments", "Reply", "views", "points", "responses", "Σ", "ς", "σ", "İ", "i\u0307", "I"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=10).map("".join))
def test_the_date_time_and_counter_features_say_what_the_plain_patterns_say(text):
    assert features._dated(text) == bool(PLAIN_TIME.search(text) or PLAIN_DATE.search(text))
    assert features._counter(text) == bool(PLAIN_COUNTER.search(text))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES + ["Share", "SHARE", "this", "ΟΔΟΣ", "οδος"]), max_size=5).map("".join),
                min_size=1, max_size=12), st.data())
def test_a_line_repeats_when_another_folds_the_same(lines, data):
    wanted = data.draw(st.lists(st.integers(0, len(lines) - 1), unique=True))
    folds = [" ".join(line.split()).lower() for line in lines]
    assert features._repeated(lines, wanted) == {k for k in wanted if folds.count(folds[k]) > 1}


def test_title_case_counts_the_capitals_of_words_only():
    # A Roman numeral (Ⅳ) is a word character and upper case, but no letter: it starts no word.
    title = [n for n, _, _ in features.OWN].index("title")
    assert [features.shape(t, frozenset())[title] for t in ("Ⅳ Ⅴ go", "Chapter Ⅳ begins now", "12 Main Street")] == [
        0.0, pytest.approx(1 / 3), 1.0]


def test_lines_read_only_as_context_give_the_columns_the_context_reads():
    stops = features.stop_words()
    lines = BODY + COMMENTS + TAIL + ["Home | News | Sport", "* Posted 2:42 PM (3)", "https://example.com/a", "",
                                      "ÉTÉ 2012: 45% ²", "Read more:"]
    for line in lines:
        whole, part = features.shape(line, stops), features.shape(line, stops, whole=False)
        for c in range(len(features.OWN)):
            assert part[c] == (whole[c] if c in features._CONTEXT_COLUMNS else 0.0), (line, c)


def test_each_row_reads_its_neighbours_and_the_lines_within_reach():
    stops = features.stop_words()
    text = BODY + ["", "Story widgets", "Pingback"] + COMMENTS
    prepared = prepare(Document("d", "s", "\n".join(text)), load_rules(known=SIGNALS), LineSettings())
    flagged = {2, 9}
    x, numbers = features.line_features(text, prepared.layout, flagged)
    names = features.feature_names()
    present = [i for i, line in enumerate(text, start=1) if line.strip()]
    own = {i: features.shape(text[i - 1], stops) for i in present}
    col = {n: k for k, (n, _, _) in enumerate(features.OWN)}
    assert len(numbers) and not flagged & set(numbers.tolist())
    for row, i in zip(x, numbers.tolist()):
        got = dict(zip(names, row))
        k = present.index(i)
        assert list(row[:len(features.OWN)]) == own[i]
        if k > 0:
            before = present[k - 1]
            assert got["before.title"] == own[before][col["title"]] and got["before.flagged"] == (before in flagged)
        around = [present[j] for j in range(max(k - 3, 0), min(k + 4, len(present))) if j != k]
        assert got["window.stop"] == pytest.approx(sum(own[j][col["stop"]] for j in around) / len(around))
        assert got["window.flagged"] == pytest.approx(sum(j in flagged for j in around) / len(around))
        assert got["position"] == k / (len(present) - 1)


# Furniture no rule knows (the rules know "Story tools", "TrackBack" and "Email This"): the model's to find.
TAIL = ["Story widgets", "Pingback", "Mail This", "Clip This", "Gift This"]


def test_the_model_flags_furniture_after_the_text_and_says_why(rules):
    found, _ = flagged(BODY + TAIL, rules, model_min_score=0.5)
    mine = {n: f for n, f in found.items() if f.signal.id == "lines.model"}
    assert mine and set(mine) <= set(range(len(BODY) + 1, len(BODY) + len(TAIL) + 1))
    assert not any(n <= len(BODY) for n in found)
    # The message names the features that pushed the score up most, in their phrases.
    phrases = {p for pair in features.feature_phrases().values() for p in pair}
    assert all(f.detail.startswith("score 0.") and f.detail.split(": ", 1)[1].split(", ")[0] in phrases
               for f in mine.values())
    off, _ = flagged(BODY + TAIL, rules, model_min_score=None)
    assert not any(f.signal.id == "lines.model" for f in off.values())
    strict, _ = flagged(BODY + TAIL, rules, model_min_score=0.99)
    assert not any(f.signal.id == "lines.model" for f in strict.values())


def test_clean_strips_what_the_model_and_the_section_flag_with_the_reason(tmp_path):
    doc = tmp_path / "post.txt"
    doc.write_text("\n".join(BODY + TAIL + COMMENTS))
    out = tmp_path / "out.txt"
    summary = clean([str(doc)], str(out), ScanSettings(jobs=1, lines=LineSettings(model_min_score=0.5)))
    log = [json.loads(line) for line in (tmp_path / "out.removals.jsonl").read_text().splitlines()]
    rules = {r["rule"] for r in log}
    assert {"lines.model", "lines.section"} <= rules
    assert all(r["why"] for r in log) and any("score 0." in r["why"] for r in log if r["rule"] == "lines.model")
    assert out.read_text().split("\n")[:len(BODY)] == BODY and "3 Comments" not in out.read_text()
    assert summary.lines_in == summary.lines_kept + summary.lines_removed and summary.lines_removed == len(log)


def test_a_model_file_of_other_features_is_refused(tmp_path):
    bad = tmp_path / "line-model.json"
    bad.write_text(json.dumps({"features": ["words"], "mean": [0], "scale": [1], "weights": [1], "bias": 0}))
    with pytest.raises(RuleError, match="line-model.json: the line model's features are not those"):
        line_model.load(bad)
    assert np.allclose(line_model.builtin().scale > 0, True)


def test_menu_rows_and_runs_of_items_outside_the_text_are_flagged_as_menus(rules):
    items = ["World", "Business", "Technology", "Science", "Health", "Sport"]
    text = ["Politics | Culture | Money | Travel"] + BODY + items
    found, _ = flagged(text, rules, model_min_score=None)
    menu = {n for n, f in found.items() if f.signal.id == "lines.menu"}
    assert 1 in menu and set(range(len(BODY) + 2, len(text) + 1)) <= set(found)
    assert "short items between separators" in found[1].detail
    assert not any(2 <= n <= len(BODY) + 1 for n in found)
    # The same items inside the text (between its paragraphs) are a list of the text.
    inside = BODY[:3] + items + BODY[3:]
    found, _ = flagged(inside, rules, model_min_score=None)
    assert not any(f.signal.id == "lines.menu" for f in found.values())


def test_the_threshold_is_a_share_or_false_in_a_config(tmp_path):
    from audit.config import load_settings
    from audit.errors import ConfigError

    config = tmp_path / "audit.toml"
    config.write_text("[tool.corpus-audit.lines]\nmodel-min-score = false\n")
    assert load_settings(str(config)).lines.model_min_score is None
    config.write_text("[tool.corpus-audit.lines]\nmodel-min-score = 1.5\n")
    with pytest.raises(ConfigError, match="'lines.model-min-score' must be between 0 and 1"):
        load_settings(str(config))
