"""Readers: one module per input format, each turning text or bytes (plus a source name) into `Article`s.

`base` holds what every reader shares: `IngestProblem`, article ids, content hashes, field checks and
UTF-8 decoding. `plain` reads `.txt`/`.md` (headline, byline and date lines, `Key: value` headers, YAML
front matter), `html` reads `.html`/`.htm` pages, `jsonl` reads JSON lines (plain records and RealTimeQA
search results, gzipped or not); `footer` drops publisher boilerplate for all three. Which reader a file
goes to, and how files, folders, standard input and uploads are opened, is `rag.ingest`'s business.
"""
