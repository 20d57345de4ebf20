"""Evaluation: dataset loaders, metrics and runners (data is read from a path, never copied in)."""
