"""The shared feed index: Redis, for several workers (on one machine or many) feeding one index.

Every change is made by a Lua script (``redis_index.lua``), which Redis runs to its end before any
other command: checking a batch and adding its new items is one atomic step, so two workers never
both take one story for new, and a worker killed at any moment leaves either the whole batch or
none of it. datasketch's Redis storage was not used: its insert and query are separate round trips
(two workers could both miss each other's item) and it keeps one Redis key per band key (25 per
item), which costs far more memory than the sharded sets here.

Keys, under a prefix (``corpus-audit`` unless the URL says ``?prefix=NAME``):

- ``P:meta``: hash of ``params`` (JSON), ``created``, ``window`` (seconds or ``null``), ``last``
  (time of the newest item);
- ``P:seq``: the last item number; ``P:low``: the lowest number not yet expired; ``P:count``;
- ``P:i:<number // 1024>``: hash, item number → time added (8 bytes), band keys, signature, id;
- ``P:b:<first 20 bits of a band key, in hex>``: sorted set of members ``band key (8 bytes) +
  item number (4 bytes, big-endian)``, all of score 0, so one ``ZRANGEBYLEX`` on the band key as
  a prefix finds its items, and adding or removing one is one ``ZADD`` or ``ZREM``. Sharding into
  2**20 sets keeps each small enough for Redis' compact encoding (up to
  ``zset-max-listpack-entries``, 128 by default: a 1,000,000-item index averages 29 per set);
- ``P:pending``: hash, host and path of an output file → its delivery record.

Durability is the server's: a batch is acknowledged once Redis has applied it; it survives a
restart of Redis only as far as its persistence allows (``appendonly yes`` with ``appendfsync
always`` loses nothing; ``everysec`` up to a second), and the index warns when Redis does not
persist at all.
"""

from __future__ import annotations

import re
import struct
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from audit.errors import FeedIndexError
from audit.feed.index import (IndexParams, IndexStats, Item, Pending, Sink, Verdict, check_params, decode_verdicts,
                              index_keys)

DEFAULT_PREFIX = "corpus-audit"
#: Items removed per call of the expiry script (each call blocks Redis while it runs).
_EXPIRE_CHUNK = 2000
#: Keys whose memory is asked for in one round trip by ``--stats``.
_SCAN_CHUNK = 1000


def _redis():
    try:
        import redis
    except ImportError:  # pragma: no cover - redis is a dependency; this is for broken installs
        raise FeedIndexError("a redis:// index needs the redis package (pip install redis)") from None
    return redis


