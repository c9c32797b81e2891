"""Feed dedup's defaults, in a module of their own: the CLI shows them in `dedup --help`, which
should not wait for the analysis, MinHash and the index to load."""

#: Items checked and recorded together (one transaction, one sync of each output file).
BATCH_SIZE = 100
#: Estimated Jaccard similarity at which an item repeats a stored one. Higher than scan's
#: verified 0.3: dedup verifies on signatures, not shingle sets, and on the extraction-dev feed
#: 0.5 keeps 99.9% of its duplicates right (bench/RESULTS.md).
THRESHOLD = 0.5
