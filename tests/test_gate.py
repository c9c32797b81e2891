"""The rules' gate (audit/lines/gate.py): it may only skip searches that would fail."""

from pathlib import Path

import pytest

from audit.lines.gate import Gate, Pattern, Unsupported, loosened
from audit.lines.rules import RuleSet, compile_rule, load_rules

hyperscan = pytest.importorskip("hyperscan")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="module")
def own_cache(tmp_path_factory):
    # One cache for the module: the built-in rules' gate takes seconds to build.
    with pytest.MonkeyPatch.context() as m:
        m.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


def hits(rules, lines):
    return [(h.line, h.rule.id, h.span) for h in rules.apply(lines)]


def both(rules):
    """The same rules without a gate and with one from the first line."""
    return (RuleSet(rules.rules, gate_after=None), RuleSet(rules.rules, gate_after=0))


def test_the_gate_finds_what_every_search_finds_on_the_examples_and_seeds():
    plain, gated = both(load_rules())
    examples = [ex for r in plain.rules for ex in (*r.match, *r.no_match)]
    assert hits(gated, examples) == hits(plain, examples)
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        assert hits(gated, lines) == hits(plain, lines), path.name
    assert gated._gate is not None and gated._gate.always == frozenset()


def rule(pattern, case_sensitive=False):
    return compile_rule({"id": "t.x", "kind": "pattern", "pattern": pattern, "message": "m",
                         "case_sensitive": case_sensitive, "match": ["x"]}, "t.toml")


@pytest.mark.parametrize("pattern, line", [
    (r"\bcafé\b", "un café noir"),            # \b around a non-ASCII letter
    (r"^\w+ \d+$", "Ärger ٣"),                # Unicode word characters and digits
    (r"^by\s+\w", "by\u00a0Émile"),           # a no-break space is \s
    (r"subscribe", "ſubscribe"),              # long s folds to s
    (r"kelvin", "\u212aelvin"),               # the Kelvin sign folds to k
    (r"^(?!.*\d)\w+$", "naïve"),              # lookaround, approximated
    (r"(\w)\1", "ßß"),                        # a backreference
    (r"[^\W\d]+x", "éx"),                     # a class the gate cannot loosen: always searched
    # regex's own syntax, which Hyperscan would read as something else: always searched
    (r"(?:cookie){e<=1} policy", "cokie policy"),  # fuzzy matching
    (r"\mfoo\M", "a foo b"),                  # word start and end
    (r"a{,3}b", "aab"),                       # {,n} is {0,n}
    (r"(?r)ab", "ab"),                        # reverse searching
    (r"(?>a+)b", "aab"),                      # an atomic group
])
def test_the_gate_keeps_what_unicode_matching_finds(pattern, line):
    r = rule(pattern)
    assert r.search(line) is not None
    plain, gated = both(RuleSet([r]))
    assert hits(gated, [line]) == hits(plain, [line]) != []


def test_a_line_that_no_pattern_can_match_is_not_searched():
    g = Gate([Pattern(0, r"^subscribe\b", True), Pattern(1, r"cookies?", True)])
    assert g.candidates("Body text about the weather.") == frozenset()
    assert g.candidates("SUBSCRIBE now") == {0}


def test_what_cannot_be_loosened_is_always_a_candidate():
    with pytest.raises(Unsupported):
        loosened(r"[^\W]x")
    with pytest.raises(Unsupported):
        loosened("é", ignore_case=True)
    g = Gate([Pattern(0, r"[^\W]x", False), Pattern(1, "é", True), Pattern(2, "plain", False)])
    assert g.always == {0, 1}
    assert g.candidates("nothing here") == {0, 1}


def test_a_compiled_gate_is_kept_in_the_cache_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    patterns = [Pattern(0, "sponsored", True)]
    Gate(patterns)
    [kept] = (tmp_path / "cache" / "corpus-audit").glob("gate-*.hsdb")
    again = Gate(patterns)
    assert again.candidates("Sponsored content") == {0}
    kept.write_bytes(b"0\nnot a database")
    assert Gate(patterns).candidates("Sponsored content") == {0}  # a broken cache is rebuilt


def test_a_gate_in_the_cache_is_read_at_the_first_line_and_one_not_there_is_compiled_later(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rules = [rule("sponsored"), rule("cookies")]
    late = RuleSet(rules, gate_after=3)
    late.apply(["Sponsored content", "Body"])  # two units: too few to compile for
    assert late._gate is not None and not late._gate.ready
    assert list((tmp_path / "cache").rglob("gate-*")) == []
    late.apply(["We use cookies"])
    assert late._gate.ready
    fresh = RuleSet(rules, gate_after=10**9)  # the same patterns: the cache has their gate now
    assert hits(fresh, ["We use cookies"]) == [(1, "t.x", (7, 14))]
    assert fresh._gate is not None and fresh._gate.ready
    plain = RuleSet(rules, gate_after=None)
    assert hits(plain, ["We use cookies"]) == [(1, "t.x", (7, 14))] and plain._gate is None


def test_a_rule_set_sends_no_database_to_workers():
    import pickle

    _, gated = both(load_rules())
    gated.apply(["Advertisement"])
    assert gated._gate is not None
    copy = pickle.loads(pickle.dumps(gated))
    assert copy._gate is None and hits(copy, ["Advertisement"]) == hits(gated, ["Advertisement"])


def test_without_hyperscan_every_pattern_is_searched(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "hyperscan", None)
    g = Gate([Pattern(0, "sponsored", True)])
    assert g.candidates("anything") is None


def test_threads_share_a_gate_each_with_its_own_scratch():
    from concurrent.futures import ThreadPoolExecutor

    g = Gate([Pattern(0, "sponsored", True), Pattern(1, "cookies", True)])
    lines = ["Sponsored content", "We use cookies", "Body text"] * 2000
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(g.candidates, lines))
    assert found == [frozenset({0}), frozenset({1}), frozenset()] * 2000
