"""Line statistics: paragraph classes, hard-wrapped text, the main text, page dumps, flags."""

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.lines import statistics
from audit.lines.statistics import (LINKS, SIGNALS, block_after, blank, classify, flag_lines, layout, main_text,
                                    paragraphs, word_count, wrap_width)
from audit.settings import LineSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

S = LineSettings()
CASES = tomllib.loads((Path(__file__).parent / "data" / "paragraph_classes.toml").read_text())["case"]
ARTICLE = [
    "Storms hit the coast on Monday, and the state closed every road into the port for the day.",
    "",
    "What happens next",
    "",
    "Officials said the cleanup would take weeks. Shops stayed shut, and schools sent pupils home early.",
    "",
    "The governor said aid would arrive by Wednesday, and that the army would help clear the roads.",
]


def page_dump() -> list[str]:
    """A whole page as text: a navigation menu, the article, teasers and a footer."""
    menu = ["  * Home", "  * World", "  * Business", "  * Markets", "  * Tech", "  * Sport", "  * Opinion",
            "  * Culture", "  * Travel", "  * Video", "  * Podcasts", "  Subscribe", "  Sign In"]
    footer = ["  * About", "  * Careers", "  * Contact", "  * Help", "  * Archive", "  * Newsletters",
              "  * Events", "  * Store", "  Back to top"]
    return menu + ["", "Storm hits the coast", ""] + ARTICLE + ["", "  Most Popular", "  * Markets rally as oil falls",
                                                                  "  * Five things to know today"] + footer


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["text"][:30])
def test_paragraph_classes(case):
    assert classify(case["text"], S)[0] == case["class"]


def test_blank_lines_include_invisible_characters():
    assert blank("\u200b \t") and not blank(" a ")


def test_hard_wrapped_paragraphs_are_read_as_one():
    text = ("The storm hit the coast early on Monday, and state officials closed the roads\n"
            "into the port for the rest of the day while crews cleared fallen trees from\n"
            "the highway.\n\n"
            "[1]: https://example.com/2019/11/19/the-storm-that-hit-the-coast-early-on-mon\n"
            "day-and-closed-the-roads/\n"
            "Short line that is not wrapped.").split("\n")
    assert wrap_width(text, S) == 77
    paras = paragraphs(text, S)
    assert [(p.first, p.last, p.cls) for p in paras] == [(0, 2, "prose"), (4, 5, LINKS), (6, 6, "middling")]


def test_unwrapped_text_keeps_one_paragraph_per_line():
    assert wrap_width(ARTICLE, S) is None
    assert [p.first for p in paragraphs(ARTICLE, S)] == [0, 2, 4, 6]


def test_main_text_is_the_stretch_where_prose_outweighs_the_rest():
    lines = page_dump()
    doc = layout(paragraphs(lines, S), S)
    first, last = doc.main_lines()
    assert lines[first - 1].startswith("Storms hit the coast")
    assert lines[last - 1].startswith("The governor said")
    assert doc.page_dump


def test_an_article_with_a_title_is_not_a_page_dump_and_keeps_every_line():
    lines = ["Storm hits the coast", "By Jane Doe"] + ARTICLE
    doc = layout(paragraphs(lines, S), S)
    assert not doc.page_dump
    assert flag_lines(lines, doc) == []


def test_page_dump_lines_outside_the_main_text_are_flagged():
    lines = page_dump()
    flags = flag_lines(lines, layout(paragraphs(lines, S), S))
    flagged = {f.line for f in flags if f.signal.id == "lines.page"}
    article = {i + 1 for i, line in enumerate(lines) if line in ARTICLE and line}
    assert flagged and not flagged & article
    assert {lines[n - 1].strip() for n in flagged} >= {"* Home", "Sign In", "Back to top", "* Five things to know today"}
    # a line a rule claimed gets no second flag
    claimed = min(flagged)
    assert claimed not in {f.line for f in flag_lines(lines, layout(paragraphs(lines, S), S), {claimed})}


def test_page_dump_thresholds_are_settings():
    lines = page_dump()
    strict = LineSettings(min_page_menu_lines=100)
    assert not layout(paragraphs(lines, strict), strict).page_dump


def test_claimed_lines_count_against_the_main_text():
    lines = ARTICLE + ["", "Comments", "", "jdoe", "2 days ago",
                       "I think the state should have closed the roads much earlier than it did on Monday, "
                       "and I said so at the council meeting last year, when the first storm came through and "
                       "nobody listened to the people who live on the coast."]
    paras = paragraphs(lines, S)
    claimed = {9, 13}  # "Comments" and the timestamp, as rules would flag them
    assert main_text(paras, S)[1] == len(paras) - 1
    assert main_text(paras, S, claimed)[1] == 3


def test_a_list_right_after_the_text_belongs_to_it():
    lines = ARTICLE + ["", "The band's tour dates this summer", "June 9 – West City, at the Example Arena", "June 10 – East Town, at the Old Hall"]
    doc = layout(paragraphs(lines, S), S)
    assert doc.main_lines()[1] == len(lines)


def test_links_urls_and_symbols():
    lines = ["[Home][1] · [World][2] · [Sport][3]", "https://example.com/story", "12:45 — 3-1 (2)"] + ARTICLE
    flags = {f.line: f.signal for f in flag_lines(lines, layout(paragraphs(lines, S), S))}
    assert flags[1].id == "lines.links" and flags[1].kind == "boilerplate"
    assert flags[2].id == "lines.url" and flags[2].kind == "quality"
    assert flags[3].id == "lines.symbols" and flags[3].kind == "quality"


