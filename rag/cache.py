"""Where artefacts built once on this machine live (the joined LLM file, the embedder's ONNX graph)."""

from __future__ import annotations

import os
from pathlib import Path


def model_dir() -> Path:
    """`$RAG_MODEL_DIR`, else `~/.cache/rag/models/`."""
    env = os.environ.get("RAG_MODEL_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "rag" / "models"
