"""Performance of the product on this machine, with LlamaIndex measured side by side in the same run.

    python -m evals.bench [--articles 300|all] [--quick] [--out evals/results/bench.json]
                          [--sections ingest peer search vectors ask ask-peer] [--sizes 1000 10000 100000]
                          [--index /tmp/rtqa] [--ask-questions 8] [--ask-corpus seed|realtimeqa]
                          [--generators extractive local]

Sections (all by default; `--quick` shrinks every one to a smoke test of a few minutes):

- ingest: a sample of RealTimeQA (`--articles`, about 300 articles: whole questions' search results, see
  `evals.bench.common.select_groups`) goes through the product's own path, as `rag ingest` runs it
  (`factory.embedder/store/indexer`, `read_sources`, `Indexer.ingest`, `LocalStore.writing`), into a fresh
  index. Reported: articles/s, chunks/s, word pieces the embedding model actually read (after truncation,
  [CLS]/[SEP] included) per second of model time, seconds by stage (parse, chunk, embed, store = SQLite and
  FAISS writes, persist = the vector file and manifest), coverage (share of the articles' word pieces that
  reach the model untruncated), peak memory, index bytes per chunk. Then "levers": the same chunk inputs
  embedded by each runtime (ONNX, PyTorch), weights (float32, int8) and batch size, interleaved, so CPU
  contention hits them alike.
- peer: LlamaIndex (`evals/bench/peer_llamaindex.py`, its own virtual environment, created on first use in
  `--peer-venv`) ingests the same articles and answers the same questions; both are scored with the same
  code: answer@k (a top-k passage contains the gold answer), passage@k (it holds the evidence sentence;
  `evals.suite.datasets.realtimeqa.contains_evidence`, over questions whose evidence some article of the
  sample holds),
  own article@k (a top-k passage comes from one of the question's own search results), MRR@10 of each, and
  the cl100k tokens of the passages returned; and the ceiling of answer@k: the share of questions whose gold
  answer text occurs in one of their own articles, or in any article of the sample. Ours is also run with k
  chosen so its passages hold no more tokens than the peer's top 10 (equal context budget). Figures are given
  as ratios peer/ours. The questions are those whose search results make up the sample (all their articles
  are in the corpus; the other questions' articles are the distractors).
- search: whole-path latency (`Retriever.search`, k=10: query embedding, FAISS, BM25, fusion with passage
  fetching, each timed by the retriever's `last_timings`) at about 10^3, 10^4 and 10^5 chunks. 10^3 and 10^4
  are whole articles of `--index` (read-only; default /tmp/rtqa, every RealTimeQA article); above the real
  chunks, made-up copies of real articles are added: copy c of a chunk is its text without every 7th word
  (offset c, so retrieval does not fold copies together as duplicates; `evals.bench.common.drop_words`) under a
  new article id, with the original's vector plus Gaussian noise (sigma 0.05 per coordinate, renormalised;
  `evals.bench.vectors.perturb`). Collections are built through `LocalStore.write` and cached in
  `--collections` (they are deterministic in the seed).
- vectors: exact vs HNSW vs IVF at the same sizes (`evals.bench.vectors.run`): recall@10 against exact,
  latency, build time and bytes.
- ask: `Pipeline.ask` over an index of seeds/ on the project's seed questions (`--ask-questions`) for each
  generator: retrieval, prompt processing and decoding (llama.cpp's counters, `LocalLLM.last_stats`),
  verification (the judge's calls) and tokens per second.
- ask-peer: the same questions (`--ask-questions`; `--ask-corpus seed`: the seed article's, or `realtimeqa`:
  the RealTimeQA sample's, each as of its date) asked, in one run, of ours (`Pipeline.ask`, local
  generator) and of a LlamaIndex query engine (`evals/bench/peer_query_engine.py`, in the peer's environment:
  `VectorStoreIndex(...).as_query_engine()` with `LlamaCPP` on the product's GGUF, same llama.cpp threads and
  context) over the same articles, with LlamaIndex's defaults and at our context budget: latency p50/p95, prompt
  tokens (llama.cpp's counts), answer containment (the suite's `contains_answer`), abstentions; ours as ratios
  to each (`evals.bench.ask_peer`).

CPU contention: the load average is recorded around every section (`load`) and printed with the tables.

Modules, one per section: `ingest`, `peer` (and `peer_llamaindex`, which runs in the peer's environment),
`ranking` (retrieval quality of both on the sample), `search`, `vectors` (also `python -m
evals.bench.vectors`), `ask`, `ask_peer` (and `peer_query_engine`, in the peer's environment); `sample` (the
RealTimeQA sample), `common` (standard-library helpers the peer imports too), `machine` (load, CPU time,
memory), `config`, `targets`, `cli` (the flags and the run).
`python -m evals.bench.api` benchmarks the HTTP service from a second process.

This package imports nothing at import time: the peer's interpreter imports `evals.bench.common` without `rag`.
"""
