"""Token-aware, sentence-aligned chunking with exact character offsets into the article body.

A chunk is a run of whole sentences, `body[start:end]`, that fits two budgets at once: `max_tokens` in
the tiktoken encoding (what prompts are sized in) and `limit` word pieces in the embedder's own
tokenizer (what the embedder reads before it truncates silently). A sentence too long for either is
split at whitespace, and a "word" too long at character positions, so that nothing is ever lost.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Sequence

import tiktoken

from rag.encodings import SUPPORTED_ENCODINGS, get_encoding
from rag.errors import InputError, ModelError
from rag.types import Chunk

CountFn = Callable[[Sequence[str]], list[int]]

# Packing works on "units": (start, end, tiktoken count, embedder count without special tokens).
_Unit = tuple[int, int, int, int]

_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
_ABBREVIATIONS = frozenset(
    {"Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Sen.", "Rep.", "Gov.", "Gen.", "Col.", "Lt.", "St.", "Jr.", "Sr."}
    | {"Inc.", "Ltd.", "Co.", "Corp.", "vs.", "etc.", "e.g.", "i.e."}
    | {"Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."}
)
# "No." is an abbreviation only before a number ("No. 10"); "The answer was No. Then ..." ends one.
_NUMBER_ABBREVIATIONS = frozenset({"No.", "Nos."})
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+")  # J. / U.S. / U.K. / e.g. (letters, each with a dot)
_SENTENCE_END = re.compile(rf"[.!?]+[{re.escape(_CLOSERS)}]*(\s+)(?=\S)")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_BULLET_LINE = re.compile(r"\n[^\S\n]*(?=(?:[-*+•‣◦▪–—]|\d{1,3}[.)]|#{1,6})[^\S\n])")
_WHITESPACE = re.compile(r"\s+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (whitespace between them excluded); text[s:e] is a sentence.

    Rule-based: a sentence ends at . ! ? (and any closing quotes or brackets) before whitespace and an
    uppercase letter, digit or opening quote, except after common abbreviations and initials; at a
    blank line unless the next paragraph starts in lowercase (a paragraph broken mid-sentence); and
    before a bulleted or heading line.
    """
    cuts = {0, len(text)}
    cuts.update(m.start(1) for m in _SENTENCE_END.finditer(text) if _ends_sentence(text, m))
    cuts.update(
        m.start() for m in _PARAGRAPH_BREAK.finditer(text) if m.end() == len(text) or not text[m.end()].islower()
    )
    cuts.update(m.start() for m in _BULLET_LINE.finditer(text))
    bounds = sorted(cuts)
    spans = []
    for a, b in itertools.pairwise(bounds):
        segment = text[a:b]
        stripped = segment.lstrip()
        if stripped:
            start = a + len(segment) - len(stripped)
            spans.append((start, start + len(stripped.rstrip())))
    return spans


def _ends_sentence(text: str, m: re.Match[str]) -> bool:
    following = text[m.end()]
    if not (following.isupper() or following.isdigit() or following in _OPENERS):
        return False
    if text[m.start()] != "." or text[m.start() + 1 : m.start(1)].startswith("."):
        return True  # "!", "?" and "..." are never abbreviations
    word = _word_before(text, m.start() + 1)
    if word in _NUMBER_ABBREVIATIONS:
        return not following.isdigit()
    return word not in _ABBREVIATIONS and not _INITIALS.fullmatch(word)


