import pytest

from audit.errors import ConfigError
from audit.records import Finding
from audit.settings import Thresholds, out_of_bounds
from audit.checks.thresholds import decide, evaluate


def _by_name(checks):
    return {c.name: c for c in checks}


def test_every_threshold_is_judged_with_value_and_limit(make_doc, make_result):
    docs = [make_doc("a", "x", grade=8.0), make_doc("b", "y", grade=11.0)]
    findings = [Finding("a", "boilerplate", "share.widget", "warning", "Share widget", line=3, text="Share"),
                Finding("b", "encoding", "encoding.mojibake", "info", "Repaired", line=1)]
    checks = _by_name(evaluate(make_result(docs, findings), Thresholds(
        max_boilerplate_share=0.01, max_repair_share=0.6, min_mean_grade=10, max_mean_grade=12)))
    assert [c.name for c in evaluate(make_result(docs), Thresholds())] == [
        "max-duplicate-share", "max-boilerplate-share", "max-repair-share", "max-input-errors",
        "max-passage-pairs", "min-mean-grade", "max-mean-grade", "max-other-language-share", "fail-on"]
    assert checks["max-boilerplate-share"].message == "max-boilerplate-share: 5.0% > 1.0%"
    assert checks["max-repair-share"].passed and checks["max-repair-share"].shown == "50.0%"
    assert checks["min-mean-grade"].message == "min-mean-grade: 9.5 < 10.0"
    assert checks["max-mean-grade"].passed
    assert checks["max-passage-pairs"].off and checks["max-passage-pairs"].passed
    assert checks["fail-on"].off


def test_fail_on_counts_findings_at_or_above_the_severity(make_doc, make_result):
    findings = [Finding("a", "boilerplate", "byline.by", "info", "Byline", line=1),
                Finding("a", "boilerplate", "share.widget", "warning", "Share", line=2),
                Finding("a", "input-error", "input.unreadable", "error", "bad")]
    result = make_result([make_doc("a", "x")], findings)
    assert _by_name(evaluate(result, Thresholds(fail_on="error")))["fail-on"].message == \
        "fail-on: 1 finding at severity error or above (input.unreadable 1)"
    info = _by_name(evaluate(result, Thresholds(fail_on="info")))["fail-on"]
    assert (info.value, info.passed) == (3, False)
    clean = _by_name(evaluate(make_result([make_doc("a", "x")], findings[:1]), Thresholds(fail_on="warning")))
    assert clean["fail-on"].passed and clean["fail-on"].value == 0


def test_unmeasured_readability_never_fails(make_doc, make_result):
    check = _by_name(evaluate(make_result([make_doc("a", "x")]), Thresholds(min_mean_grade=5)))["min-mean-grade"]
    assert check.passed and check.shown == "not measured"


def test_decide_records_checks_failures_and_verdict(make_doc, make_result):
    result = make_result([make_doc("a", "x")], input_errors=2)
    decide(result, Thresholds())
    assert result.verdict == "fail" and result.failures == ["max-input-errors: 2 > 0"]
    assert len(result.checks) == 9
    decide(result, Thresholds(max_input_errors=None))
    assert result.verdict == "pass" and result.failures == []


@pytest.mark.parametrize("limits, message", [
    ({"max_boilerplate_share": 5}, "'thresholds.max-boilerplate-share' must be a share from 0 to 1, not 5: "
                                   "shares are fractions (0.05 for 5%)"),
    ({"max_duplicate_share": -0.5}, "'thresholds.max-duplicate-share' must be a share from 0 to 1, not -0.5"),
    ({"max_repair_share": float("nan")}, "'thresholds.max-repair-share' must be a share from 0 to 1, not nan"),
    ({"max_input_errors": -3}, "'thresholds.max-input-errors' must be 0 or more, not -3"),
    ({"max_passage_pairs": -1}, "'thresholds.max-passage-pairs' must be 0 or more, not -1"),
    ({"max_mean_grade": float("inf")}, "'thresholds.max-mean-grade' must be a finite number, not inf"),
])
def test_a_limit_out_of_its_bounds_is_refused(limits, message):
    with pytest.raises(ConfigError) as err:
        Thresholds(**limits)
    assert str(err.value) == message


def test_limits_at_their_bounds_and_off_are_limits():
    Thresholds(max_duplicate_share=0, max_boilerplate_share=1, max_repair_share=None, max_input_errors=0,
               max_passage_pairs=0, min_mean_grade=-3.0, max_mean_grade=None)
    assert out_of_bounds("max_boilerplate_share", 1.0) is None and out_of_bounds("fail_on", "error") is None
