"""Text helpers every stage shares: sentences, words, stopwords, coverage and evidence windows.

One implementation of each, so that chunking, retrieval, generation, the judge and verification agree
on what a sentence and a word are. Pure functions on strings; no model, no I/O.

Two kinds of word are used on purpose:
- `tokens(text)`: lower-cased runs of `\\w` characters, for shingles, hashing and lexical queries;
- `words(text)`: words with inner hyphens and apostrophes kept ("F-35", "O'Brien") and a possessive
  "'s" dropped, for comparing a claim with its evidence.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

# ---------------------------------------------------------------- sentences

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


def sentences(text: str) -> list[str]:
    """The sentences of `text` as strings (see `split_sentences`)."""
    return [text[s:e] for s, e in split_sentences(text)]


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


# ---------------------------------------------------------------- words

TOKEN = re.compile(r"\w+", re.UNICODE)
WORD = re.compile(r"[^\W_](?:[\w'’\-]*\w)?")
CITATION = re.compile(r"\[\d+(?:\s*[,\-–]\s*\d+)*\]")  # [1], [1, 2], [1-3] as a draft writes them
_YEAR_RANGE = re.compile(r"\b(1[89]|20)(\d{2})\s*([–-])\s*(\d{2})\b(?![–-]\d)")
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")  # digits, with decimals or thousands separators
GAP = " … "  # where an excerpt or window leaves sentences out
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
MONTHS = tuple("january february march april may june july august september october november december".split())
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())

# Words that carry no content when comparing a claim with its evidence (coverage, the judge's checks).
STOPWORDS = frozenset(
    """a an and are as at be been being but by can could did do does during for from had has have he her hers
    him his how i if in into is it its me more most my of on or our over she so such than that the their them
    then there these they this those through to under until up upon us very was we were what when where which
    while who whom whose why will with would you your also after before about against between both each few
    other some any all only own same just now here out off again further once said says say according""".split()
)
# Past forms and participles of irregular verbs, to their base form ("won" -> "win", "laid" -> "lay"), for
# checks that match a claim's verb however it is inflected. Pasts equal to their base ("hit") are listed too:
# they are past forms as much as "won" is.
IRREGULAR_PAST: dict[str, str] = {
    past: base
    for base, pasts in {
        "be": "was were been", "become": "became", "begin": "began begun", "beat": "beat beaten",
        "break": "broke broken", "bring": "brought", "build": "built", "buy": "bought", "catch": "caught",
        "choose": "chose chosen", "come": "came", "draw": "drew drawn", "drive": "drove driven",
        "fall": "fell fallen", "fight": "fought", "find": "found", "fly": "flew flown", "get": "got gotten",
        "give": "gave given", "go": "went gone", "grow": "grew grown", "hit": "hit", "hold": "held", "keep": "kept",
        "know": "knew known", "lay": "laid", "lead": "led", "leave": "left", "lose": "lost", "make": "made",
        "meet": "met", "pay": "paid", "quit": "quit", "ride": "rode", "rise": "rose risen", "run": "ran",
        "say": "said", "see": "saw seen", "seek": "sought", "sell": "sold", "send": "sent", "shoot": "shot",
        "sing": "sang sung", "sink": "sank sunk", "sit": "sat", "speak": "spoke spoken", "spend": "spent",
        "stand": "stood", "steal": "stole stolen", "strike": "struck", "swear": "swore sworn", "take": "took taken",
        "teach": "taught", "tell": "told", "think": "thought", "throw": "threw thrown", "wear": "wore worn",
        "win": "won", "withdraw": "withdrew withdrawn", "write": "wrote written",
    }.items()
    for past in pasts.split()
}  # fmt: skip
# The shorter list dropped from lexical (BM25) queries: BM25's IDF already discounts common words, so only
# the words that would match nearly every chunk are left out ("also", "after", "said" still count).
QUERY_STOPWORDS = frozenset(
    """a an and are as at be been but by did do does for from had has have he her his how i if in into is it
    its of on or she that the their them they this to was were what when where which who whom whose why
    will with would you""".split()
)


def tokens(text: str) -> list[str]:
    """Lower-cased runs of word characters: what shingles, the hashing embedder and BM25 queries use."""
    return TOKEN.findall(text.lower())


def normalise(text: str) -> str:
    """`text` for comparison: citation markers removed, curly apostrophes straightened, ISO dates written
    as words ("2022-08-31" -> "31 August 2022", so "08" is not a number) and "2018–19" as "2018–2019"."""
    text = CITATION.sub(" ", text)
    text = text.replace("’", "'").replace("\u00a0", " ")
    text = _ISO_DATE.sub(
        lambda m: f"{int(m[3])} {MONTHS[int(m[2]) - 1].title()} {m[1]}" if 1 <= int(m[2]) <= 12 else m[0], text
    )
    return _YEAR_RANGE.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{m[1]}{m[4]}", text)


def words(text: str, keep_case: bool = False) -> list[str]:
    """The words of already `normalise`d text, possessive "'s" dropped; lower-cased unless `keep_case`."""
    found = [w[:-2] if w.endswith("'s") else w for w in WORD.findall(text)]
    return found if keep_case else [w.lower() for w in found]


def content_words(text: str) -> list[str]:
    """Lower-cased words of `text` that carry content (no stopwords, no bare numbers, no citation markers)."""
    return [w for w in words(normalise(text)) if w not in STOPWORDS and not w.isdigit()]


def query_words(text: str) -> list[str]:
    """The content words of `text` for a lexical query: lower-cased, each once, in order."""
    return list(dict.fromkeys(w for w in tokens(text) if w not in QUERY_STOPWORDS))


def in_words(token: str, pool: AbstractSet[str]) -> bool:
    """`token` or a close inflection of it ("Italian"/"Italy", "confirm"/"confirmed") is in `pool`."""
    if token in pool or token + "s" in pool or token + "es" in pool:
        return True
    if len(token) < 4:
        return False
    return any(
        len(w) >= 4 and common_prefix(token, w) >= max(4, min(len(token), len(w)) - 2) for w in pool if w[0] == token[0]
    )


def common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of `a` and `b`."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def claim_coverage(claim: str, evidence: str) -> float:
    """How much of `claim` `evidence` holds: its content words' `coverage`, or for a bare figure ("171",
    "87.29%"), which has none, the share of its words, digits included."""
    if content_words(claim):
        return coverage(claim, evidence)
    said, pool = words(normalise(claim)), word_pool(words(normalise(evidence)))  # "352" in a "352-65" tally
    return sum(w in pool for w in said) / len(said) if said else 0.0


def word_pool(found: Sequence[str]) -> set[str]:
    """`found` words and the parts of the hyphenated ones ("Park-Lane" holds "Park" and "Lane", "352-65" 352)."""
    return set(found) | {part for w in found if "-" in w for part in w.split("-") if part}


def figures(text: str) -> set[str]:
    """The figures `text` writes in digits, thousands separators dropped: "$1,200" gives "1200", "87.29%"
    "87.29", a "352-65" tally both "352" and "65"."""
    return {m[0].replace(",", "") for m in _FIGURE.finditer(text)}


def coverage(text: str, evidence: str) -> float:
    """The fraction of `text`'s content words found in `evidence` (close inflections count); 0 when none."""
    wanted = content_words(text)
    pool = set(content_words(evidence))
    return sum(in_words(w, pool) for w in wanted) / len(wanted) if wanted else 0.0


