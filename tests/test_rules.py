from pathlib import Path

import pytest

from audit.errors import RuleError
from audit.lines.statistics import SIGNALS
from audit.lines.rules import RuleSet, builtin_rules_dir, compile_rule, load_file, load_rules

RULES = load_rules()
#: The families DESIGN.md asks the rule packs to cover, by file.
FAMILIES = {"share", "credit", "byline", "wire", "newsletter", "consent", "navigation", "advert", "legal", "scrape"}


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_every_rule_passes_its_own_examples(rule):
    assert rule.match, f"{rule.id} has no must-match example"
    assert rule.check_examples() == []


def test_rule_packs_cover_every_family_with_examples_both_ways():
    by_family = {}
    for rule in RULES.rules:
        by_family.setdefault(rule.id.split(".")[0], []).append(rule)
        assert Path(rule.file).name == rule.id.split(".")[0] + ".toml", f"{rule.id} lives in {rule.file}"
    assert FAMILIES <= set(by_family)
    for family, rules in by_family.items():
        assert all(r.match for r in rules) and any(r.no_match for r in rules), family


def test_every_rule_has_a_language():
    assert {r.language for r in RULES.rules} <= {"en", "any"}
    assert all(r.language == "en" for r in RULES.rules if r.id.startswith("navigation."))
    assert {r.id for r in RULES.rules if r.language == "any"} >= {"advert.marker-intl", "scrape.markup"}


@pytest.mark.parametrize("line", [
    "The president told reporters on Monday that the talks would resume next week.",
    "Shares of the company rose 4% after it said profits had doubled.",
    "“We will share the results with the public,” she said.",
    "More than 100 people were hurt, and the search went on into the night.",
    "Related costs rose sharply in the third quarter, the company said.",
    "Subscribers to the service will pay more from January, the company said.",
    "The photo shows the two leaders shaking hands at the border.",
    "By the end of the year, prices had doubled in the capital.",
    "He said the copyright lawsuit would be filed in London next year.",
    "Cookies and cakes were sold at the fair to raise money for the school.",
    # prose about the things leftovers talk about: no rule may take it for the leftover itself
    "From the perspective of retailers, it’s understandable that physical shops want some of the information "
    "online outlets collect. We allow this to happen online so why not offline? The thresholds of a shopping "
    "centre are different from those between websites and, when you can wander freely from one place to "
    "another without a pop-up asking you to accept cookies, the rules of consent change.",
    "Regulators in Brussels said the company's cookie policy broke European law and fined it 50 million euros.",
    "Critics say that by using the site, millions of teenagers accept terms they never read.",
    "Residents can sign up for the county's emergency alerts on its website, officials said on Monday.",
    "Phishing emails that land in your inbox often look like messages from a bank, police warned.",
    "The album, released on Friday, is available on Spotify and Apple Music.",
    "Families who lost their homes in the flood have been compensated by the state, the minister said.",
    "A photo by Annie Leibovitz of the Queen sold at auction in London for more than 40,000 pounds on Tuesday.",
    "He sold the land without written consent from the council, the court heard.",
    "The views expressed by the minister are not shared by the rest of the cabinet, a spokesman said.",
    "The video is no longer available on YouTube after the platform removed it for breaking its rules.",
])
def test_news_prose_is_left_alone(line):
    assert RULES.apply([line]) == []


