"""Benchmark the HTTP service from a second process on loopback.

    python -m evals.bench.api [--index index] [--searches 300] [--concurrency 4] [--chats 5]

Starts `rag serve` (the configured models: MiniLM and the local LLM by default) on a free port, waits
until /readyz, then measures:
- `/v1/search` under a bounded load: `--concurrency` clients sending `--searches` queries in total;
  requests per second and latency p50/p95;
- `/v1/chat/completions`, streamed, `--chats` questions one after another: time to the first chunk,
  time to the first content (the verified answer), and total time;
- memory of the server process (resident now and peak, from /proc).
Prints a table and writes JSON (`--out`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

QUERIES = [
    "Sigonella airbase refusal",
    "Who confirmed the refusal?",
    "Meloni government NATO crisis",
    "parliamentary vote authorization",
    "United States military access Italy",
    "opposition parties Five Star Movement",
    "Iran war escalation March 2026",
    "Defense Minister Guido Crosetto",
]
QUESTIONS = [
    "Who confirmed the refusal?",
    "Which airbase did Italy deny the United States access to?",
    "When did Italy deny the United States access to the airbase?",
    "Why was the authorization not granted?",
    "Who heads the Italian government?",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def memory_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": round(fields.get("VmRSS", 0), 1), "peak_rss_mb": round(fields.get("VmHWM", 0), 1)}


def start_server(index: str, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "rag", "--index", index, "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"rag serve exited with status {proc.returncode}; run it by hand to see why")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("rag serve did not become ready within 300 s")


def bench_search(url: str, total: int, concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0

    def one(i: int, client: httpx.Client) -> None:
        nonlocal errors
        t = time.perf_counter()
        r = client.post(f"{url}/v1/search", json={"query": QUERIES[i % len(QUERIES)], "k": 5})
        latencies.append(time.perf_counter() - t)
        errors += r.status_code != 200

    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:
        for i in range(min(10, total)):  # warm-up, not counted
            client.post(f"{url}/v1/search", json={"query": QUERIES[i % len(QUERIES)]})
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda i: one(i, client), range(total)))
        wall = time.perf_counter() - started
    return {
        "requests": total,
        "concurrency": concurrency,
        "errors": errors,
        "rps": round(total / wall, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
    }


def bench_chat(url: str, questions: list[str]) -> dict[str, Any]:
    rows = []
    with httpx.Client(timeout=600) as client:
        for q in questions:
            body = {"model": "rag-news", "stream": True, "messages": [{"role": "user", "content": q}]}
            t = time.perf_counter()
            first_chunk = first_content = None
            text = ""
            with client.stream("POST", f"{url}/v1/chat/completions", json=body) as r:
                r.raise_for_status()
                for line in r.iter_lines():
                    if not line.startswith("data: ") or line == "data: [DONE]":
                        continue
                    now = time.perf_counter() - t
                    first_chunk = first_chunk if first_chunk is not None else now
                    chunk = json.loads(line[6:])
                    for choice in chunk.get("choices", []):
                        content = choice["delta"].get("content")
                        if content:
                            first_content = first_content if first_content is not None else now
                            text += content
            rows.append({"question": q, "first_chunk_s": first_chunk, "first_content_s": first_content,
                         "total_s": time.perf_counter() - t, "answer": text})  # fmt: skip

    def stat(key: str, p: float) -> float:
        return round(percentile([r[key] for r in rows if r[key] is not None], p), 3)

    return {
        "questions": len(rows),
        "first_chunk_p50_s": stat("first_chunk_s", 50),
        "first_content_p50_s": stat("first_content_s", 50),
        "first_content_p95_s": stat("first_content_s", 95),
        "total_p50_s": stat("total_s", 50),
        "total_p95_s": stat("total_s", 95),
        "mean_total_s": round(statistics.mean(r["total_s"] for r in rows), 3),
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default=os.environ.get("RAG_INDEX_DIR", "index"))
    ap.add_argument("--searches", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--chats", type=int, default=5)
    ap.add_argument("--out", default="evals/results/bench_api.json")
    args = ap.parse_args(argv)
    if not Path(args.index, "manifest.json").exists():
        raise SystemExit(f"no index at {args.index}: build one with `rag ingest seeds/`")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = time.perf_counter()
    proc = start_server(args.index, port)
    startup = time.perf_counter() - t
    url = f"http://127.0.0.1:{port}"
    try:
        ready = httpx.get(f"{url}/readyz").json()
        memory_idle = memory_mb(proc.pid)
        search = bench_search(url, args.searches, args.concurrency)
        chat = bench_chat(url, (QUESTIONS * 10)[: args.chats])
        memory_after = memory_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    result = {"index": ready["index"], "models": ready["models"], "startup_s": round(startup, 1),
              "memory_ready": memory_idle, "memory_after": memory_after, "search": search, "chat": chat}  # fmt: skip
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"index: {ready['index']['articles']} articles, {ready['index']['chunks']} chunks; models {ready['models']}")
    print(f"startup (index + models) {startup:.1f} s; memory ready {memory_idle}, after {memory_after}")
    print(f"/v1/search  {search['requests']} requests, {search['concurrency']} clients: {search['rps']} req/s, "
          f"p50 {search['p50_ms']} ms, p95 {search['p95_ms']} ms, errors {search['errors']}")  # fmt: skip
    print(f"/v1/chat/completions (stream) x{chat['questions']}: first chunk p50 {chat['first_chunk_p50_s']} s, "
          f"first content p50 {chat['first_content_p50_s']} s / p95 {chat['first_content_p95_s']} s, "
          f"total p50 {chat['total_p50_s']} s / p95 {chat['total_p95_s']} s")  # fmt: skip
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
