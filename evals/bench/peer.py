"""The peer section: LlamaIndex, in its own virtual environment, on the same articles and questions as ours.

`evals.bench.peer_llamaindex` runs there as a subprocess and reports JSON (`evals.bench.common.parse_peer`);
`peer_summary` turns that report into the same figures `evals.bench.ingest` gives for ours.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

from evals.bench.common import parse_peer, per_second, round_or_none
from evals.bench.config import PEER_PACKAGES, ROOT, K
from evals.bench.ingest import coverage
from evals.bench.sample import Sample


def ensure_peer_venv(path: Path) -> Path:
    """A virtual environment with LlamaIndex that also sees this environment's packages (torch,
    sentence-transformers, faiss, the model), so both systems run the very same versions of those."""
    python = path / "bin" / "python"
    marker = path / ".rag-peer.json"
    purelib = sysconfig.get_paths()["purelib"]
    wanted = {"packages": list(PEER_PACKAGES), "project_site_packages": purelib}
    try:
        if json.loads(marker.read_text()) == wanted and python.exists():
            return python
    except (OSError, ValueError):
        pass
    print(f"creating the LlamaIndex environment in {path} (first use) ...", file=sys.stderr, flush=True)
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Appended after the venv's own site-packages: what LlamaIndex needs and this environment lacks is
    # installed into the venv; what this environment has (torch, transformers, faiss, ...) is used as is.
    Path(site, "zz_rag_project_venv.pth").write_text(f"import site; site.addsitedir({purelib!r})\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    marker.write_text(json.dumps(wanted))
    return python


def run_peer(sample: Sample, workdir: Path, venv: Path, timeout: int) -> dict[str, Any]:
    from rag.encodings import get_encoding

    get_encoding("cl100k_base")  # puts the BPE file where tiktoken (and so LlamaIndex) looks, and sets the env
    python = ensure_peer_venv(venv)
    articles = workdir / "peer_articles.json"
    questions = workdir / "peer_questions.json"
    out = workdir / "peer_report.json"
    articles.write_text(
        json.dumps([{"id": a.id, "title": a.title, "body": a.body} for a in sample.articles.values()]),
        encoding="utf-8",
    )
    questions.write_text(json.dumps([{"id": q.id, "question": q.question} for q in sample.questions]))
    cmd = [str(python), "-m", "evals.bench.peer_llamaindex", "--articles", str(articles), "--questions", str(questions)]
    cmd += ["--out", str(out), "--top-k", str(K)]
    log = workdir / "peer.log"
    started = time.perf_counter()
    with log.open("w") as err:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=err, stderr=subprocess.STDOUT, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"the LlamaIndex peer failed (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
    report = parse_peer(out.read_text(encoding="utf-8"))
    report["process_wall_s"] = round(time.perf_counter() - started, 1)
    return report


def peer_summary(report: dict[str, Any], tokenizer: Any, bodies: dict[str, str]) -> dict[str, Any]:
    ingest = report["ingest"]
    spans: dict[str, list[tuple[int, int]]] = {}
    for node in report["nodes"]:
        spans.setdefault(node["doc"], []).append((node["start"], node["covered_end"]))
    cover = coverage(tokenizer, bodies, spans)
    seconds = ingest["seconds"]
    wall = seconds["total"]
    return {
        "documents": ingest["documents"],
        "nodes": ingest["nodes"],
        "seconds": seconds,
        "articles_per_s": round(ingest["documents"] / wall, 2),
        "chunks_per_s": round(ingest["nodes"] / wall, 1),
        "tokens_read": ingest["tokens_read"],
        "tokens_before_truncation": ingest["tokens_total"],
        "tokens_read_per_s_model": round(ingest["tokens_read"] / seconds["embed"], 1),
        "tokens_read_per_s_wall": round(ingest["tokens_read"] / wall, 1),
        "cpu_s": ingest.get("cpu_s"),
        "tokens_read_per_cpu_s": round_or_none(per_second(ingest["tokens_read"], ingest.get("cpu_s") or 0)),
        "truncated_inputs": sum(n["total"] > n["read"] for n in report["nodes"]),
        **cover,
        "peak_rss_mb": ingest["peak_rss_mb"],
        "index_bytes": ingest["bytes_on_disk"],
        "index_bytes_per_chunk": round(ingest["bytes_on_disk"] / max(1, ingest["nodes"]), 1),
        "versions": report["versions"],
        "settings": report["settings"],
        "load": report["loadavg"],
        "process_wall_s": report.get("process_wall_s"),
    }