def answer_words(question: str, text: str) -> list[str]:
    """The content words of `text` (an answer) that the question does not already hold: what it answers with."""
    asked = set(content_words(question))
    return [w for w in content_words(text) if not in_words(w, asked)]


def share_held(wanted: Sequence[str], text: str) -> float:
    """The share of `wanted` words that `text` holds (close inflections count); 0 when there are none."""
    if not wanted:
        return 0.0
    held = set(content_words(text))
    return sum(in_words(w, held) for w in wanted) / len(wanted)


# ---------------------------------------------------------------- quotes and evidence windows

_QUOTE_CHARS = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " "})
TRAILING_PUNCT = ".,;:!?"


def straight_quotes(text: str) -> str:
    """`text` with curly quotes made straight and non-breaking spaces made plain."""
    return text.translate(_QUOTE_CHARS)


def _folded(text: str) -> str:
    return " ".join(straight_quotes(text).split()).casefold()


def occurs_in(fragment: str, text: str) -> bool:
    """`fragment` occurs in `text`, ignoring case, spacing and curly versus straight quotes."""
    return _folded(fragment) in _folded(text)


def supporting_span(claim: str, text: str, max_sentences: int = 3, figures_first: bool = True) -> tuple[int, int]:
    """The shortest run of sentences of `text` (at most `max_sentences`) that holds most of the figures
    `claim` gives and, among those, covers its words best (with not `figures_first`: covers its words best).

    Returned as (start, end) into `text`; it is what a user is shown as the quote, so the figure a sentence
    answers with is in its quote ("352 votes in favor" is quoted by "... passed the bill 352-65", not by
    "... voted in favor of a ban"): words alone do not count digits.
    """
    spans = split_sentences(text) or [(0, len(text))]
    claim_body = straight_quotes(claim).strip().strip('"').rstrip(TRAILING_PUNCT)
    for s, e in spans:  # a verbatim claim is quoted by the sentence that holds it
        if len(claim_body.split()) >= 3 and occurs_in(claim_body, text[s:e]):
            return s, e
    wanted = figures(normalise(claim)) if figures_first else set()
    held = [wanted & figures(text[s:e]) if wanted else set() for s, e in spans]
    best: tuple[tuple[int, float, int], tuple[int, int]] = ((-1, -1.0, 0), spans[0])
    for i in range(len(spans)):
        for j in range(i, min(i + max_sentences, len(spans))):
            s, e = spans[i][0], spans[j][1]
            # more figures, then more coverage, then fewer sentences win; at a tie the earlier run
            key = (len(set().union(*held[i : j + 1])), round(claim_coverage(claim, text[s:e]), 9), i - j)
            if key > best[0]:
                best = (key, (s, e))
    return best[1]


