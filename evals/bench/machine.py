"""What the benchmark records about the machine and this process: load average, CPU time, memory, threads."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cpu_seconds() -> float:
    """User + system CPU time of this process (all its threads) so far."""
    t = os.times()
    return t.user + t.system


def rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssPeak:
    """Highest resident memory of this process while the block runs (sampled every 50 ms)."""

    def __init__(self) -> None:
        self.before = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def descendants_cpu(table: dict[int, tuple[int, float]], root: int) -> dict[int, float]:
    """CPU seconds of `root` and every process below it, from {pid: (parent pid, CPU seconds)}."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out: dict[int, float] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in table and pid not in out:
            out[pid] = table[pid][1]
            todo += children.get(pid, [])
    return out


def process_table() -> dict[int, tuple[int, float]]:
    """{pid: (parent pid, user + system CPU seconds)} of every process /proc shows (empty without /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone since listed
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return table


class TreeCpu:
    """CPU seconds of this process and every process it starts (Ray's raylet and workers) while the block
    runs, sampled every `every` seconds: a process that ends between samples loses at most that much.
    On a shared machine this is the work done, where wall time also counts the waiting for a core."""

    def __init__(self, every: float = 0.5) -> None:
        self.every = every
        self.seen: dict[int, float] = {}
        self.start: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for pid, cpu in descendants_cpu(process_table(), os.getpid()).items():
            self.seen[pid] = max(self.seen.get(pid, 0.0), cpu)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    @property
    def seconds(self) -> float:
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.seen.items())

    def __enter__(self) -> TreeCpu:
        self._sample()
        self.start = dict(self.seen)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def torch_threads() -> int | None:
    try:
        import torch

        return torch.get_num_threads()
    except ImportError:
        return None


SIMD_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_int8", "amx_bf16")


def cpu(cpuinfo: str | None = None) -> dict[str, object]:
    """The CPU the figures were taken on: its model name and which of the instruction sets that matrix
    kernels (ONNX Runtime, PyTorch, llama.cpp) pick between it has; from /proc/cpuinfo where readable."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            cpuinfo = ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    flags = set(fields.get("flags", "").split())
    return {
        "model": fields.get("model name", "unknown"),
        "cores_usable": len(os.sched_getaffinity(0)),
        "simd": [f for f in SIMD_FLAGS if f in flags],
    }


def runtimes() -> dict[str, object]:
    """Versions and thread settings of the runtimes that embed and generate, beside every figure."""
    from importlib import metadata

    versions = {}
    for package in ("onnxruntime", "torch", "llama_cpp_python", "sentence-transformers"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"versions": versions, "torch_threads": torch_threads()}
