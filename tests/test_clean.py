"""`clean`: the input back in its own form, exactly the leftover lines removed, every removal logged."""

import gzip
import json
import os
import shutil
import stat

import pytest
import zstandard

from audit.cleaning import run as clean_module
from audit.cleaning.run import clean
from audit.cleaning.targets import default_log
from audit.errors import InputError, OutputError
from audit.read.readers import Fields
from audit.pipeline import scan
from audit.settings import LineSettings, ScanSettings

SEED_REMOVALS = {
    ("000_bcb7408d258baeaa.txt", 2, "byline.by", "By Carl Samson"),
    ("000_bcb7408d258baeaa.txt", 14, "credit.label",
     "Featured Images: (Left) Flickr / Gage Skidmore (CC BY-SA 2.0); (Right) Flickr / driver Photographer (CC BY-SA 2.0)"),
    ("000_bcb7408d258baeaa.txt", 15, "share.widget", "Share this Article"),
    ("000_bcb7408d258baeaa.txt", 16, "share.widget", "Share this Article"),
    ("002_7ca3920c5da086aa.txt", 23, "wire.contributed", "The Associated Press contributed to this report."),
}
FAST = ScanSettings(jobs=1)


def read_log(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_seeds_lose_exactly_their_leftover_lines(seeds, tmp_path):
    out = tmp_path / "clean" / "seeds"
    summary = clean([str(seeds)], str(out), FAST)
    log = read_log(tmp_path / "clean" / "seeds.removals.jsonl")
    assert {(r["document"], r["line"], r["rule"], r["text"]) for r in log} == SEED_REMOVALS
    assert all(r["why"] for r in log)
    for source in sorted(seeds.iterdir()):
        before = source.read_text().split("\n")
        removed = {r["line"] for r in log if r["document"] == source.name}
        assert (out / source.name).read_text().split("\n") == [line for n, line in enumerate(before, 1) if n not in removed]
    assert (summary.documents, summary.lines_removed, summary.duplicates_dropped, summary.logged) == (3, 5, 0, 5)
    assert summary.lines_in == summary.lines_kept + summary.lines_removed


def test_jsonl_keeps_every_field_in_its_place_and_repairs_the_encoding(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"id": "a", "body": "Caf\u00c3\u00a9 owners met on Monday.\nShare this article\nThey agreed.", "n": 1}) + "\n"
        + "{not json\n"
        + json.dumps({"id": "b", "body": "Nothing to remove here.", "tags": ["x"]}) + "\n")
    out = tmp_path / "out.jsonl"
    summary = clean([str(feed)], str(out), FAST, Fields(text="body"))
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records == [{"id": "a", "body": "Café owners met on Monday.\nThey agreed.", "n": 1},
                       {"id": "b", "body": "Nothing to remove here.", "tags": ["x"]}]
    assert list(records[0]) == ["id", "body", "n"]
    log = read_log(tmp_path / "out.removals.jsonl")
    assert [(r["document"], r["line"], r["rule"]) for r in log] == [("a", 2, "share.widget"), (f"{feed.as_posix()}:2", 2, "input.unreadable")]
    assert (summary.lines_repaired, summary.input_errors, summary.logged) == (1, 1, 2)
    assert summary.problems == [f"{feed.as_posix()}:2: invalid JSON: Expecting property name enclosed in double quotes (column 2)"]
    assert log[1]["text"] == "{not json"  # what could be read of it, so that nothing is lost


def test_lines_read_as_windows_1252_count_as_repaired_as_the_report_counts_them(tmp_path):
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "story.txt").write_bytes("The caf\xe9 reopened on Monday.\nIt was full by noon.\n".encode("cp1252"))
    # Line 1 not UTF-8, line 2 UTF-8 with mojibake that ftfy repairs: an encoding finding each.
    (folder / "other.txt").write_bytes("Prices rose \xe9.\n".encode("cp1252")
                                       + "The caf\u00c3\u00a9 closed on Monday after the storm.\n".encode("utf-8"))
    summary = clean([str(folder)], str(tmp_path / "out"), FAST)
    assert (tmp_path / "out" / "story.txt").read_text(encoding="utf-8").startswith("The café reopened")
    findings = scan([str(folder)], FAST).findings
    assert summary.lines_repaired == sum(f.kind == "encoding" for f in findings) > 2


