"""Values that cross between Dask's processes as one pickle, not as a frame for each array in them.

Dask pickles a value with protocol 5 and sends every NumPy array in it as a frame of its own. A
group's shingle sets, signatures and passages' tables are thousands of small arrays, as a part's
summaries were while each carried its passages' table, and thousands of frames cost far more than
the pickle: a client took 34 to 70 ms of CPU to receive 1,250 summaries that as one pickle take
10 to 13 ms (bench/HISTORY.md, the tenth round). The types marked here go as one frame, at the
cost of one more copy of the value's bytes on each side. A task's list result is sent an item at
a time, each pickled with a header of its own: a list of many small values crosses as
:class:`Items`, one pickle. Values that stay where they were made are only weighed
(:func:`weighed`).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

from dask.sizeof import sizeof
from distributed.protocol import dask_deserialize, dask_serialize

T = TypeVar("T", bound=type)
V = TypeVar("V")


def weighed(cls: T) -> T:
    """Let Dask weigh values of the dataclass `cls` by their fields, for where to run a task and
    what to spill. Unweighed, a part's kept lines counted as 56 bytes, and a task that read them
    and a scattered array ran where the array was: the lines moved to it (bench/HISTORY.md, the
    twelfth round)."""

    @sizeof.register(cls)
    def _sizeof(value: Any) -> int:
        return sum(sizeof(getattr(value, f.name)) for f in fields(value))

    return cls


def one_frame(cls: T) -> T:
    """Send values of the dataclass `cls` between Dask's processes as one pickle (its arrays in
    it), and let Dask weigh them by their fields (:func:`weighed`)."""
    weighed(cls)

    @dask_serialize.register(cls)
    def _serialize(value: Any) -> tuple[dict[str, Any], list[bytes]]:
        return {}, [pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)]

    @dask_deserialize.register(cls)
    def _deserialize(header: dict[str, Any], frames: list[Any]) -> Any:
        return pickle.loads(frames[0])

    return cls


@dataclass
class Items(Generic[V]):
    """A task's result of many small values, as one pickle. Dask sends a task's list result an
    item at a time, each with a pickle and a header of its own: the 11,582 shared passages of the
    20,000 planted documents were 11,582 pickles for the client to take apart (bench/HISTORY.md,
    the seventeenth round)."""

    items: list[V]


one_frame(Items)
