import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.pipeline import scan
from audit.settings import ScanSettings

STORY = ("The city council voted on Tuesday to close the old harbour bridge for repairs that engineers say "
         "will take at least eighteen months and cost more than forty million pounds. ")
OTHER = ("A small bakery in the north of the county has won a national prize for its sourdough bread, beating "
         "more than three hundred entries from across the country in a blind tasting. ")
QUOTE = ("“We have no choice but to shut the bridge now, because the steel underneath is failing faster "
         "than anyone expected,” the chief engineer told reporters outside the town hall.")


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def quick():
    return ScanSettings(readability=False, tone=False, jobs=1)


def test_near_duplicate_documents_are_verified_and_clustered(tmp_path):
    base = STORY * 3 + "\n" + QUOTE
    rows = [
        {"id": "a", "source": "one", "text": base},
        {"id": "b", "source": "two", "text": base.replace("forty", "fifty") + "\nShare this article"},
        {"id": "c", "source": "three", "text": OTHER * 3},
    ]
    result = scan([write_jsonl(tmp_path / "docs.jsonl", rows)], quick())
    assert [(p.a, p.b) for p in result.duplicate_pairs] == [("a", "b")]
    assert 0.5 <= result.duplicate_pairs[0].similarity < 1.0
    [cluster] = result.clusters
    assert cluster.members == ["a", "b"] and cluster.kept == "a"
    assert [f.document for f in result.findings if f.kind == "duplicate"] == ["b"]


def test_shared_passage_between_sources_with_locations(tmp_path):
    rows = [
        {"id": "a", "source": "one", "text": STORY + "\n" + QUOTE},
        {"id": "b", "source": "two", "text": OTHER + "\n\n" + QUOTE.replace("told reporters", "said")},
        {"id": "c", "source": "one", "text": OTHER + "\n" + QUOTE},
    ]
    result = scan([write_jsonl(tmp_path / "docs.jsonl", rows)], quick())
    pairs = {(p.a.document, p.a.lines, p.b.document, p.b.lines) for p in result.passage_pairs}
    # a and c share the quote but are of one source: only pairs across sources count.
    assert pairs == {("a", (2, 2), "b", (3, 3)), ("b", (3, 3), "c", (2, 2)), ("b", (1, 1), "c", (1, 1))}
    pair = result.passage_pairs[0]
    assert pair.a.text == QUOTE and pair.b.text.endswith("the chief engineer said outside the town hall.")
    assert 0.5 <= pair.similarity < 1


@pytest.mark.parametrize("change", ["gone", "cut shorter"])
def test_verification_reads_what_the_analysis_read_not_the_file_again(tmp_path, change):
    # Once the file was re-read for verification, and a document cut shorter meanwhile had its
    # passage on a line it no longer had (an IndexError out of the scan). Now the analysis spools
    # each document's compared lines: the report is of the corpus as it was analyzed.
    base = STORY * 3 + "\n" + QUOTE
    rows = [{"id": "a", "source": "one", "text": base},
            {"id": "b", "source": "two", "text": base.replace("forty", "fifty")},
            {"id": "c", "source": "three", "text": OTHER * 3}]
    path = write_jsonl(tmp_path / "docs.jsonl", rows)
    found = scan([path], quick())
    assert found.duplicate_pairs and found.passage_pairs
    changed = [rows[0], rows[2]] if change == "gone" else [rows[0], {**rows[1], "text": STORY * 3}, rows[2]]

    def rewrite(analyzed: int) -> None:
        # The file changes after every document was analyzed, before verification.
        if analyzed == len(rows):
            write_jsonl(tmp_path / "docs.jsonl", changed)

    result = scan([path], quick(), progress=rewrite)
    assert [d.lines for d in result.documents] == [2, 2, 1]
    assert (result.duplicate_pairs, result.clusters, result.passage_pairs) == \
        (found.duplicate_pairs, found.clusters, found.passage_pairs)


