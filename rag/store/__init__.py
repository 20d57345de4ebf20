"""The index: articles, their chunks and one vector per chunk, searched densely (vectors) and lexically (BM25).

- `base`: the contract every store meets (`Store`, with `StoredChunk`, `IndexConfig`, `text_hash`);
  callers type against it, and tests/store/test_contract.py checks each implementation against it.
- `local`: `LocalStore`, the implementation in one folder (SQLite + FAISS file + manifest.json), built on
  `database` (the SQLite schema and write statements), `manifest` (manifest.json), `vectors` (the FAISS
  index) and `lexical` (FTS5's BM25, scored in memory).
"""
