"""Near-duplicates: MinHash signatures, LSH candidates, exact verification, clusters and shared passages."""
