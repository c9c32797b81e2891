"""The cache folder (audit/cache.py): files written whole, arrays read back as they were kept."""

import numpy as np

from audit.cache import arrays_kept, cache_dir, keep, keep_arrays


def test_the_cache_folder_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "corpus-audit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir().name == "corpus-audit" and cache_dir().parent.name == ".cache"


def test_a_relative_xdg_folder_is_ignored_and_a_process_with_no_home_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_dir().parent.name == ".cache" and cache_dir().is_absolute()
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr("os.path.expanduser", lambda path: path)  # no HOME, no password entry
    monkeypatch.chdir(tmp_path)
    assert not keep(cache_dir() / "x", lambda f: f.write(b"kept"))
    assert arrays_kept(cache_dir() / "x") is None
    assert list(tmp_path.iterdir()) == []  # no folder named "~" in the working directory


def test_arrays_come_back_equal_writable_and_aligned(tmp_path):
    arrays = {"counts": np.arange(7, dtype=np.uint16), "table": np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4),
              "names": np.array(["en", "pt", "zh-hant"]), "empty": np.zeros((0, 5), np.int64), "one": np.float64(2.5)}
    assert keep_arrays(tmp_path / "a", {k: np.asarray(v) for k, v in arrays.items()})
    back = arrays_kept(tmp_path / "a")
    assert back is not None and list(back) == list(arrays)
    for name, array in arrays.items():
        assert back[name].dtype == np.asarray(array).dtype and np.array_equal(back[name], array)
    assert all(a.ctypes.data % 64 == 0 for a in back.values() if a.size)
    back["counts"][0] = 99  # copy-on-write: the process's own page, never the file
    assert arrays_kept(tmp_path / "a")["counts"][0] == 0


def test_a_broken_or_missing_file_reads_as_none(tmp_path):
    assert arrays_kept(tmp_path / "absent") is None
    (tmp_path / "empty").write_bytes(b"")
    assert arrays_kept(tmp_path / "empty") is None
    keep_arrays(tmp_path / "a", {"x": np.arange(1000, dtype=np.int64)})
    whole = (tmp_path / "a").read_bytes()
    (tmp_path / "cut").write_bytes(whole[:-8])
    assert arrays_kept(tmp_path / "cut") is None
    (tmp_path / "other").write_bytes(b"\x93NUMPY" + whole[6:])
    assert arrays_kept(tmp_path / "other") is None
    (tmp_path / "objects").write_bytes(whole.replace(b'"<i8"', b'"|O" '))
    assert arrays_kept(tmp_path / "objects") is None


def test_a_file_is_renamed_into_place_only_when_written_whole(tmp_path):
    def fails(f):
        f.write(b"half")
        raise OSError("disk full")

    assert not keep(tmp_path / "f", fails)
    assert list(tmp_path.iterdir()) == []
    assert keep(tmp_path / "f", lambda f: f.write(b"whole"))
    assert (tmp_path / "f").read_bytes() == b"whole"


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path):
    import pytest

    def interrupted(f):
        f.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        keep(tmp_path / "f", interrupted)
    assert list(tmp_path.iterdir()) == []


def test_a_header_not_of_our_making_reads_as_none(tmp_path):
    import json

    from audit.cache import _MAGIC

    for layout in ([1], {"x": ["<i8", [-1], 0]}, {"x": ["<i8", [10**20], 0]}, {"x": ["<i8", [2.5], 0]},
                   {"x": ["no such type", [1], 0]}, "[" * 100_000):
        head = (layout if isinstance(layout, str) else json.dumps(layout)).encode()
        (tmp_path / "f").write_bytes(_MAGIC + len(head).to_bytes(8, "little") + head + bytes(64))
        assert arrays_kept(tmp_path / "f") is None, layout


def test_an_unwritable_folder_is_no_error(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    assert not keep(tmp_path / "file" / "below", lambda f: f.write(b"x"))


def test_a_table_is_built_once_per_source_and_rebuilt_when_broken(tmp_path, monkeypatch):
    from audit.cache import built

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return {"word": 1.5, "other": 2}

    assert built("t", b"source one", build) == {"word": 1.5, "other": 2}
    assert built("t", b"source one", build) == {"word": 1.5, "other": 2} and len(calls) == 1
    assert built("t", b"source two", build) == {"word": 1.5, "other": 2} and len(calls) == 2
    kept = sorted((tmp_path / "corpus-audit").glob("t-*.marshal*"))
    assert len(kept) == 2
    for path in kept:  # a damaged payload that marshal would still read, as another table
        data = bytearray(path.read_bytes())
        data[-2] ^= 1
        path.write_bytes(bytes(data))
    assert built("t", b"source one", build) == {"word": 1.5, "other": 2} and len(calls) == 3
    for path in kept:
        path.write_bytes(b"\x00broken")
    assert built("t", b"source one", build) == {"word": 1.5, "other": 2} and len(calls) == 4