def evidence_window(claim: str, text: str, max_chars: int = 700, most_added: int = 3) -> str:
    """The sentences of `text` that cover `claim` best, with one sentence either side, if `text` is long; and
    the sentences that give the figures of the claim that those lack (at most `most_added`, each the one
    giving most of what is still missing), so a judge reads "352 votes in favor" against the sentence with
    the "352-65" tally as well as the one about the vote. Sentences left out are marked by `GAP`.

    Names are not fetched from afar: a name the words' sentences lack is a claim's most common conflation
    ("captured in New York" from "captured in Caracas ... He landed in New York"), see docs/measurements.md."""
    if len(text) <= max_chars:
        return text
    spans = split_sentences(text)
    s, e = supporting_span(claim, text, figures_first=False)  # the words; the figures' sentences join below
    first = next((i for i, (a, _) in enumerate(spans) if a >= s), 0)
    last = max((i for i, (_, b) in enumerate(spans) if b <= e), default=len(spans) - 1)
    keep = set(range(max(0, first - 1), min(len(spans) - 1, last + 1) + 1))
    missing = figures(normalise(claim))
    held = [figures(text[a:b]) if missing else set() for a, b in spans]  # no figure: nothing to fetch
    missing -= set().union(*(held[i] for i in keep))
    for _ in range(most_added):
        gain = [len(missing & h) for h in held]
        best = max(
            range(len(spans)),
            key=lambda i: (gain[i], claim_coverage(claim, text[spans[i][0] : spans[i][1]]) if gain[i] else 0.0, -i),
        )
        if not gain[best]:
            break
        keep.add(best)
        missing -= held[best]
    kept = sorted(keep)
    if kept == list(range(kept[0], kept[-1] + 1)):  # one run: the passage's own text, as it stands
        return text[spans[kept[0]][0] : spans[kept[-1]][1]]
    return joined_sentences(text, spans, kept)


def joined_sentences(text: str, spans: Sequence[tuple[int, int]], keep: Sequence[int]) -> str:
    """The sentences `keep` (indices into `spans`, in order) of `text`, with `GAP` where sentences were left
    out (also before and after); whitespace inside each is collapsed."""
    parts: list[str] = []
    previous = -1
    for i in keep:
        start, end = spans[i]
        if i != previous + 1:
            parts.append(GAP.strip())
        parts.append(" ".join(text[start:end].split()))
        previous = i
    if keep and keep[-1] != len(spans) - 1:
        parts.append(GAP.strip())
    return " ".join(parts)
