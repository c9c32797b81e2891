import json

import jsonschema

from audit.records import Check, Finding
from audit.report.sarif import render_sarif


def test_every_kind_of_place_gives_valid_sarif(make_doc, make_result, sarif_schema):
    docs = [make_doc("a b.txt", "x", path="data/a b.txt"), make_doc("s1", "stdin", path="<stdin>", line=1),
            make_doc("z.txt", "z", path="/elsewhere/z.txt")]
    findings = [Finding("a b.txt", "duplicate", "duplicate.document", "warning", "Near-duplicate of z.txt"),
                Finding("s1", "boilerplate", "share.widget", "warning", "Share widget", line=2, text="Share"),
                Finding("z.txt", "encoding", "encoding.mojibake", "info", "Repaired", line=4, text="cafÃ©")]
    result = make_result(docs, findings)
    result.checks = [Check("max-duplicate-share", 0.33, 0.1, False, "33.3%", "10.0%", "33.3% > 10.0%")]
    result.verdict, result.failures = "fail", [result.checks[0].message]
    log = json.loads(render_sarif(result))
    assert list(jsonschema.Draft4Validator(sarif_schema).iter_errors(log)) == []
    results = log["runs"][0]["results"]
    places = [r.get("locations", [{}])[0].get("physicalLocation") for r in results]
    assert places[0] == {"artifactLocation": {"uri": "data/a%20b.txt", "uriBaseId": "%SRCROOT%"},
                         "region": {"startLine": 1}}
    assert places[1] is None and results[1]["message"]["text"].startswith("s1:2: ")
    assert places[2]["artifactLocation"] == {"uri": "file:///elsewhere/z.txt"}
    assert [r["level"] for r in results] == ["warning", "warning", "note"]
    assert all(len(r["partialFingerprints"]["corpusAudit/v1"]) == 16 for r in results)
    assert log["runs"][0]["properties"] == {"verdict": "fail", "failures": ["max-duplicate-share: 33.3% > 10.0%"]}
