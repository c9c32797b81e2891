"""Opens a feed index by its location: a SQLite file (the default, no server) or Redis."""

from __future__ import annotations

import re

from audit.errors import ConfigError
from audit.feed.index import FeedIndex, IndexParams


def open_index(location: str, params: IndexParams | None) -> FeedIndex:
    """The index at `location`: a ``redis://``, ``rediss://`` or ``unix://`` URL, else a SQLite file.

    A missing index is created with `params`; an existing one must have been made with the same
    parameters. With `params` None, an existing index is opened with its own (to look at it).
    """
    if re.match(r"^(redis|rediss|unix)://", location):
        from audit.feed.redis_index import RedisIndex
        return RedisIndex.open(location, params)
    if "://" in location:
        raise ConfigError(f"{location}: not an index location (a file path, or a redis:// URL)")
    from audit.feed.sqlite_index import SqliteIndex
    return SqliteIndex.open(location, params)