def split_url(url: str) -> tuple[str, str]:
    """The connection URL and the key prefix (``?prefix=NAME``, taken out of the URL).

    >>> split_url("redis://localhost:6379/0?prefix=news")
    ('redis://localhost:6379/0', 'news')
    >>> split_url("redis://localhost/2")
    ('redis://localhost/2', 'corpus-audit')
    >>> split_url("redis://:secret@localhost/news")
    Traceback (most recent call last):
    ...
    audit.errors.FeedIndexError: redis://:***@localhost/news: the database is a number after the host (redis://HOST:PORT/0), not 'news'
    >>> split_url("redis://localhost:99999/0")
    Traceback (most recent call last):
    ...
    audit.errors.FeedIndexError: redis://localhost:99999/0: the port must be a number from 1 to 65535
    """
    parts = urlsplit(url)
    shown = _shown(url)
    # redis-py reads a path that is not a number as database 0: the items would land elsewhere unseen.
    if parts.scheme in ("redis", "rediss") and not re.fullmatch(r"/?(\d+)?", parts.path):
        raise FeedIndexError(f"{shown}: the database is a number after the host (redis://HOST:PORT/0), "
                             f"not {parts.path.lstrip('/')!r}")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 and re.search(r":[^@/]*$", parts.netloc) and parts.scheme != "unix":
        raise FeedIndexError(f"{shown}: the port must be a number from 1 to 65535")
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((v for k, v in query if k == "prefix"), DEFAULT_PREFIX)
    if not prefix or not re.fullmatch(r"[A-Za-z0-9_.:{}-]+", prefix):
        raise FeedIndexError(f"{shown}: the prefix must be letters, digits or _ . : - {{ }}")
    rest = urlencode([(k, v) for k, v in query if k != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


def _shown(url: str) -> str:
    """A URL without its password, to name it in messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class RedisIndex:
    """A feed index in Redis (see the module docs)."""

    def __init__(self, location: str, client, prefix: str, params: IndexParams, notes: list[str]) -> None:
        self.location = location
        self.params = params
        self.notes = notes
        self._client = client
        self._p = prefix
        script = resources.files("audit.feed").joinpath("redis_index.lua").read_text(encoding="utf-8")
        self._script = client.register_script(script)

    @classmethod
    def open(cls, url: str, params: IndexParams | None) -> RedisIndex:
        """Connect to the index at `url`, creating it with `params` if it is missing (with `params`
        None, open an existing index with its own parameters)."""
        redis = _redis()
        conn_url, prefix = split_url(url)
        shown = _shown(url)
        try:
            client = redis.Redis.from_url(conn_url, socket_timeout=300, health_check_interval=30)
            meta = f"{prefix}:meta"
            if params is not None:  # each field only if missing: a concurrent creator or --window wins
                pipe = client.pipeline(transaction=True)
                for field, value in (("params", params.to_json()), ("created", repr(time.time())), ("window", "null")):
                    pipe.hsetnx(meta, field, value)
                pipe.execute()
            stored = client.hget(meta, "params")
            notes = _persistence_notes(client, shown) + _eviction_notes(client, shown)
        except (redis.RedisError, ValueError) as exc:  # ValueError: a URL redis-py cannot take
            raise FeedIndexError(f"{shown}: {exc}") from None
        if stored is None:
            raise FeedIndexError(f"{shown}: no index there (prefix {prefix!r})")
        stored_params = IndexParams.from_json(stored.decode("utf-8"))
        if params is not None:
            check_params(stored_params, params, shown)
        return cls(shown, client, prefix, stored_params, notes)

    @contextmanager
    def _told(self) -> Iterator[None]:
        """Redis's errors (a lost connection, a key of another type) as the index's own, in one
        line naming the index, its password masked."""
        try:
            yield
        except _redis().RedisError as exc:
            raise FeedIndexError(f"{self.location}: {exc}") from None

    def _call(self, *args: object) -> object:
        with self._told():
            return self._script(args=[str(a) if isinstance(a, (int, float)) else a for a in args])

    def check_and_add(self, items: Sequence[Item], now: float, sinks: Sequence[Sink]) -> list[Verdict]:
        if not items:
            return []
        p = self.params
        signatures = np.stack([it.signature for it in items]).astype("<u4")
        keys = index_keys(signatures, p.bands, p.rows).astype("<i8")
        args: list[object] = ["add", self._p, repr(now), p.num_perm, p.bands, p.min_matches, len(items), len(sinks)]
        for s in sinks:
            args += [_field(s), s.role, s.start]
        args.append(b"".join(it.line for it in items) if sinks else b"")  # only delivery records need it
        for it, sig, ks in zip(items, signatures, keys):
            args += [it.id.encode("utf-8"), sig.tobytes(), ks.tobytes()]
        encoded = self._call(*args)
        return decode_verdicts(encoded.decode("utf-8"), p.num_perm)

    def pending(self, host: str) -> list[Pending]:
        with self._told():
            out = []
            for field, value in self._client.hgetall(f"{self._p}:pending").items():
                field_host, _, path = field.decode("utf-8").partition("\0")
                if field_host != host:
                    continue
                role, start, verdicts, payload = value.split(b"\n", 3)
                out.append(Pending(Sink(path, host, role.decode(), int(start)), payload,
                                   decode_verdicts(verdicts.decode("utf-8"), self.params.num_perm)))
            return out

    def clear_pending(self, sink: Sink) -> None:
        with self._told():
            self._client.hdel(f"{self._p}:pending", _field(sink))

    def window(self) -> float | None:
        with self._told():
            value = self._client.hget(f"{self._p}:meta", "window")
            return None if value in (None, b"null") else float(value)

    def set_window(self, seconds: float | None) -> None:
        with self._told():
            self._client.hset(f"{self._p}:meta", "window", "null" if seconds is None else repr(float(seconds)))

    def expire(self, now: float) -> int:
        removed = 0
        while True:
            done, more = self._call("expire", self._p, repr(now), self.params.bands, _EXPIRE_CHUNK)
            removed += int(done)
            if not int(more):
                return removed

    def count(self) -> int:
        with self._told():
            return int(self._client.get(f"{self._p}:count") or 0)

    def stats(self) -> IndexStats:
        with self._told():
            count = self.count()
            oldest = newest = None
            if count:
                low = int(self._client.get(f"{self._p}:low") or 1)
                record = self._client.hget(f"{self._p}:i:{low // 1024}", str(low))
                oldest = struct.unpack("<d", record[:8])[0] if record else None
                newest = float(self._client.hget(f"{self._p}:meta", "last"))
            return IndexStats(self.location, count, oldest, newest, self._memory(), "memory of its keys in Redis",
                              self.params, self.window())

    def _memory(self) -> int:
        """Bytes of memory the index's keys take in Redis."""
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self._p) + ":*"
        total, batch = 0, []
        for key in self._client.scan_iter(match=pattern, count=_SCAN_CHUNK):
            batch.append(key)
            if len(batch) >= _SCAN_CHUNK:
                total += self._memory_of(batch)
                batch = []
        return total + self._memory_of(batch)

    def _memory_of(self, keys: list[bytes]) -> int:
        pipe = self._client.pipeline(transaction=False)
        for key in keys:
            pipe.memory_usage(key, samples=0)
        return sum(v or 0 for v in pipe.execute())

    def close(self) -> None:
        self._client.close()


def _field(sink: Sink) -> bytes:
    return f"{sink.host}\0{sink.path}".encode("utf-8")


#: ``maxmemory-policy`` values under which Redis may evict any key, the index's among them.
#: The ``volatile-*`` policies evict only keys with a time to live, which the index never sets.
_EVICTING = ("allkeys-lru", "allkeys-lfu", "allkeys-random")


def _eviction_notes(client, shown: str) -> list[str]:
    """Refuse a Redis that may evict the index's keys (an ``allkeys-*`` policy under a memory
    limit): an evicted item is forgotten, and delivered again as new without a word. With no
    limit set (``maxmemory 0``) nothing is evicted yet: a warning. Nothing when CONFIG cannot be
    asked (managed services rename it); then the server's own settings are the user's to check."""
    try:
        config = client.config_get("maxmemory*")
    except Exception:  # noqa: BLE001 - CONFIG may be renamed or refused
        return []
    policy = config.get("maxmemory-policy", "")
    if policy not in _EVICTING:
        return []
    if int(config.get("maxmemory") or 0) > 0:
        raise FeedIndexError(f"{shown}: Redis evicts keys at its memory limit (maxmemory-policy {policy}), "
                             "and an evicted item would be passed on again as new: use a Redis with "
                             "maxmemory-policy noeviction (or a volatile-* policy) for the index")
    return [(f"{shown}: maxmemory-policy is {policy}: once a memory limit is set, Redis may evict the "
             "index's items and they would be passed on again as new; set noeviction")]


def _persistence_notes(client, shown: str) -> list[str]:
    """A warning when a crash of Redis could lose acknowledged items (nothing when it cannot be asked)."""
    try:
        info = client.info("persistence")
    except Exception:  # noqa: BLE001 - INFO may be renamed or disabled; then there is nothing to say
        return []
    if not info.get("aof_enabled"):
        return [f"{shown}: Redis keeps no append-only file (appendonly no): a crash of Redis can lose "
                "items acknowledged since its last snapshot"]
    return []