# The furniture that news and blog templates print around an article, across sites and years: each
# line alone after an article's text is claimed by a rule (one per kind of template, not a fit to a
# corpus: the dev sets are scored in bench/extraction.py).
FURNITURE = [
    "Story tools", "E-mail this story", "Printer-friendly version", "Text size: A A A", "Digg It!",
    "Digg del.icio.us StumbleUpon Newsvine", "Add to My Yahoo!", "TrackBack", "Permalink", "Comments (0)",
    "Read comments (14)", "Rate this article", "Posted by John Smith at 2:42 PM", "Previous 1 / 6 Next",
    "Enlarge this image", "Newer Post Older Post Home", "Blog Archive", "View my complete profile",
    "Powered by Blogger.", "Blog at WordPress.com.", "Entries (RSS) and Comments (RSS).", "Like Loading...",
    "You can follow any responses to this entry through the RSS 2.0 feed.", "Both comments and pings are currently closed.",
    "Join 1,234 other followers", "Tagged With: beach, summer", "Your email address will not be published. Required fields are marked *",
    "Share this Article", "Advertisement", "Skip to content", "Sign up for our newsletter", "STORY HIGHLIGHTS",
    "Ads by Google", "Find more stories in the Politics section", "E-mail to a friend | Mixx it | Share",
    # other kinds of pages: recipes, shops, forums, wikis, help centres, press releases
    "Jump to Recipe", "Add to Cart", "Reply With Quote", "Originally Posted by Ann", "[edit]",
    "From Wikipedia, the free encyclopedia", "Was this article helpful?", "View original content: https://example.com/release.html",
    # author boxes, social profiles, share and comment notices, finance pages
    "View all posts by Jane Doe", "Twitter: @example", "If you enjoyed this article, please share it with your friends.",
    "Published: May 2, 2012 | Tags: storms, coast", "By Jane Doe |", "(Video via Example)", "Never miss a recipe",
    "Quotes delayed at least 15 minutes.", "We reserve the right to delete comments which contain profanity.",
    "Complete coverage: Election 2012", "About these ads", "One blogger likes this.",
    "A version of this article appeared in print on May 2, 2012, on page A1 of the New York edition with the headline: Storm.",
    "About the Author: Jane Doe is a writer in Ohio.", "Storm Chasers from Example Films on Vimeo.",
]


@pytest.mark.parametrize("line", FURNITURE)
def test_page_furniture_after_an_article_is_claimed_by_a_rule(line):
    article = ["The storm hit the coast early on Monday, and the state closed every road into the port for the day.",
               "Officials said the cleanup would take weeks, and that the shops on the front would stay shut."]
    assert [h.line for h in RULES.apply(article + [line])] == [3]


def test_no_rule_takes_a_link_block_heading_before_its_block_rule():
    # A heading of a list of links takes the list along only when its own (block) rule claims it: a
    # rule loaded before it that knows the heading too would leave the list in the text.
    article = ["The storm hit the coast early on Monday, and the state closed every road into the port for the day."]
    for rule in (r for r in RULES.rules if r.block):
        for heading in sorted(rule.phrases | set(rule.match)):
            claims = [h.rule for h in RULES.apply(article + [heading]) if h.line == 2]
            assert claims and claims[0].block, (heading, rule.id, [r.id for r in claims])


def test_seed_leftovers_are_flagged_and_prose_is_not(seeds):
    lines = (seeds / "000_bcb7408d258baeaa.txt").read_text().split("\n")
    hits = {h.line: h.rule.id for h in RULES.apply(lines)}
    assert hits == {2: "byline.by", 14: "credit.label", 15: "share.widget", 16: "share.widget"}
    lines = (seeds / "002_7ca3920c5da086aa.txt").read_text().split("\n")
    assert {h.line: h.rule.id for h in RULES.apply(lines)} == {23: "wire.contributed"}
    assert RULES.apply((seeds / "001_ee95094b592296d6.txt").read_text().split("\n")) == []


def write(tmp_path, body):
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "mine.toml").write_text(body)
    return folder


GOOD = '''
[[rule]]
id = "mine.sponsor"
kind = "pattern"
message = "Sponsor line"
pattern = '^sponsored by '
action = "strip"
match = ["Sponsored by Acme"]
no_match = ["It was not sponsored by anyone."]
'''


def test_user_rules_are_added_and_can_be_disabled(tmp_path):
    folder = write(tmp_path, GOOD)
    rules = load_rules([folder])
    assert rules.rules[-1].id == "mine.sponsor"
    assert "mine.sponsor" not in {r.id for r in load_rules([folder], disabled=["mine.sponsor"]).rules}


@pytest.mark.parametrize("body, message", [
    (GOOD.replace('kind = "pattern"', 'kind = "magic"'), "mine.toml: rule 'mine.sponsor': kind: must be one of"),
    (GOOD.replace("'^sponsored by '", "'(unclosed'"), "mine.toml: rule 'mine.sponsor': pattern: invalid regular expression"),
    (GOOD.replace('action = "strip"', 'action = "strip"\ncolour = "red"'), "mine.toml: rule 'mine.sponsor': colour: unknown key"),
    (GOOD.replace('match = ["Sponsored by Acme"]', 'match = []'), "mine.toml: rule 'mine.sponsor': match: needs at least one"),
    (GOOD.replace('id = "mine.sponsor"', 'id = "NoFamily"'), "mine.toml: rule 'NoFamily': id: must look like"),
    ("[[rule]\n", "mine.toml: not valid TOML"),
    (GOOD.replace('action = "strip"', 'action = "strip"\nlanguage = "english"'), "mine.toml: rule 'mine.sponsor': language: must be"),
    (GOOD.replace('action = "strip"', 'action = "strip"\nblock = "yes"'), "mine.toml: rule 'mine.sponsor': block: must be true or false"),
    ('colour = "red"\n' + GOOD, "mine.toml: unknown top-level key 'colour'"),
    ('language = "english"\n' + GOOD, "mine.toml: language: must be"),
])
def test_bad_rule_files_are_refused_with_file_rule_and_key(tmp_path, body, message):
    with pytest.raises(RuleError) as err:
        folder = write(tmp_path, body)
        load_rules([folder])
    assert str(err.value).startswith(f"{folder / message.split(':')[0]}:") and message in str(err.value)


