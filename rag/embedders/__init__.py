"""Embedding backends, one file each; registered by name in `rag.embed`."""
