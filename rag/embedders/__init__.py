"""Embedding: `base` holds the contract (`Embedder`), `registry` the names; `minilm` is the real model and
`hashing` the deterministic fake (`fake-hash`) the fast tests use."""