def test_an_unreadable_record_goes_to_the_log_with_what_could_be_read_of_it(tmp_path):
    feed = tmp_path / "feed.jsonl"
    first, update = "The council met on Monday.\nIt agreed a budget.", "The council met on Monday.\nIt agreed a smaller budget."
    feed.write_text(json.dumps({"id": "a", "text": first}) + "\n" + json.dumps({"id": "a", "text": update}) + "\n"
                    + '{"id": "c", "text": 5}\n' + "[1, 2]\n")
    summary = clean([str(feed)], str(tmp_path / "out.jsonl"), FAST)
    log = read_log(tmp_path / "out.removals.jsonl")
    # A repeated id (an updated article, say) keeps its text; a record that is not one keeps its line.
    assert [(r["line"], r["rule"], r["text"]) for r in log] == [
        (2, "input.unreadable", update), (3, "input.unreadable", '{"id": "c", "text": 5}'), (4, "input.unreadable", "[1, 2]")]
    assert log[0]["why"] == f"duplicate id 'a' (first at {feed.as_posix()}:1)" and summary.input_errors == 3


def test_a_folder_gives_a_folder_of_the_same_files(tmp_path):
    src = tmp_path / "corpus"
    (src / "outlet").mkdir(parents=True)
    (src / "outlet" / "story.md").write_text("Storm hits coast.\nAdvertisement\nRoads closed.\n")
    with gzip.open(src / "feed.jsonl.gz", "wt") as f:
        f.write(json.dumps({"id": "g", "text": "Body.\nPrint this article"}) + "\n")
    with zstandard.open(src / "more.jsonl.zst", "wt") as f:
        f.write(json.dumps({"id": "z", "text": "More body.\nAdvertisement"}) + "\n")
    (src / "notes.csv").write_text("not,a,document\n")
    out = tmp_path / "out"
    clean([str(src)], str(out), FAST)
    assert (out / "outlet" / "story.md").read_text() == "Storm hits coast.\nRoads closed.\n"
    with gzip.open(out / "feed.jsonl.gz", "rt") as f:
        assert json.loads(f.read()) == {"id": "g", "text": "Body."}
    with zstandard.open(out / "more.jsonl.zst", "rt") as f:
        assert json.loads(f.read()) == {"id": "z", "text": "More body."}
    assert not (out / "notes.csv").exists()  # not part of the corpus


def test_several_inputs_give_one_folder(seeds, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "f", "text": "One line.\nTweet"}) + "\n")
    out = tmp_path / "out"
    clean([str(seeds), str(feed)], str(out), FAST)
    assert sorted(p.name for p in out.iterdir()) == ["feed.jsonl", "seeds"]
    assert json.loads((out / "feed.jsonl").read_text())["text"] == "One line."


def test_dry_run_writes_nothing(seeds, tmp_path, capsys):
    out = tmp_path / "out"
    summary = clean([str(seeds)], str(out), FAST, dry_run=True)
    assert not out.exists() and not list(tmp_path.iterdir())
    assert len(capsys.readouterr().out.splitlines()) == summary.logged == 5


def test_disabled_rules_and_flag_action_keep_lines(seeds, tmp_path):
    out = tmp_path / "out"
    summary = clean([str(seeds)], str(out), ScanSettings(jobs=1, disabled_rules=("share.widget",)))
    assert summary.lines_removed == 3 and "Share this Article" in (out / "000_bcb7408d258baeaa.txt").read_text()
    dump = tmp_path / "dump.txt"
    dump.write_text("\n".join([f"* Menu item {i}" for i in range(30)] + [
        "Storms hit the coast on Monday, and the state closed every road into the port for the day.",
        "Officials said the cleanup would take weeks. Shops stayed shut, and schools sent pupils home early."]))
    stripped = clean([str(dump)], str(tmp_path / "a.txt"), FAST)
    flagged = clean([str(dump)], str(tmp_path / "b.txt"), ScanSettings(jobs=1, lines=LineSettings(action="flag")))
    assert stripped.by_rule == {"lines.page": 30} and flagged.lines_removed == 0