def test_block_after_a_heading_stops_at_prose():
    lines = ["Most read", "* Markets rally as oil falls", "* Five things to know today"] + ARTICLE
    assert block_after(paragraphs(lines, S), 1) == [2, 3]


def test_every_signal_has_an_id_a_kind_and_a_message():
    for signal_id, signal in SIGNALS.items():
        assert signal.id == signal_id and signal_id.startswith("lines.")
        assert signal.kind in ("boilerplate", "quality") and signal.message and signal.description


def test_the_docs_give_every_line_setting_with_its_default():
    import dataclasses
    docs = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text()
    for field in dataclasses.fields(LineSettings):
        default = "off" if field.default is None else str(field.default).lower() if isinstance(field.default, bool) else field.default
        assert f"| `{field.name.replace('_', '-')}` | `{default}` | {field.metadata['doc']} |" in docs


def test_a_table_printed_one_cell_a_line_is_data_not_a_page_dump():
    # An extractor's output of a poll page: the article, then its tables one cell a line. Names and
    # codes are short lines, but figures recur among them ("Obama +3", "56%"): a table, not a menu.
    rows = [cell for n in range(12) for cell in (f"CA-{n + 1}", f"Jane Doe{'e' * n}", f"Obama +{n + 2}")]
    lines = ARTICLE + ["", "2012 Battleground Districts:", "District", "Incumbent", "2008 margin"] + rows
    doc = layout(paragraphs(lines, S), S)
    assert {p.cls for p in doc.paragraphs[len(ARTICLE) // 2 + 2:]} == {"table"}
    assert not doc.page_dump and flag_lines(lines, doc) == []


def test_a_dialogue_of_short_sentences_is_not_a_menu():
    qa = [line for n in range(12) for line in (f"Q: Question {n}?", "A: No.")]
    lines = qa + [""] + ARTICLE
    assert not layout(paragraphs(lines, S), S).page_dump
    # the same lines without their full stops and question marks read as a menu around the text
    menu = [line.rstrip(".?") for line in qa]
    assert layout(paragraphs(menu + [""] + ARTICLE, S), S).page_dump


def test_a_slideshow_inside_the_text_is_flagged_and_does_not_cut_the_text():
    # A slideshow between two halves of an article: its label printed once a slide, and its counter.
    label = ["From the campaign trail", ""] * 30
    counter = [str(n) for n in range(1, 31)]
    lines = ARTICLE + [""] + label + counter + [""] + ARTICLE
    doc = layout(paragraphs(lines, S), S)
    assert doc.main_lines() == (1, len(lines)) and not doc.page_dump
    flagged = {f.line: f.signal.id for f in flag_lines(lines, doc)}
    assert {lines[n - 1] for n in flagged} == {"From the campaign trail"} | set(counter)
    assert set(flagged.values()) == {"lines.repeated"}
    # four times in a row is not yet a run
    assert not [p for p in paragraphs(ARTICLE + ["", "Photos", "Photos", "Photos", "Photos"], S) if p.repeat]


def test_a_list_item_a_rule_flagged_does_not_end_the_list():
    items = [f"- Competitive Marketing Volume {n}: How To Win The Room" for n in range(8)]
    lines = ARTICLE + [""] + items
    claimed = {len(ARTICLE) + 4}  # one item in the middle of the list matched a rule
    doc = layout(paragraphs(lines, S), S, claimed)
    assert doc.main_lines()[1] == len(lines)
    # a flagged line that is no list item still ends it
    lines = ARTICLE + [""] + items[:3] + ["Click here to subscribe"] + items[3:]
    assert layout(paragraphs(lines, S), S, {len(ARTICLE) + 5}).main_lines()[1] == len(ARTICLE) + 4


def test_a_numbered_list_in_sequence_is_the_texts_own_not_a_menu():
    contents = [f"{n}. Chapter Title {n}" for n in range(1, 25)]
    assert not layout(paragraphs(ARTICLE + [""] + contents, S), S).page_dump
    # the same items unnumbered are a menu around the text; numbered out of sequence, too
    assert layout(paragraphs(ARTICLE + [""] + [c.split(". ", 1)[1] for c in contents], S), S).page_dump
    assert layout(paragraphs(ARTICLE + [""] + [f"{3 * n}. Chapter Title" for n in range(24)], S), S).page_dump


#: Pieces of paragraphs that meet the edges of the word count and of the URL patterns.
PIECES = ["word", "Www", "www", ".", ":", "/", "//", "com", "COM", "html", "aspx", "io", "x", "_", "-", "'", " ", "\t",
          "\xa0", "9", "é", "東京", "ſ", "’", "e.g", "https", "[a](b)", "\x1f"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_the_word_count_and_the_url_gate_say_what_the_plain_patterns_say(text):
    # The word count's ASCII path counts what \w+ finds; the URL gate finds what the plain
    # alternation finds ("://", "www." or a domain's end).
    plain_words = re.findall(r"\w+", text)
    if text.isascii() or not statistics._WIDE.search(text):
        assert word_count(text) == len(plain_words)
    plain_url = re.compile(r"://|www\.|\.(?:com|org|net|edu|gov|io|co|info|html?|php|aspx?)\b", re.I)
    assert bool(statistics._URL_PART.search(text)) == bool(plain_url.search(text))