def test_duplicate_ids_and_unknown_disabled_ids_are_refused(tmp_path):
    folder = write(tmp_path, GOOD.replace("mine.sponsor", "share.widget"))
    with pytest.raises(RuleError, match=r"mine\.toml: rule 'share\.widget': id: already defined in \S+/share\.toml$"):
        load_rules([folder])
    with pytest.raises(RuleError, match="no rule with id 'nope.nothing'"):
        load_rules(disabled=["nope.nothing"])


def test_a_strip_rule_wins_over_an_earlier_flag_rule():
    common = {"message": "m", "match": ["x"], "no_match": []}
    flag = compile_rule({"id": "a.flag", "kind": "pattern", "pattern": "x", "action": "flag", **common}, "a.toml")
    strip = compile_rule({"id": "b.strip", "kind": "pattern", "pattern": "x", "action": "strip", **common}, "b.toml")
    assert [h.rule.id for h in RuleSet([flag, strip]).apply(["x"])] == ["b.strip"]
    assert [h.rule.id for h in RuleSet([flag]).apply(["x"])] == ["a.flag"]


def test_units_let_a_rule_see_a_wrapped_paragraph_whole():
    lines = ["The Associated Press contributed to", "this report.", "", "Body."]
    assert RULES.apply(lines) == []
    hits = RULES.apply(lines, [(0, 1), (3, 3)])
    assert [(h.line, h.rule.id) for h in hits] == [(1, "wire.contributed"), (2, "wire.contributed")]


def test_language_and_block_keys(tmp_path):
    folder = write(tmp_path, 'language = "de"\n' + GOOD.replace('action = "strip"', 'action = "strip"\nblock = true'))
    rule = load_rules([folder], builtin=False).rules[0]
    assert (rule.language, rule.block) == ("de", True)
    rule = load_rules([write(tmp_path, GOOD.replace('action = "strip"', 'action = "strip"\nlanguage = "fr"'))],
                      builtin=False).rules[0]
    assert rule.language == "fr"


def test_line_statistics_can_be_switched_off_by_id_but_not_redefined(tmp_path):
    assert load_rules(disabled=["lines.page"], known=SIGNALS)
    with pytest.raises(RuleError, match="no rule with id 'lines.page'"):
        load_rules(disabled=["lines.page"])
    with pytest.raises(RuleError, match="already the id of a line statistic"):
        load_rules([write(tmp_path, GOOD.replace("mine.sponsor", "lines.page"))], known=SIGNALS)


def test_head_and_tail_scopes(tmp_path):
    body = GOOD.replace('kind = "pattern"', 'kind = "pattern"\nscope = "tail"\nwithin = 1')
    rule = load_file(write(tmp_path, body) / "mine.toml")[0]
    from audit.lines.rules import RuleSet
    rules = RuleSet([rule])
    assert [h.line for h in rules.apply(["Sponsored by A", "Body.", "Sponsored by B", ""])] == [3]


def test_builtin_rules_dir_exists():
    assert sorted(p.name for p in builtin_rules_dir().glob("*.toml"))


def test_a_catastrophic_pattern_cannot_hang_a_run(tmp_path):
    import time

    from audit.analyze import Analyzer
    from audit.records import Document, Origin
    from audit.settings import ScanSettings

    body = GOOD.replace("'^sponsored by '", "'(a|aa)+$'").replace('["Sponsored by Acme"]', '["aaaa"]')
    body = body.replace('["It was not sponsored by anyone."]', '["b"]')
    rules = load_rules([write(tmp_path, body)], timeout=0.2)
    doc = Document("d", "s", "Fine line.\n" + "a" * 5000 + "b\nSponsored by Acme", Origin("d"))
    started = time.monotonic()
    summary = Analyzer(ScanSettings(jobs=1, readability=False, tone=False), rules)(doc)
    assert time.monotonic() - started < 10
    [slow] = [f for f in summary.findings if f.kind == "quality"]
    assert (slow.rule, slow.line) == ("mine.sponsor", 2)
    assert "gave up" in slow.message