def test_an_interrupted_run_leaves_the_previous_output(seeds, tmp_path, monkeypatch):
    out = tmp_path / "out"
    clean([str(seeds)], str(out), FAST)
    before = {p.name: p.read_text() for p in out.iterdir()}
    log_before = (tmp_path / "out.removals.jsonl").read_text()
    calls = []

    def interrupted(self, source_path, doc, text):
        calls.append(doc.id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(self, source_path, doc, text)

    original = clean_module._Writer.write
    monkeypatch.setattr(clean_module._Writer, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        clean([str(seeds)], str(out), ScanSettings(jobs=1, disabled_rules=("share.widget",)))
    assert {p.name: p.read_text() for p in out.iterdir()} == before
    assert (tmp_path / "out.removals.jsonl").read_text() == log_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "out.removals.jsonl"]  # no temporary left


def test_outputs_that_would_clobber_an_input_are_refused(seeds, tmp_path):
    copy = tmp_path / "seeds"
    shutil.copytree(seeds, copy)
    for out in (copy, copy / "cleaned", tmp_path):
        with pytest.raises(InputError, match="must not be an input"):
            clean([str(copy)], str(out), FAST)
    with pytest.raises(InputError, match=r"^log is needed when the cleaned corpus goes to stdout \(out=.-.\)$"):
        clean([str(tmp_path / "x.jsonl")], "-", FAST)


def test_a_log_that_would_clobber_an_input_or_the_output_is_refused(seeds, tmp_path):
    copy = tmp_path / "seeds"
    shutil.copytree(seeds, copy)
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "text": "Some text."}\n')
    before = feed.read_text()
    out = tmp_path / "out.jsonl"
    # Each would have written the log over what it names: the input, or the output written before it.
    for paths, log, message in (([feed], feed, "removal log must not be an input"),
                                ([copy], copy / "removals.jsonl", "removal log must not be an input"),
                                ([feed], out, "removal log must not be the output"),
                                ([copy], tmp_path / "cleaned" / "log.jsonl", "removal log must not be the output")):
        target = out if paths == [feed] else tmp_path / "cleaned"
        with pytest.raises(InputError, match=message):
            clean([str(p) for p in paths], str(target), FAST, log=str(log))
    with pytest.raises(InputError, match="removal log must not be an input"):
        clean([str(feed)], "-", FAST, log=str(feed))
    assert feed.read_text() == before and not out.exists() and not (tmp_path / "cleaned").exists()


def test_a_folder_out_holding_files_no_input_gives_is_refused_and_left_alone(seeds, tmp_path):
    out = tmp_path / "out"
    (out / "keep").mkdir(parents=True)
    (out / "keep" / "notes.txt").write_text("mine\n")
    # The whole folder is replaced: a file of the user's in it would be lost.
    with pytest.raises(OutputError, match=r"out/keep/notes\.txt: no input gives this file, and clean replaces the whole folder"):
        clean([str(seeds)], str(out), FAST)
    assert (out / "keep" / "notes.txt").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_out_from_an_earlier_run_is_replaced_even_where_this_run_writes_fewer_files(tmp_path):
    feed = tmp_path / "feed"
    feed.mkdir()
    story = "\n".join(f"Paragraph {i} of the story, told at length so that the copy is a near-duplicate." for i in range(12))
    for name in ("a.txt", "b.txt"):
        (feed / name).write_text(story + "\n")
    out = tmp_path / "out"
    clean([str(feed)], str(out), FAST, keep_duplicates=True)
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]
    summary = clean([str(feed)], str(out), FAST)  # one of the copies goes now: still this corpus's output
    assert summary.duplicates_dropped == 1 and len(list(out.iterdir())) == 1


def test_an_out_or_log_of_the_other_kind_is_refused_before_the_run(seeds, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("mine\n")
    folder = tmp_path / "logs"
    folder.mkdir()
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "text": "Some text."}\n')
    for paths, out, log, message in (([seeds], afile, None, "afile: is a file; the output here is a folder"),
                                     ([seeds], tmp_path / "o", folder, "logs: is a folder; the removal log here is a file"),
                                     ([feed], folder, None, "logs: is a folder; the output here is a file")):
        with pytest.raises(OutputError, match=message):
            clean([str(p) for p in paths], str(out), FAST, log=None if log is None else str(log))
    assert afile.read_text() == "mine\n" and not list(folder.iterdir()) and not (tmp_path / "o").exists()


