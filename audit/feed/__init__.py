"""Feed deduplication: a persistent LSH index (SQLite or Redis) that passes on only new items."""
