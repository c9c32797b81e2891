"""Feed dedup inside a pipeline: records in, only those not seen before out.

:class:`Feed` holds a persistent index open (SQLite or Redis, as ``corpus-audit dedup``) and
checks records a batch at a time, with the same signing and index as the command, so the two can
share one index. It writes no files: where the command delivers new items to an output with a
record of what it delivered (:mod:`audit.feed.delivery`), a Feed hands them back to the caller,
and an item counts as seen once its batch has been checked: records are taken a batch at a time
(`batch_size`), so a caller that stops part way through a batch has had the rest of it marked as
seen without receiving it. Where every new item must reach its destination, write them with
:func:`audit.feed.dedup.dedup` (a file, with a record of each delivery) instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from audit.feed.backends import open_index
from audit.feed.dedup import DedupCounts, Signing, index_params
from audit.feed.defaults import BATCH_SIZE, THRESHOLD
from audit.feed.index import FeedIndex, Verdict, parse_window
from audit.read.readers import Fields
from audit.read.sources import RECORDS, Streamed, records_of
from audit.records import Document, InputProblem
from audit.settings import ScanSettings


class Feed:
    """A feed index opened for a pipeline (a SQLite file, created if missing, or a redis:// URL).

    >>> import tempfile, os
    >>> index = os.path.join(tempfile.mkdtemp(), "seen.db")
    >>> items = [{"id": "1", "text": "Floods close the valley road for a week, officials say."},
    ...          {"id": "2", "text": "A new bridge opens downstream after two years of work."}]
    >>> with Feed(index) as feed:
    ...     [r["id"] for r in feed.new(items)], [r["id"] for r in feed.new(items)]
    (['1', '2'], [])
    """

    def __init__(self, index: str, settings: ScanSettings | None = None, fields: Fields | None = None,
                 threshold: float = THRESHOLD, window: str | None = None, batch_size: int = BATCH_SIZE) -> None:
        settings = settings or ScanSettings()
        self.fields = fields or Fields()
        self.signing = Signing.of(settings)
        self.batch_size = batch_size
        self.counts = DedupCounts()
        s = self.signing
        self.index: FeedIndex = open_index(index, index_params(settings.similarity, s.rules, threshold, s.lines,
                                                                s.disabled))
        if window is not None:
            self.index.set_window(parse_window(window))

    def verdicts(self, records: Iterable[Any], name: str = RECORDS) -> Iterator[tuple[Any, Verdict | InputProblem]]:
        """Each record with its verdict (new, or the duplicate of which item), or the problem that
        kept it from being read; new ones are remembered a batch at a time, before the batch's
        first record is given back. `records` are what :func:`audit.scan` takes in memory (a
        DataFrame gives its rows as dicts)."""
        source = records_of(records, self.fields)
        number = 0
        while batch := list(islice(source, self.batch_size)):
            read = list(Streamed(batch, self.fields, name, first=number + 1))
            number += len(batch)
            docs = [r for r in read if isinstance(r, Document)]
            found = iter(self.index.check_and_add(self.signing.items(docs, self.fields), time.time(), []))
            self.counts.read += len(batch)
            for record, parsed in zip(batch, read):
                if isinstance(parsed, InputProblem):
                    self.counts.errors += 1
                    yield record, parsed
                    continue
                verdict = next(found)
                self.counts.new += verdict.new
                self.counts.duplicates += not verdict.new
                yield record, verdict

    def new(self, records: Iterable[Any], name: str = RECORDS) -> Iterator[Any]:
        """The records not seen before (by this feed or any run on its index), as given. A batch
        counts as seen once checked: stop part way through one, and the rest of it is lost to
        this index (see the module's docstring)."""
        return (record for record, verdict in self.verdicts(records, name)
                if isinstance(verdict, Verdict) and verdict.new)

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
