"""The Dask engine (corpus-audit[dask]): the scan's stages mapped over parts of the corpus on a cluster."""