def test_the_current_folder_is_never_an_out_to_replace(seeds, tmp_path, monkeypatch):
    work = tmp_path / "work" / "here"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    for out in (".", str(work), str(tmp_path / "work")):
        with pytest.raises(OutputError, match="is the current folder or holds it, which clean cannot replace"):
            clean([str(seeds)], out, FAST, log=str(tmp_path / "log.jsonl"))
    assert work.is_dir() and not (tmp_path / "log.jsonl").exists()


def test_an_out_that_is_a_link_to_a_folder_is_replaced_by_the_output(seeds, tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "real")
    clean([str(seeds)], str(tmp_path / "out"), FAST)
    assert (tmp_path / "out").is_dir() and not (tmp_path / "out").is_symlink()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in seeds.iterdir())


def test_two_inputs_of_one_name_are_refused_naming_both(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "feed.jsonl").write_text('{"id": "x", "text": "Some text."}\n')
    first, second = tmp_path / "a" / "feed.jsonl", tmp_path / "b" / "feed.jsonl"
    with pytest.raises(InputError, match=rf"^{second}: has the name of another input \({first}\), and the two "
                                         rf"would share one output path \({tmp_path / 'out' / 'feed.jsonl'}\)$"):
        clean([str(first), str(second)], str(tmp_path / "out"), FAST)


def test_overlapping_inputs_are_refused_even_in_a_dry_run(seeds, tmp_path):
    copy = tmp_path / "seeds"
    shutil.copytree(seeds, copy)
    first = sorted(copy.iterdir())[0]
    for paths in ([copy, first], [first, copy], [copy, copy]):
        for dry_run in (False, True):
            with pytest.raises(InputError, match="the inputs overlap"):
                clean([str(p) for p in paths], str(tmp_path / "out"), FAST, dry_run=dry_run)
    assert not (tmp_path / "out").exists()


def test_a_cleaned_corpus_gets_the_permissions_of_any_new_file(seeds, tmp_path):
    old = os.umask(0o022)
    try:
        clean([str(seeds)], str(tmp_path / "out"), FAST)
    finally:
        os.umask(old)
    written = [tmp_path / "out", *(tmp_path / "out").iterdir(), tmp_path / "out.removals.jsonl"]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in written if p.is_file()} == {"0o644"}
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755


def test_default_log_name():
    assert default_log("out/") == "out.removals.jsonl"
    assert default_log("feed.clean.jsonl") == "feed.clean.removals.jsonl"


