"""Where a scan's work runs: the local process pool, or a Dask cluster."""
