import xml.etree.ElementTree as ET

from audit.junit import render_junit
from audit.records import Check, Finding


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