def test_candidates_below_threshold_are_rejected(tmp_path):
    rows = [{"id": "a", "source": "one", "text": STORY}, {"id": "b", "source": "two", "text": OTHER}]
    result = scan([write_jsonl(tmp_path / "docs.jsonl", rows)], quick())
    assert result.duplicate_pairs == [] and result.passage_pairs == [] and result.clusters == []


def test_parallel_and_serial_runs_agree(tmp_path):
    rows = [{"id": str(i), "source": f"s{i % 3}", "text": (STORY if i % 2 else OTHER) + f" Item {i}.\n" + QUOTE}
            for i in range(80)]
    path = write_jsonl(tmp_path / "docs.jsonl", rows)
    from audit.report.markdown import to_json
    serial = to_json(scan([path], ScanSettings(jobs=1)))
    parallel = to_json(scan([path], ScanSettings(jobs=2)))
    serial.pop("generated"), parallel.pop("generated")
    assert serial == parallel


def test_the_corpus_pass_in_a_pool_gives_the_serial_report(tmp_path, monkeypatch):
    # Edited copies across sources (near-duplicates and shared passages), pages holding whole
    # articles (containment), a repeated footer (template lines): with two jobs the pass's bands
    # and blocks of passages (a few rows each here) go to its pool, and the report is the same.
    import random

    from audit.engines import local
    from audit.report.markdown import to_json
    from audit.similarity import duplicates

    rng = random.Random(4)
    stories = [article(100 + k, 60) for k in range(30)]
    rows = []
    for i in range(150):
        story = stories[i % 30]
        words = story.split(" ")
        for _ in range(i % 4):
            words[rng.randrange(len(words))] = rng.choice(WORDS)
        text = " ".join(words) if i % 7 else "\n".join([article(i, 24), story, article(i + 1, 36)])
        rows.append({"id": f"d{i}", "source": f"s{i % 5}", "text": text + "\nPrinted in the weekly edition of the paper"})
    path = write_jsonl(tmp_path / "docs.jsonl", rows)
    monkeypatch.setattr(duplicates, "PASSAGE_CALL", 5)
    monkeypatch.setattr(local, "POOL_AFTER", 0)
    calls: dict[str, int] = {}
    in_pool = local._in_pool

    def counted(pool, ahead, function, args):
        for result in in_pool(pool, ahead, function, args):
            calls[function.__name__] = calls.get(function.__name__, 0) + 1
            yield result

    monkeypatch.setattr(local, "_in_pool", counted)
    serial = to_json(scan([path], ScanSettings(jobs=1)))
    assert calls == {}
    parallel = to_json(scan([path], ScanSettings(jobs=2)))
    serial.pop("generated"), parallel.pop("generated")
    assert serial["clusters"] and serial["passage_pairs"] and any(f["rule"] == "lines.template" for f in serial["findings"])
    assert any(p["relation"] == "contained" for p in serial["duplicate_pairs"])
    assert serial == parallel
    settings = ScanSettings().similarity
    assert calls["key_pairs"] == settings.document_bands + settings.passage_bands
    assert calls["shared_passages"] > 1


WORDS = ("council bridge harbour engineers repairs months pounds bakery sourdough prize entries tasting "
         "river station weather market school hospital police budget minister election court ruling "
         "storm flood train airport museum festival concert stadium league season coach player").split()