def _word_before(text: str, end: int) -> str:
    """The whitespace-delimited word ending at `end`, without opening quotes or brackets."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
        if end - start > 12:
            return ""  # abbreviations are short; stopping early keeps a long blob ending in "." cheap
    return text[start:end].lstrip(_OPENERS)


class Chunker:
    """Splits article bodies into overlapping chunks of whole sentences within two token budgets.

    `count_limit` counts tokens in the embedder's own tokenizer (special tokens included) for a batch of
    texts, and `limit` is how many the embedder reads; both or neither must be given.
    """

    def __init__(
        self,
        *,
        encoding: str = "cl100k_base",
        max_tokens: int = 200,
        overlap_tokens: int = 40,
        limit: int | None = None,
        count_limit: CountFn | None = None,
    ) -> None:
        if encoding not in SUPPORTED_ENCODINGS:
            raise InputError(f"encoding must be one of {', '.join(SUPPORTED_ENCODINGS)}, got {encoding!r}")
        if max_tokens <= 0:
            raise InputError(f"max_tokens must be greater than 0, got {max_tokens}")
        if not 0 <= overlap_tokens < max_tokens:
            raise InputError(f"overlap_tokens must be >= 0 and < max_tokens ({max_tokens}), got {overlap_tokens}")
        if limit is not None and limit <= 0:
            raise InputError(f"limit must be greater than 0, got {limit}")
        if (limit is None) != (count_limit is None):
            raise InputError(
                f"limit and count_limit must be given together, got limit={limit} and "
                f"count_limit={'a function' if count_limit else None}"
            )
        self.encoding = encoding
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.limit = limit
        self.count_limit = count_limit

    @functools.cached_property
    def _tiktoken(self) -> tiktoken.Encoding:
        return get_encoding(self.encoding)

    @functools.cached_property
    def _special(self) -> int:
        """Tokens the embedder's tokenizer adds to every text ([CLS] and [SEP] for BERT)."""
        return max(0, self.count_limit([""])[0]) if self.count_limit else 0

    def chunk(self, article_id: str, body: str, *, reserve: int = 0) -> list[Chunk]:
        """Chunks of `body`, positions 0, 1, 2, ...; `reserve` embedder tokens are kept free for a prefix."""
        self._check_reserve(reserve)
        spans = split_sentences(body)
        if not spans:
            return []
        units = self._fit(body, spans, reserve)
        ranges, n_tokens = self._plan(body, units, reserve)
        return [
            Chunk(article_id, position, units[i][0], units[j - 1][1], body[units[i][0] : units[j - 1][1]], n)
            for position, ((i, j), n) in enumerate(zip(ranges, n_tokens, strict=True))
        ]

    def _check_reserve(self, reserve: int) -> None:
        if reserve < 0:
            raise InputError(f"reserve must be >= 0, got {reserve}")
        if self.limit is not None and reserve >= self.limit:
            raise InputError(f"reserve must be less than limit ({self.limit}), got {reserve}")

    def _measure(self, texts: list[str]) -> tuple[list[int], list[int]]:
        """Exact (tiktoken, embedder) counts of each text, one batched call each."""
        if not texts:
            return [], []
        # A plain loop, not encode_ordinary_batch: that one submits every text to a fresh thread pool,
        # which made chunking the seed article six times slower than encoding in this thread.
        encode = self._tiktoken.encode_ordinary
        tiks = [len(encode(text)) for text in texts]
        if self.count_limit is None:
            return tiks, [0] * len(texts)
        lims = list(self.count_limit(texts))
        if len(lims) != len(texts):
            raise ModelError(f"count_limit returned {len(lims)} counts for {len(texts)} texts")
        return tiks, lims

    def _fits(self, tiks: int, lims: int, reserve: int) -> bool:
        return tiks <= self.max_tokens and (self.limit is None or lims + reserve <= self.limit)

    def _fit(self, body: str, spans: list[tuple[int, int]], reserve: int) -> list[_Unit]:
        """Sentences as units, each over-long one split (one batch per round) until every piece fits."""
        units: list[_Unit] = []
        pending = spans
        while pending:
            tiks, lims = self._measure([body[s:e] for s, e in pending])
            pieces: list[tuple[int, int]] = []
            for (s, e), t, n in zip(pending, tiks, lims, strict=True):
                if self._fits(t, n, reserve):
                    units.append((s, e, t, max(0, n - self._special)))
                else:
                    pieces.extend(self._split(body, s, e, self._parts(t, n, reserve)))
            pending = pieces
        units.sort()
        return units

    def _parts(self, tiks: int, lims: int, reserve: int) -> int:
        """How many pieces an over-long span needs if its tokens spread evenly (at least 2)."""
        parts = max(2, -(-tiks // self.max_tokens))
        if self.limit is not None:
            room = max(1, self.limit - reserve - self._special)
            parts = max(parts, -(-(lims - self._special) // room))
        return parts

    def _split(self, body: str, s: int, e: int, parts: int) -> list[tuple[int, int]]:
        """Cut `body[s:e]` into about `parts` pieces at the whitespace nearest even cuts, else mid-word."""
        if e - s < 2:
            raise InputError(
                f"character {body[s]!r} at offset {s} does not fit max_tokens={self.max_tokens} "
                f"and limit={self.limit} with the reserve asked for"
            )
        parts = min(parts, e - s)
        targets = [s + (e - s) * k // parts for k in range(1, parts)]
        gaps = [(m.start(), m.end()) for m in _WHITESPACE.finditer(body, s, e)]
        if not gaps:  # one "word" (a URL, a base64 blob): no better place to cut than anywhere
            return list(itertools.pairwise([s, *targets, e]))
        starts = [g[0] for g in gaps]
        chosen = sorted({_nearest(starts, t) for t in targets})
        bounds = [s, *(x for i in chosen for x in gaps[i]), e]
        return list(zip(bounds[::2], bounds[1::2], strict=True))

    def _plan(self, body: str, units: list[_Unit], reserve: int) -> tuple[list[tuple[int, int]], list[int]]:
        """Unit ranges [i, j) of the chunks and their exact tiktoken counts.

        Packing adds up per-unit counts, which the counts of the joined text need not equal; every
        chunk is therefore measured, and a chunk over budget is capped one unit shorter and the
        article repacked. Each round lowers a cap, and a one-unit chunk always fits, so this ends.
        """
        caps: dict[int, int] = {}
        measured: dict[tuple[int, int], int | None] = {}  # None: over budget
        while True:
            ranges = self._pack(units, caps, reserve)
            new = [r for r in ranges if r not in measured]
            tiks, lims = self._measure([body[units[i][0] : units[j - 1][1]] for i, j in new])
            for r, t, n in zip(new, tiks, lims, strict=True):
                measured[r] = t if self._fits(t, n, reserve) else None
            over = [r for r in ranges if measured[r] is None]
            if not over:
                return ranges, [measured[r] or 0 for r in ranges]  # never 0: all fit
            caps.update((i, j - 1) for i, j in over)

    def _pack(self, units: list[_Unit], caps: dict[int, int], reserve: int) -> list[tuple[int, int]]:
        ranges = []
        i = 0
        while True:
            j, tiks, lims = i + 1, units[i][2], self._special + units[i][3]
            while j < caps.get(i, len(units)) and self._fits(tiks + units[j][2], lims + units[j][3], reserve):
                tiks, lims, j = tiks + units[j][2], lims + units[j][3], j + 1
            ranges.append((i, j))
            if j == len(units):
                return ranges
            i = self._next_start(units, i, j, caps, reserve)

    def _next_start(self, units: list[_Unit], i: int, j: int, caps: dict[int, int], reserve: int) -> int:
        """First unit of the chunk after [i, j): its trailing units within overlap_tokens that leave room."""
        k, overlap = j, 0
        while k - 1 > i and overlap + units[k - 1][2] <= self.overlap_tokens:
            k -= 1
            overlap += units[k][2]
        # Drop overlap until the next chunk can take unit j, so that every chunk adds something new.
        tiks = overlap + units[j][2]
        lims = self._special + sum(u[3] for u in units[k : j + 1])
        while k < j and (caps.get(k, len(units)) <= j or not self._fits(tiks, lims, reserve)):
            tiks, lims, k = tiks - units[k][2], lims - units[k][3], k + 1
        return k


def _nearest(sorted_values: list[int], target: int) -> int:
    """Index of the value closest to `target` in a non-empty sorted list."""
    i = bisect.bisect_left(sorted_values, target)
    if i == len(sorted_values) or (i > 0 and target - sorted_values[i - 1] <= sorted_values[i] - target):
        return i - 1
    return i
