"""How the corpus pass hands out its blocks of work: here, one after the other, or to a pool.

The pass cuts what parallelizes (an LSH band's pairs, a block of candidate passages) into calls
of top-level functions on plain data; a :data:`Run` makes the calls and gives their results in
the order of the calls, so the result never depends on where they ran. The local engine runs
them in its process pool (:mod:`audit.engines.local`); :func:`here` runs them in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

#: Given a function and the argument tuples of its calls: the calls' results, in order.
Run = Callable[[Callable[..., Any], Iterable[tuple[Any, ...]]], Iterator[Any]]


def here(function: Callable[..., Any], calls: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
    """The :data:`Run` of this process: each call made as its result is wanted.

    >>> list(here(divmod, [(7, 2), (9, 3)]))
    [(3, 1), (3, 0)]
    """
    return (function(*args) for args in calls)
