import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

from audit.config import load_settings
from audit.report.junit import render_junit
from audit.records import Check, Finding
from audit.pipeline import scan

STRICT = Path(__file__).parent / "data" / "strict.toml"


def test_each_threshold_is_a_test_case(seeds):
    settings = dataclasses.replace(load_settings(str(STRICT)), jobs=1)
    root = ET.fromstring(render_junit(scan([str(seeds)], settings), "seeds"))
    suite = root.find("testsuite")
    outcome = {case.get("name"): ("failure" if case.find("failure") is not None else
                                  "skipped" if case.find("skipped") is not None else "pass")
               for case in suite.iter("testcase")}
    assert outcome == {"max-duplicate-share": "pass", "max-boilerplate-share": "failure", "max-repair-share": "pass",
                       "max-input-errors": "pass", "max-passage-pairs": "failure", "min-mean-grade": "skipped",
                       "max-mean-grade": "failure", "max-other-language-share": "skipped", "fail-on": "failure"}
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("9", "4", "2")
    failure = suite.find("testcase[@name='fail-on']/failure")
    assert failure.get("message").startswith("fail-on: 3 findings at severity warning or above")
    assert "000_bcb7408d258baeaa.txt:15: Share widget text left in the page" in failure.text
    rules = [case.get("name") for case in root.find("testsuite[@name='corpus-audit findings']")]
    assert rules == ["byline.by", "credit.label", "passage.shared", "share.widget", "wire.contributed"]


def test_control_characters_in_scraped_text_still_give_valid_xml(make_doc, make_result):
    finding = Finding("a", "boilerplate", "share.widget", "warning", "Share widget", line=1, text="Share\x0b\x1b[0m <it>")
    result = make_result([make_doc("a", "x")], [finding])
    result.checks = [Check("fail-on", 1, "warning", False, "1 finding", "warning", "1 finding at severity warning")]
    root = ET.fromstring(render_junit(result, "docs & more"))
    assert root.get("name") == "corpus-audit docs & more"
    failure = root.find("testsuite/testcase[@name='fail-on']/failure")
    assert "a:1: Share widget: “Share \ufffd[0m <it>”" in failure.text  # \x0b is a space, \x1b is not XML
    [case] = root.findall("testsuite[@name='corpus-audit findings']/testcase")
    assert case.get("name") == "share.widget" and case.find("system-out").text.startswith("1 found")
