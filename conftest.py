"""pytest, for the whole tree: the doctests of modules that need an optional extra are left out
without it (their tests in tests/ skip, saying which extra)."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("distributed") else [
    "audit/engines/dask/engine.py", "audit/cleaning/on_cluster.py"]
