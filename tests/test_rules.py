import pytest

from audit.errors import RuleError
from audit.rules import builtin_rules_dir, load_file, load_rules

RULES = load_rules()


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_every_rule_passes_its_own_examples(rule):
    assert rule.match, f"{rule.id} has no must-match example"
    assert rule.check_examples() == []


def test_rule_packs_cover_the_first_families():
    families = {r.id.split(".")[0] for r in RULES.rules}
    assert {"share", "credit", "byline", "wire"} <= families


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
])
def test_bad_rule_files_are_refused_with_file_rule_and_key(tmp_path, body, message):
    with pytest.raises(RuleError) as err:
        load_rules([write(tmp_path, body)])
    assert message in str(err.value)


def test_duplicate_ids_and_unknown_disabled_ids_are_refused(tmp_path):
    folder = write(tmp_path, GOOD.replace("mine.sponsor", "share.widget"))
    with pytest.raises(RuleError, match="already defined in share.toml"):
        load_rules([folder])
    with pytest.raises(RuleError, match="no rule with id 'nope.nothing'"):
        load_rules(disabled=["nope.nothing"])


def test_head_and_tail_scopes(tmp_path):
    body = GOOD.replace('kind = "pattern"', 'kind = "pattern"\nscope = "tail"\nwithin = 1')
    rule = load_file(write(tmp_path, body) / "mine.toml")[0]
    from audit.rules import RuleSet
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