def _catastrophic(tmp_path):
    body = GOOD.replace("'^sponsored by '", "'(a|aa)+$'").replace('["Sponsored by Acme"]', '["aaaa"]')
    return write(tmp_path, body.replace('["It was not sponsored by anyone."]', '["' + "a" * 5000 + 'b"]'))


def test_rules_test_searches_examples_on_the_bounded_path(tmp_path):
    # The no_match example makes the pattern backtrack for minutes: `rules test` gives up on it.
    rules = load_rules([_catastrophic(tmp_path)], builtin=False, timeout=0.2)
    [problem] = rules.check_examples()
    assert problem.startswith("mine.sponsor: gave up after 0.2s on 'aaaa")


def test_a_document_has_one_budget_for_all_its_lines(tmp_path):
    rules = load_rules([_catastrophic(tmp_path)], builtin=False, timeout=0.2, budget=0.5)
    lines = ["a" * 5000 + "b"] * 20 + ["aaaa"]
    gave_up = [h for h in rules.apply(lines)]
    # Bounded per line alone, all 20 hostile lines would each cost the full limit; the budget ends
    # the document after a few, says so once, and searches nothing after it (not even line 21).
    assert all(h.timed_out for h in gave_up) and len(gave_up) < 20
    assert [h.budget_spent for h in gave_up] == [False] * (len(gave_up) - 1) + [True]


def test_a_budget_spent_is_reported_as_such(tmp_path):
    from audit.analyze import Analyzer
    from audit.records import Document, Origin
    from audit.settings import ScanSettings

    rules = load_rules([_catastrophic(tmp_path)], builtin=False, timeout=0.2, budget=0.3)
    doc = Document("d", "s", "\n".join(["a" * 5000 + "b"] * 5), Origin("d"))
    summary = Analyzer(ScanSettings(jobs=1, readability=False, tone=False), rules)(doc)
    last = [f for f in summary.findings if f.kind == "quality"][-1]
    assert "budget of 0.3s a document ran out" in last.message


@pytest.mark.parametrize("pattern", ["a*", "(?:)", "^", "x?|y", r"\s*$"])
def test_a_pattern_that_matches_the_empty_string_is_refused(tmp_path, pattern):
    body = GOOD.replace("'^sponsored by '", f"'{pattern}'")
    with pytest.raises(RuleError, match="mine.sponsor'?: pattern: matches the empty string"):
        load_rules([write(tmp_path, body)], builtin=False)


def test_a_load_compiles_no_pattern_the_cache_folder_knows_each_is_compiled_where_first_searched(tmp_path, monkeypatch):
    import pickle

    import regex

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = write(tmp_path, GOOD)
    load_rules([folder])  # checks every pattern, and keeps which are sound
    compiled = []
    real = regex.compile
    monkeypatch.setattr(regex, "compile", lambda *args, **kwargs: compiled.append(args[0]) or real(*args, **kwargs))
    rules = load_rules([folder])
    assert compiled == []
    # Their compiled flags are known all the same (the gate and a rule's digest read them).
    eager = load_file(folder / "mine.toml")[0]
    assert compiled == ["^sponsored by "] and eager.pattern.flags != eager.pattern.given
    sponsor = rules.rules[-1]
    assert (sponsor.pattern.flags, sponsor.pattern.given) == (eager.pattern.flags, eager.pattern.given)
    assert sponsor.search("Sponsored by Acme") == (0, 13) and compiled == ["^sponsored by "] * 2
    # Pickled (to a pool's or a cluster's worker), it is compiled again only where it is searched.
    sent = pickle.loads(pickle.dumps(sponsor))
    assert compiled == ["^sponsored by "] * 2 and sent.search("No sponsor here.") is None
    assert len(compiled) == 3
    # A pattern that is not sound is never among those known: a warm cache still refuses it at load.
    with pytest.raises(RuleError, match="mine.sponsor'?: pattern: invalid regular expression"):
        load_rules([write(tmp_path, GOOD.replace("'^sponsored by '", "'(unclosed'"))])