def test_cli_clean(cli, seeds, tmp_path):
    out = tmp_path / "out"
    run = cli("clean", str(seeds), "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert ("corpus-audit: clean: 3 documents, 50 lines in, 45 kept, 5 removed (share.widget 2, byline.by 1, "
            "credit.label 1, wire.contributed 1), 0 duplicate documents dropped, 0 emptied documents dropped "
            "(0 lines in dropped documents), 0 repaired, 0 unreadable records skipped; 5 removals logged; "
            f"wrote {out} and {out}.removals.jsonl") in run.stderr
    config = tmp_path / "c.toml"
    config.write_text("disable-rules = ['byline.by', 'wire.contributed']\n")
    run = cli("clean", str(seeds), "--out", str(out), "--config", str(config), "--dry-run")
    assert run.returncode == 0, run.stderr
    assert {json.loads(line)["rule"] for line in run.stdout.splitlines()} == {"credit.label", "share.widget"}
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": "Body.\nAdvertisement"}) + "\n")
    run = cli("clean", str(feed), "--out", "-", "--log", str(tmp_path / "log.jsonl"))
    assert run.returncode == 0 and json.loads(run.stdout) == {"id": "a", "text": "Body."}
    run = cli("clean", str(seeds), "--out", str(seeds))
    assert run.returncode == 2 and run.stderr.startswith("corpus-audit: error: ")


STORY = ("The city council voted on Tuesday to close the old harbour bridge for repairs that engineers say "
         "will take at least eighteen months and cost more than forty million pounds. ") * 3
OTHER = ("A small bakery in the north of the county has won a national prize for its sourdough bread, beating "
         "more than three hundred entries from across the country in a blind tasting. ") * 3


def duplicated_feed(path):
    rows = [
        {"id": "wire", "source": "agency", "text": "Harbour bridge to close\n" + STORY},
        {"id": "copy", "source": "paper", "text": "Harbour bridge to close\n" + STORY + "\nShare this article"},
        {"id": "bakery", "source": "paper", "text": OTHER},
        {"id": "mirror", "source": "blog", "text": "Harbour bridge to close\n" + STORY.replace("forty", "fifty") + "Work starts in May."},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_one_document_of_each_near_duplicate_cluster_is_written_and_the_others_logged(tmp_path):
    feed = duplicated_feed(tmp_path / "feed.jsonl")
    out = tmp_path / "out.jsonl"
    summary = clean([str(feed)], str(out), ScanSettings(jobs=1))
    written = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    log = read_log(tmp_path / "out.removals.jsonl")
    dropped = [r for r in log if r["rule"] == "duplicate.document"]
    # The cluster {wire, copy, mirror} keeps one (cleanest: no flagged line; the longest of those).
    assert written == ["bakery", "mirror"]
    assert [r["document"] for r in dropped] == ["wire", "copy"]
    assert all(r["line"] is None and r["text"] == "Harbour bridge to close" and "mirror" in r["why"] for r in dropped)
    # A dropped document's stripped lines are not logged twice: it is gone whole.
    assert not [r for r in log if r["document"] in ("wire", "copy") and r["rule"] != "duplicate.document"]
    assert (summary.documents, summary.duplicates_dropped, summary.lines_dropped) == (4, 2, 2 + 3)
    assert summary.lines_in == summary.lines_kept + summary.lines_removed + summary.lines_dropped
    assert summary.logged == len(log) == summary.lines_removed + summary.duplicates_dropped


def test_keep_duplicates_writes_every_member_and_keep_picks_which(cli, tmp_path):
    feed = duplicated_feed(tmp_path / "feed.jsonl")
    out = tmp_path / "all.jsonl"
    summary = clean([str(feed)], str(out), ScanSettings(jobs=1), keep_duplicates=True)
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["wire", "copy", "bakery", "mirror"]
    assert summary.duplicates_dropped == 0
    run = cli("clean", str(feed), "--out", str(tmp_path / "first.jsonl"), "--keep", "earliest", "-j", "1")
    assert run.returncode == 0, run.stderr
    assert "2 duplicate documents dropped, 0 emptied documents dropped (5 lines in dropped documents)" in run.stderr
    assert [json.loads(line)["id"] for line in (tmp_path / "first.jsonl").read_text().splitlines()] == ["wire", "bakery"]


def test_a_jsonl_file_whose_records_all_go_is_still_written_empty(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_text(json.dumps({"id": "a", "text": STORY}) + "\n")
    with gzip.open(folder / "b.jsonl.gz", "wt") as f:
        f.write(json.dumps({"id": "b", "text": STORY}) + "\n{broken\n")
    summary = clean([str(folder)], str(tmp_path / "out"), ScanSettings(jobs=1))
    assert summary.duplicates_dropped == 1 and summary.input_errors == 1
    assert (tmp_path / "out" / "a.jsonl").read_text().count("\n") == 1
    with gzip.open(tmp_path / "out" / "b.jsonl.gz", "rt") as f:
        assert f.read() == ""


def test_an_empty_jsonl_file_or_folder_is_logged_as_unreadable_and_nothing_is_written_for_it(tmp_path):
    folder = tmp_path / "in"
    (folder / "nothing").mkdir(parents=True)
    (folder / "empty.jsonl").write_text("\n")
    (folder / "a.jsonl").write_text(json.dumps({"id": "a", "text": STORY}) + "\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    summary = clean([str(folder), str(empty)], str(out), FAST)
    assert (summary.documents, summary.input_errors) == (1, 2)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["in", "in/a.jsonl"]
    assert [(r["document"], r["line"], r["rule"], r["why"]) for r in read_log(tmp_path / "out.removals.jsonl")] == [
        ((folder / "empty.jsonl").as_posix(), None, "input.unreadable", "empty, no records"),
        (empty.as_posix(), None, "input.unreadable", "no .txt, .md, JSON Lines, JSON, CSV or Parquet file in the folder")]


def test_a_part_for_a_folder_without_files_writes_no_output_on_a_cluster(tmp_path):
    pytest.importorskip("distributed", reason="the Dask engine needs the dask extra: pip install '.[dask]'")
    from audit.cleaning.plan import Plan
    from audit.cleaning.on_cluster import PartPlan, clean_part
    from audit.read.readers import Corpus

    (tmp_path / "in").mkdir()
    [part] = Corpus([str(tmp_path / "in")]).parts(1000)
    (tmp_path / "out").mkdir()
    (tmp_path / "logs").mkdir()
    summary, _, output = clean_part(0, part, Fields(), 1000, PartPlan(Plan({}, {}), {}), str(tmp_path / "out"),
                                    str(tmp_path / "logs"))
    assert (output, summary.input_errors, list((tmp_path / "out").iterdir())) == (None, 1, [])
    assert read_log(tmp_path / "logs" / "part-00000.jsonl")[0]["why"] == "no .txt, .md, JSON Lines, JSON, CSV or Parquet file in the folder"


def test_a_glob_is_cleaned_as_its_matches_and_a_remote_folder_is_refused(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in (("a.jsonl", STORY), ("b.jsonl", OTHER)):
        (folder / name).write_text(json.dumps({"id": name, "text": text + "\nShare this article"}) + "\n")
    summary = clean([str(folder / "*.jsonl")], str(tmp_path / "out"), ScanSettings(jobs=1))
    # Each match is an input of its own: a folder holding one output per input.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.jsonl", "b.jsonl"]
    assert summary.lines_removed == 2
    fsspec = pytest.importorskip("fsspec")
    with fsspec.open("memory://remote/x.jsonl", "w") as f:
        f.write(json.dumps({"id": "x", "text": OTHER}) + "\n")
    with pytest.raises(InputError, match="a remote folder is cleaned with engine=.dask."):
        clean(["memory://remote"], str(tmp_path / "out2"), ScanSettings(jobs=1))
    summary = clean(["memory://remote/x.jsonl"], str(tmp_path / "x.jsonl"), ScanSettings(jobs=1))
    assert summary.documents == 1 and json.loads((tmp_path / "x.jsonl").read_text())["id"] == "x"


def test_the_plan_reads_lines_to_strip_back_from_the_scan_as_asked(seeds, tmp_path):
    from audit.cleaning.plan import SpooledStrips, plan, plan_for
    from audit.pipeline import scan

    feed = duplicated_feed(tmp_path / "feed.jsonl")
    result = scan([str(seeds), str(feed)], ScanSettings(jobs=1))
    lazy, eager = plan_for(result), plan(list(result.findings))
    assert isinstance(lazy.lines, SpooledStrips)
    assert dict(lazy.lines) == eager.lines and len(lazy.lines) == len(eager.lines) >= 2
    assert lazy.documents == eager.documents and lazy.documents
    assert lazy.lines.get("bakery") is None and "bakery" not in lazy.lines


COOKIES = "We use cookies to improve your experience. By continuing to browse, you accept our use of cookies."


def test_a_document_left_with_no_text_is_dropped_and_logged_unless_kept(cli, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "banner", "text": COOKIES}) + "\n" + json.dumps({"id": "story", "text": STORY}) + "\n")
    out, log = tmp_path / "clean.jsonl", tmp_path / "log.jsonl"
    summary = clean([str(feed)], str(out), ScanSettings(jobs=1), log=str(log))
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["story"]
    assert summary.empty_dropped == 1 and summary.documents == 2
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert {"document": "banner", "line": None, "rule": "clean.empty"}.items() <= logged[-1].items()
    run = cli("clean", str(feed), "--out", str(out), "--log", str(log), "--keep-empty", "-j", "1")
    assert run.returncode == 0, run.stderr
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["banner", "story"]
    assert json.loads(out.read_text().splitlines()[0])["text"] == ""
