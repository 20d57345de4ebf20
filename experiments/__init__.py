"""One-off experiments behind the product's defaults; not packaged (see experiments/README.md).

Each module runs as `python -m experiments.<name>` from the repository root, may import `rag` and `evals`,
and says in its docstring what it measured and where the result is recorded (`docs/measurements.md`).
Nothing in `rag`, `api` or `evals` imports this package.
"""