def article(seed, n=120):
    import random
    rng = random.Random(seed)
    return ". ".join(" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(n // 12)) + "."


def test_an_article_inside_a_page_dump_is_reported_as_contained(tmp_path):
    story = article(1)
    page = "\n".join([article(2, 60), story, article(3, 400)])
    rows = [{"id": "clean", "source": "site", "text": story}, {"id": "page", "source": "site", "text": page},
            {"id": "other", "source": "site", "text": article(4)}]
    result = scan([write_jsonl(tmp_path / "docs.jsonl", rows)], quick())
    [pair] = result.duplicate_pairs
    assert (pair.a, pair.b, pair.relation) == ("clean", "page", "contained")
    assert pair.containment == 1.0 and pair.similarity < 0.5
    [cluster] = result.clusters
    assert cluster.members == ["clean", "page"] and cluster.kept == "clean" and cluster.containment == 1.0
    [finding] = [f for f in result.findings if f.kind == "duplicate"]
    assert finding.document == "page" and finding.detail == {"duplicate_of": "clean", "matched": "clean", "relation": "contains"}
    from audit.report.markdown import to_json
    data = to_json(result)
    assert data["clusters"][0]["pairs"][0]["relation"] == "contained"


def test_short_texts_do_not_count_as_contained(tmp_path):
    footer = "Copyright 2019 the Daily Example, all rights reserved, terms of use and privacy policy apply here."
    rows = [{"id": "footer", "source": "site", "text": footer},
            {"id": "page", "source": "site", "text": article(5) + "\n" + footer}]
    result = scan([write_jsonl(tmp_path / "docs.jsonl", rows)], quick())
    assert result.duplicate_pairs == [] and result.clusters == []


def test_one_strong_pair_does_not_chain_two_groups_together():
    import numpy as np

    from audit.similarity.cluster import cluster
    pairs = ([(i, j, 0.9) for i in range(4) for j in range(i + 1, 4)]
             + [(i, j, 0.9) for i in range(4, 8) for j in range(i + 1, 8)]
             + [(3, 4, 0.5)])  # the bridge: two page dumps sharing their site's template
    i, j, strength = (np.array(column) for column in zip(*pairs))
    assert sorted(cluster(i, j, strength, 0.2)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert cluster(i, j, strength, 0.0) == [list(range(8))]


def test_keep_policies():
    from audit.records import DocumentSummary, Finding, Origin
    from audit.similarity.cluster import keep

    def summary(i, words, flagged):
        findings = [Finding(str(i), "boilerplate", "x.y", "warning", "", line=n + 1) for n in range(flagged)]
        return DocumentSummary(str(i), "s", Origin("p"), 10, 10, words, words * 6, findings, None, None, None, None, [], None,
                               flagged_lines=flagged)

    summaries = [summary(0, 300, 2), summary(1, 900, 4), summary(2, 320, 0), summary(3, 20, 0)]
    members = [0, 1, 2, 3]
    assert keep(members, summaries, "longest") == (1, "longest")
    assert keep(members, summaries, "earliest") == (0, "read first")
    # 3 is clean but a fragment (under half the median length): 2 is the cleanest whole copy.
    assert keep(members, summaries, "cleanest") == (2, "fewest flagged lines")


def test_bad_keep_policy_is_a_config_error():
    from audit.errors import ConfigError
    from audit.settings import SimilaritySettings
    with pytest.raises(ConfigError, match="keep"):
        SimilaritySettings(keep="newest")
    with pytest.raises(ConfigError, match="document_bands"):
        SimilaritySettings(document_bands=40, document_rows=4)


@pytest.mark.slow
def test_a_bucket_of_many_copies_costs_pairs_linear_in_its_size(tmp_path):
    """300 copies of one text (a mirrored page): one cluster, each copy tied by one pair, and
    the report lists those ties rather than the ~300 x 200 verified pairs."""
    rows = [{"id": f"c{i:03d}", "source": f"s{i % 7}", "text": STORY * 3 + f"\nCopy number {i}."} for i in range(300)]
    rows.append({"id": "other", "source": "s0", "text": OTHER * 3})
    result = scan([write_jsonl(tmp_path / "docs.jsonl", rows)], quick())
    [cluster] = result.clusters
    assert cluster.members == [f"c{i:03d}" for i in range(300)]
    assert len(cluster.pairs) <= 299
    links = cluster.links()
    # Each copy is tied to the kept one where LSH paired them (a copy is paired with the next
    # 200 in its bucket), else to its strongest match inside the cluster.
    assert all(links[m][0] is not None and links[m][1] in cluster.members and links[m][1] != m
               for m in cluster.members if m != cluster.kept)
    assert sum(links[m][1] == cluster.kept for m in cluster.members) >= 200
    assert result.duplicate_pairs == cluster.pairs  # nothing was kept apart
    duplicates = [f for f in result.findings if f.kind == "duplicate"]
    assert len(duplicates) == 299 and {f.detail["duplicate_of"] for f in duplicates} == {cluster.kept}


def test_intersection_sizes_match_numpy():
    import numpy as np

    from audit.similarity import kernels

    rng = np.random.default_rng(3)
    sets = [np.unique(rng.integers(0, 60, size=n).astype(np.uint64)) for n in (0, 1, 5, 30, 40, 59)]
    bounds = np.concatenate(([0], np.cumsum([len(s) for s in sets])))
    left, right = np.meshgrid(np.arange(len(sets)), np.arange(len(sets)))
    got = kernels.intersection_sizes(np.concatenate(sets), bounds, left.ravel(), right.ravel())
    assert got.tolist() == [len(np.intersect1d(sets[i], sets[j])) for i, j in zip(left.ravel(), right.ravel())]


def test_passage_keys_on_disk_find_the_same_candidates_as_all_bands_at_once(monkeypatch):
    from audit.analyze import Analyzer
    from audit.similarity.lsh import local_pairs
    from audit.records import Document, Origin
    from audit.lines.rules import load_rules
    from audit.similarity import candidates
    from audit.similarity.candidates import MAX_PAIRS_PER_KEY, passage_candidates
    from audit.similarity.keystore import PassageKeys

    settings = quick()
    analyzer = Analyzer(settings, load_rules(settings.rule_dirs))
    texts = [STORY + "\n" + QUOTE, OTHER + "\n\n" + QUOTE.replace("told reporters", "said"), OTHER + "\n" + QUOTE,
             STORY * 2 + "\n" + OTHER]
    summaries = analyzer.batch([Document(str(i), f"s{i % 3}", t, Origin("x", i + 1)) for i, t in enumerate(texts)])
    sim = settings.similarity
    assert all(s.passage_keys.shape == (len(s.passages), sim.passage_bands) for s in summaries)
    # What the whole (passages, bands) key array gives, paired in one call.
    owners = [(i, p) for i, s in enumerate(summaries) for p in range(len(s.passages))]
    together = local_pairs(np.concatenate([s.passage_keys for s in summaries]), MAX_PAIRS_PER_KEY).tolist()
    expected = sorted([*min(owners[x], owners[y]), *max(owners[x], owners[y])] for x, y in together
                      if summaries[owners[x][0]].source != summaries[owners[y][0]].source)
    monkeypatch.setattr(PassageKeys, "BLOCK", 3)  # several blocks appended to the files
    with PassageKeys.of(summaries, sim.passage_bands) as keys:
        assert keys.owners().tolist() == [list(o) for o in owners] and keys.rows == len(owners)
        found = passage_candidates(summaries, sim, keys=keys)
        monkeypatch.setattr(candidates, "PART_ROWS", 5)  # in parts by the keys' top bits
        parted = passage_candidates(summaries, sim, keys=keys)
    assert expected and found.tolist() == expected == passage_candidates(summaries, sim).tolist() == parted.tolist()


def random_pairs(draw_pairs):
    """Unique pairs (i < j) and strengths from a few values, so that ties in the merge order occur."""
    import numpy as np

    pairs = sorted({(min(a, b), max(a, b)): s for a, b, s in draw_pairs if a != b}.items())
    i = np.array([a for (a, _), _ in pairs], dtype=np.int64)
    j = np.array([b for (_, b), _ in pairs], dtype=np.int64)
    return i, j, np.array([s for _, s in pairs], dtype=np.float64)


PAIRS = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), st.sampled_from([0.5, 0.7, 0.9, 1.0])), max_size=120)


