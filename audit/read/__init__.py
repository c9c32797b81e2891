"""Reading a corpus: files, folders, JSON Lines, URLs and records in memory, as documents and input problems."""
