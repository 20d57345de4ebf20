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
from rag.text import split_sentences
from rag.types import Chunk

CountFn = Callable[[Sequence[str]], list[int]]

# Packing works on "units": (start, end, tiktoken count, embedder count without special tokens).
_Unit = tuple[int, int, int, int]

_WHITESPACE = re.compile(r"\s+")
# A join between units is measured on the text around it: up to _CONTEXT characters of the words
# either side, and the whitespace between.
_CONTEXT = 16
_TAIL = re.compile(r"\S+\Z")
_HEAD = re.compile(r"\S+")
_ALL_ENDS = 32  # a chunk over budget is repaired by measuring all its prefixes, or this many around a guess


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
        return [
            Chunk(article_id, position, units[i][0], units[j - 1][1], body[units[i][0] : units[j - 1][1]], n)
            for position, (i, j, n) in enumerate(_Packer(self, body, units, reserve).plan())
        ]

    def _check_reserve(self, reserve: int) -> None:
        if reserve < 0:
            raise InputError(f"reserve must be >= 0, got {reserve}")
        if self.limit is not None and reserve >= self.limit:
            raise InputError(f"reserve must be less than limit ({self.limit}), got {reserve}")

    def _measure(self, texts: list[str]) -> tuple[list[int], list[int]]:
        """Exact (tiktoken, embedder) counts of each text, one batched call each."""
        return self._count_tiktoken(texts), self._count_limit(texts)

    def _count_tiktoken(self, texts: Sequence[str]) -> list[int]:
        # A plain loop, not encode_ordinary_batch: that one submits every text to a fresh thread pool,
        # which made chunking the seed article six times slower than encoding in this thread.
        encode = self._tiktoken.encode_ordinary
        return [len(encode(text)) for text in texts]

    def _count_limit(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        if self.count_limit is None:
            return [0] * len(texts)
        counts = list(self.count_limit(texts))
        if len(counts) != len(texts):
            raise ModelError(f"count_limit returned {len(counts)} counts for {len(texts)} texts")
        return counts

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


class _Packer:
    """Plans one article's chunks from its units, verifying each chunk exactly before it is final.

    A chunk's counts are estimated from its units' own counts plus what the joins between them add,
    measured on the words either side, so that separators which cost tokens (a lone CR, a LINE
    SEPARATOR, a no-break space) are counted: tiktoken's joins always, the embedder's once a chunk
    is first found over its budget. Chunks are verified in rounds, one batch each, starting at the
    first chunk not yet final: those that fit become final; the first one over budget raises that
    budget's slack (added to every later estimate) to what it really needed, is replaced at once by
    its longest measured prefix that fits, and the next round packs from there. After a miss a
    round verifies only a few chunks ahead, doubling while they fit, so little is measured in vain.
    Every miss raises a slack by at least one token (or measures the embedder's joins, once), so
    there are at most about max_tokens + limit misses, each costing two batches, and the cost is
    linear in the article's length whatever its separators.
    """

    def __init__(self, chunker: Chunker, body: str, units: list[_Unit], reserve: int) -> None:
        self.chunker = chunker
        self.body = body
        self.units = units
        self.reserve = reserve
        self.special = chunker._special
        self.measured: dict[tuple[int, int], tuple[int, int]] = {}  # unit range -> exact counts
        self.sum_tik = [0, *itertools.accumulate(u[2] for u in units)]
        self.sum_lim = [0, *itertools.accumulate(u[3] for u in units)]
        # Running totals of what the joins between units add: tiktoken's always (it is cheap, and
        # news has many joins that cost a token, such as ".\n\nThe"), the embedder's once its budget
        # is first missed (None until then).
        self.join_tik = self._joins(chunker._count_tiktoken, 0)
        self.join_lim: list[int] | None = None
        self.slack_tik = self.slack_lim = 0  # added to every chunk of two units or more

    def _joins(self, count: CountFn, special: int) -> list[int]:
        """Running totals of what each join adds to the units either side (never less than 0).

        A join is measured on the words around it: `count` counts a batch of texts, `special` tokens
        each. Words and contexts repeat ("said.", " ", "The"), so each distinct text is counted once.
        """
        joins = [_join_context(self.body, a, b) for a, b in itertools.pairwise(self.units)]
        distinct = {key: "".join(key) for key in joins}
        texts = list(dict.fromkeys(t for (left, _, right), whole in distinct.items() for t in (whole, left, right)))
        n = dict(zip(texts, count(texts), strict=True))
        cost = {key: max(0, n[whole] - n[key[0]] - n[key[2]] + special) for key, whole in distinct.items()}
        return [0, *itertools.accumulate(cost[key] for key in joins)]

    def base(self, i: int, j: int) -> tuple[int, int]:
        """Estimated (tiktoken, embedder with special tokens) counts of units [i, j) as one chunk, no slack."""
        tiks = self.sum_tik[j] - self.sum_tik[i] + self.join_tik[j - 1] - self.join_tik[i]
        lims = self.special + self.sum_lim[j] - self.sum_lim[i]
        if self.join_lim is not None:
            lims += self.join_lim[j - 1] - self.join_lim[i]
        return tiks, lims

    def fits(self, i: int, j: int) -> bool:
        """Whether units [i, j) are estimated to fit both budgets as one chunk (one unit always does)."""
        if j == i + 1:
            return True
        tiks, lims = self.base(i, j)
        return self.chunker._fits(tiks + self.slack_tik, lims + self.slack_lim, self.reserve)

    def pack(self, i: int) -> int:
        """End of the chunk starting at unit i: as many units as the estimates allow (at least one)."""
        j = i + 1
        while j < len(self.units) and self.fits(i, j + 1):
            j += 1
        return j

    def next_start(self, i: int, j: int) -> int:
        """First unit of the chunk after [i, j): its trailing units within overlap_tokens that leave room."""
        k = j
        while k - 1 > i and self.base(k - 1, j)[0] <= self.chunker.overlap_tokens:
            k -= 1
        # Drop overlap until the next chunk can take unit j, so that every chunk adds something new.
        while k < j and not self.fits(k, j + 1):
            k += 1
        return k

    def counts(self, i: int, j: int) -> tuple[int, int]:
        """Exact counts of units [i, j) as one chunk (a single unit's are known from fitting it)."""
        if j == i + 1:
            return self.units[i][2], self.special + self.units[i][3]
        return self.measured[i, j]

    def measure(self, ranges: list[tuple[int, int]]) -> None:
        new = [r for r in dict.fromkeys(ranges) if r[1] > r[0] + 1 and r not in self.measured]
        tiks, lims = self.chunker._measure([self.body[self.units[i][0] : self.units[j - 1][1]] for i, j in new])
        self.measured.update(zip(new, zip(tiks, lims, strict=True), strict=True))

    def plan(self) -> list[tuple[int, int, int]]:
        """(first unit, end unit, exact tiktoken count) of each chunk, in order."""
        n = len(self.units)
        chunks: list[tuple[int, int, int]] = []
        window = n  # chunks verified per round: all at first, a few after a miss, doubling while they fit
        while True:
            i = self.next_start(*chunks[-1][:2]) if chunks else 0
            ranges = []
            while True:
                j = self.pack(i)
                ranges.append((i, j))
                if j == n or len(ranges) == window:
                    break
                i = self.next_start(i, j)
            self.measure(ranges)
            for k, (i, j) in enumerate(ranges):
                tiks, lims = self.counts(i, j)
                over = not self.chunker._fits(tiks, lims, self.reserve)
                if over:
                    self._learn(i, j, tiks, lims)
                    i, j, tiks = self._repair(i, j, chunks[-1][1] if chunks else 0)
                chunks.append((i, j, tiks))
                if j == n:
                    return chunks
                if over:
                    window = max(4, 2 * (k + 1))
                    break
            else:
                window *= 2

    def _learn(self, i: int, j: int, tiks: int, lims: int) -> None:
        """Raise the slack of each budget that [i, j) is over to what it needed (embedder joins measured first)."""
        limit = self.chunker.limit
        over_tik = tiks > self.chunker.max_tokens
        over_lim = limit is not None and lims + self.reserve > limit
        if over_lim and self.join_lim is None:
            self.join_lim = self._joins(self.chunker._count_limit, self.special)
        base_tiks, base_lims = self.base(i, j)
        if over_tik:
            self.slack_tik = max(self.slack_tik, tiks - base_tiks)
        if over_lim:
            self.slack_lim = max(self.slack_lim, lims - base_lims)

    def _repair(self, i: int, j: int, done: int) -> tuple[int, int, int]:
        """The longest measured chunk that fits in place of [i, j), over budget; `done` units are chunked.

        It starts at i (keeping the overlap) if it can reach past unit `done`, else at `done`; one
        unit alone always fits, so there is always one.
        """
        low = max(i, done)
        ends = _candidate_ends(low, j, self.pack(i))
        starts = [i] if i == done else [i, done]
        self.measure([(s, k) for s in starts for k in ends])
        for s in starts:
            for k in sorted(ends, reverse=True):
                tiks, lims = self.counts(s, k)
                if self.chunker._fits(tiks, lims, self.reserve):
                    return s, k, tiks
        return done, done + 1, self.units[done][2]


def _join_context(body: str, left: _Unit, right: _Unit) -> tuple[str, str, str]:
    """The join between two units in context: (end of the left one's last word, gap, start of the right's first)."""
    tail = _TAIL.search(body, max(left[0], left[1] - _CONTEXT), left[1])
    head = _HEAD.match(body, right[0], min(right[1], right[0] + _CONTEXT))
    return tail.group() if tail else "", body[left[1] : right[0]], head.group() if head else ""


def _candidate_ends(low: int, j: int, guess: int) -> list[int]:
    """Ends in (low, j) worth measuring for a repaired chunk: all if few, else around the guess."""
    if j - low <= _ALL_ENDS:
        return list(range(low + 1, j))
    ends = {low + 1, j - 1, *range(max(low + 1, guess - 4), min(j, guess + 12))}
    step = 1
    while low + step < j:
        ends.update((low + step, j - step))
        step *= 2
    return sorted(ends)


def _nearest(sorted_values: list[int], target: int) -> int:
    """Index of the value closest to `target` in a non-empty sorted list."""
    i = bisect.bisect_left(sorted_values, target)
    if i == len(sorted_values) or (i > 0 and target - sorted_values[i - 1] <= sorted_values[i] - target):
        return i - 1
    return i
