"""A JSON report whose entries the scan rendered where the documents were analyzed is the report
rendered from the findings, byte for byte: with template findings added afterwards, duplicates,
input errors, repairs and a baseline that takes findings out."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.checks.run import check
from audit.pipeline import scan
from audit.records import Finding
from audit.report import markdown
from audit.report.formats import render
from audit.report.json_entries import findings_text, spliced
from audit.settings import ScanSettings

FOOTER = "Get our free weekly digest of the best local stories, every Friday morning."
ARTICLES = [
    "The council voted on Tuesday to close the old library and open a new one by the river next year.\n"
    "Residents said the library had been part of the town for a century, and many asked for a delay.",
    "The harbour will be dredged this winter so that larger ferries can dock there from next spring.\n"
    "Fishermen worry that the work will drive the fish away, and they asked the port for a payment.",
    "A new bus line will link the station with the hospital from March, the transport office said.\n"
    "The buses will run every ten minutes at peak hours and every twenty minutes in the evening.",
    "The school on the hill will get a new roof after a storm tore off half of it last month.\n"
    "Pupils have been taught in the sports hall since then, and parents asked for a quicker repair!",
]


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    records = [{"id": f"a{i}", "source": "town", "text": f"{text}\nShare this article\n{FOOTER}"}
               for i, text in enumerate(ARTICLES)]
    records += [{"id": "copy", "source": "wire", "text": ARTICLES[0]},
                {"id": "damaged", "source": "wire", "text": "The cafÃ© opened â€” at last.\n" + ARTICLES[2]},
                {"id": "a1", "source": "town", "text": "a repeated id"}]
    lines = [json.dumps(r) for r in records]
    lines.insert(3, "{not json")
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rendered_only(monkeypatch) -> list[object]:
    """Have the report fail if it renders a document's item, and count the findings it renders."""
    def refused(*args, **kwargs):
        raise AssertionError("the report rendered a document's entry the scan had rendered")

    monkeypatch.setattr(markdown, "document_json", refused)
    rendered: list[object] = []
    real = markdown.item

    def counted(value):
        rendered.append(value)
        return real(value)

    monkeypatch.setattr(markdown, "item", counted)
    return rendered


@pytest.mark.parametrize("jobs", [1, 2])
def test_entries_rendered_by_the_analysis_make_the_same_report(corpus, jobs, monkeypatch):
    # With two jobs, blocks of two documents go to the pool's processes, which render them there.
    monkeypatch.setattr("audit.engines.local.BLOCK_SIZE", 2)
    from audit.engines import local

    pools = []  # the analysis's pools
    real_pool = local.ProcessPoolExecutor

    def pool(*args, **kwargs):
        if kwargs.get("initializer") is local._start_worker:
            pools.append(kwargs)
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(local, "ProcessPoolExecutor", pool)
    settings = ScanSettings(jobs=jobs)
    expected = render(scan([str(corpus)], settings), "json", "feed")
    result = scan([str(corpus)], settings, json_report=True)
    # The corpus holds what the entries must follow: template findings added to four documents'
    # after the analysis, a duplicate, a repair, a leftover line and two input errors.
    report = json.loads(expected)
    rules = {f["rule"] for f in report["findings"]}
    assert {"lines.template", "duplicate.document", "input.unreadable"} <= rules
    assert any(f["kind"] == "encoding" for f in report["findings"])
    assert any(f["kind"] == "boilerplate" and f["rule"] != "lines.template" for f in report["findings"])
    assert len(pools) == (2 if jobs == 2 else 0)  # each scan's, with two jobs
    rendered = _rendered_only(monkeypatch)
    assert render(result, "json", "feed") == expected
    # Of the findings, the report rendered only the corpus's own (duplicates, input errors).
    findings = [value for value in rendered if isinstance(value, dict) and "kind" in value]
    assert findings == [f.to_json() for f in result.findings.extra]
    assert {f["kind"] for f in findings} == {"duplicate", "input-error"} and len(result.findings) > len(findings)


def test_a_baselines_report_renders_the_findings_left(corpus, tmp_path, monkeypatch):
    baseline = tmp_path / "baseline.json"
    check([str(corpus)], ScanSettings(jobs=1), write_baseline=str(baseline))
    # Every finding is recorded, so none is left to report; the documents are as they were,
    # their entries as the scan rendered them.
    judged = check([str(corpus)], ScanSettings(jobs=1), baseline=str(baseline), json_report=True).result
    assert judged.documents.rendered is not None
    report = json.loads(render(judged, "json", "feed"))
    plain = json.loads(render(scan([str(corpus)], ScanSettings(jobs=1)), "json", "feed"))
    assert report["findings"] == [] and plain["findings"]
    assert report["documents"] == plain["documents"]


finding = st.builds(lambda kind, line, text, detail: Finding("d", kind, "r", "info", "m", line=line, text=text,
                                                             detail=detail),
                    st.sampled_from(["boilerplate", "encoding", "quality"]), st.none() | st.integers(1, 6),
                    st.sampled_from(["", "x", '{"a": 1},\n    {', "},\n    {\n      ", "\u2028 ü"]),
                    st.sampled_from([{}, {"documents": 3}, {"before": "a,\n    {", "after": {"n": [1, {"k": "v"}]}}]))


@given(st.lists(finding, max_size=6), st.lists(finding, max_size=4))
def test_findings_added_to_a_document_are_spliced_among_its_rendered_ones_as_rendering_them_all_would(had, added):
    joined = had + added
    order = sorted(range(len(joined)), key=lambda k: joined[k].order())
    assert spliced(findings_text(had), added, order) == findings_text(sorted(joined, key=Finding.order))