@settings(max_examples=200, deadline=None)
@given(PAIRS)
def test_min_labels_label_each_component_by_its_smallest_node(drawn):
    import numpy as np

    from audit.similarity.cluster import min_labels
    i, j, _ = random_pairs(drawn)
    parent = list(range(41))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in zip(i.tolist(), j.tolist()):
        parent[max(find(a), find(b))] = min(find(a), find(b))
    assert min_labels(i, j, 41).tolist() == [find(x) for x in range(41)]
    assert np.array_equal(min_labels(i, j, 41), min_labels(j, i, 41))


@settings(max_examples=200, deadline=None)
@given(PAIRS, st.sampled_from([1, 3, 1000]))
def test_clusters_made_a_batch_of_components_at_a_time_are_those_made_at_once(drawn, batch):
    import numpy as np

    from audit.similarity.cluster import cluster, components
    i, j, strength = random_pairs(drawn)
    batches = list(components(i, j, batch))
    rows = np.concatenate(batches) if batches else np.zeros(0, dtype=np.int64)
    assert sorted(rows.tolist()) == list(range(len(i)))
    # Whole components: no document is in two batches.
    documents = [set(i[b].tolist()) | set(j[b].tolist()) for b in batches]
    assert sum(map(len, documents)) == len(set().union(*documents))
    for share in (0.0, 0.3, 1.0):
        whole = cluster(i, j, strength, share)
        in_batches = [g for b in batches for g in cluster(i[b], j[b], strength[b], share)]
        assert sorted(in_batches) == sorted(whole)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 30)), max_size=120), st.integers(1, 4),
       st.integers(2, 12), st.randoms(use_true_random=False))
