"""A hostile or careless Redis (issue 26): passwords never shown, keys of another type under the
prefix refuse the batch before any write, an evicting server is refused, bad ports are one line.
A real redis-server, as the other Redis tests use (the `redis_url` fixture)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

redis = pytest.importorskip("redis")


def feed(path: Path, n: int = 12) -> Path:
    rows = [{"id": f"d{i}", "text": f"Story {i}: " + " ".join(f"w{i}x{j}" for j in range(40))} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("url", [
    "redis://:s3cret@localhost:99999/0",
    "redis://:s3cret@localhost:abc/0",
    "redis://:s3cret@localhost/news",
    "redis://:s3cret@localhost:6379/0?prefix=bad!name",
    "redis://user:s3cret@localhost:0/0",
])
def test_bad_urls_are_one_line_without_the_password(cli, tmp_path, url):
    ran = cli("dedup", str(feed(tmp_path / "f.jsonl")), "--index", url, "-q")
    assert ran.returncode == 2, ran.stderr
    assert "s3cret" not in ran.stderr and "***" in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1 and "Traceback" not in ran.stderr


def _prefix_url(redis_url: str) -> tuple[str, str]:
    prefix = f"h{uuid.uuid4().hex[:12]}"
    return f"{redis_url}?prefix={prefix}", prefix


@pytest.mark.parametrize("key, make", [("count", lambda c, k: c.set(k, "not a number")),
                                       ("i:0", lambda c, k: c.set(k, "a string")),
                                       ("pending", lambda c, k: c.rpush(k, "a list"))])
def test_a_key_of_another_type_refuses_the_batch_before_any_write(cli, tmp_path, redis_url, key, make):
    url, prefix = _prefix_url(redis_url)
    client = redis.Redis.from_url(redis_url)
    items, out = feed(tmp_path / "f.jsonl"), tmp_path / "new.jsonl"
    ran = cli("dedup", str(items), "--index", url, "-o", str(out), "--stats")  # creates nothing yet
    make(client, f"{prefix}:{key}")
    ran = cli("dedup", str(items), "--index", url, "-o", str(out), "-q")
    assert ran.returncode == 2, ran.stderr
    # The pending records are read first, outside the script: that read fails, and says why.
    assert ("nothing of it written" in ran.stderr and f"{prefix}:{key}" in ran.stderr) or \
        (key == "pending" and "WRONGTYPE" in ran.stderr)
    # Nothing indexed: once the key is put right, every item is new and delivered.
    assert client.get(f"{prefix}:seq") is None
    assert not any(k.startswith(f"{prefix}:b:".encode()) for k in client.scan_iter(match=f"{prefix}:*"))
    client.delete(f"{prefix}:{key}")
    ran = cli("dedup", str(items), "--index", url, "-o", str(out), "-q")
    assert ran.returncode == 0, ran.stderr
    assert len(out.read_text().splitlines()) == 12
    client.close()


@pytest.fixture
def evicting(redis_url):
    """The test server with a memory limit and a policy, put back as they were after the test."""
    client = redis.Redis.from_url(redis_url)
    before = client.config_get("maxmemory*")

    def set_to(policy: str, limit: str) -> None:
        client.config_set("maxmemory-policy", policy)
        client.config_set("maxmemory", limit)
    yield set_to
    client.config_set("maxmemory", before["maxmemory"])
    client.config_set("maxmemory-policy", before["maxmemory-policy"])
    client.close()


def test_an_evicting_redis_is_refused_and_a_volatile_one_is_not(cli, tmp_path, redis_url, evicting):
    url, _ = _prefix_url(redis_url)
    items = feed(tmp_path / "f.jsonl")
    evicting("allkeys-lru", "1gb")
    ran = cli("dedup", str(items), "--index", url, "-o", str(tmp_path / "new.jsonl"), "-q")
    assert ran.returncode == 2
    assert "maxmemory-policy allkeys-lru" in ran.stderr and not (tmp_path / "new.jsonl").exists()
    evicting("allkeys-lfu", "0")
    ran = cli("dedup", str(items), "--index", url, "-o", str(tmp_path / "new.jsonl"), "-q")
    assert ran.returncode == 0, ran.stderr
    assert "warning" in ran.stderr and "maxmemory-policy is allkeys-lfu" in ran.stderr
    evicting("volatile-lru", "1gb")
    ran = cli("dedup", str(items), "--index", url, "-o", str(tmp_path / "new.jsonl"), "-q")
    assert ran.returncode == 0, ran.stderr
    assert "maxmemory" not in ran.stderr