def test_sharing_pairs_split_by_anchor_and_added_up_are_those_of_all_rows(rows, partitions, most, rng):
    # What a cluster does: rows shuffled (any order) into partitions by anchor, paired in each,
    # the pairs' counts added up. The window (2 here) must cut each anchor's run by document, not
    # by the order the rows came in.
    from unittest import mock

    from audit.similarity import candidates

    rows = sorted(set(rows))
    anchors = np.array([a for a, _ in rows], dtype=np.uint64)
    owners = np.array([o for _, o in rows], dtype=np.int64)
    with mock.patch.object(candidates, "MAX_PAIRS_PER_KEY", 2):
        whole, shared = candidates.sharing_pairs(anchors, owners, most)
        order = list(range(len(rows)))
        rng.shuffle(order)
        found_pairs, found_shared = [np.zeros((0, 2), dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for p in range(partitions):
            mine = [k for k in order if int(anchors[k]) % partitions == p]
            pairs, n = candidates.sharing_pairs(anchors[mine], owners[mine], most)
            found_pairs.append(pairs)
            found_shared.append(n)
    pairs, n, _ = candidates.added_up(np.concatenate(found_pairs), np.concatenate(found_shared))
    assert pairs.tolist() == whole.tolist() and n.tolist() == shared.tolist()
    # Each pair shares at most the anchors the two documents have in common.
    common = {(a, b): len({x for x, o in rows if o == a} & {x for x, o in rows if o == b}) for a, b in whole.tolist()}
    assert all(k <= common[a, b] for (a, b), k in zip(whole.tolist(), shared.tolist()))


def test_each_document_is_repaired_and_matched_once(tmp_path, monkeypatch):
    import audit.analyze as analyze

    calls = []
    real = analyze.repair
    monkeypatch.setattr(analyze, "repair", lambda text: calls.append(text) or real(text))
    base = STORY * 3 + "\n" + QUOTE
    rows = [{"id": "a", "source": "one", "text": base},
            {"id": "b", "source": "two", "text": base.replace("forty", "fifty")},
            {"id": "c", "source": "three", "text": OTHER * 3}]
    found = scan([write_jsonl(tmp_path / "docs.jsonl", rows)], quick())
    assert found.duplicate_pairs and found.passage_pairs  # verification had documents to read
    assert len(calls) == len(rows)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(list("aZé9_ 'ʼ’-—.,!?ДΩ東\u0301ﬁ\u00a0\t\"“”") + [". A", "! B", "Mr. X"]),
                         max_size=80).map("".join), max_size=4))
def test_a_passage_counts_the_words_of_its_text(lines):
    from audit.records import Passage
    from audit.similarity import passages
    from audit.text.normalize import words

    for p in passages.cut(lines, 3, 2, 2):
        assert isinstance(p, Passage)
        assert p.words == len(words(passages.text(lines, p)))
