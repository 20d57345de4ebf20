"""Publisher footers: the contact lines, sign-up calls, copyright notices and bare links after a story.

Every reader passes its body through `strip_footer`, so boilerplate is cut the same way whether the
article came as text, HTML or a JSON record. It is conservative on purpose: a paragraph is only dropped
when every sentence in it is boilerplate, and prose that merely starts like a footer ("Copyright law was
changed...", "Subscribers said...") stays, because losing a sentence of the story is worse than keeping
a line of boilerplate. Its own module because the patterns are many and change independently of any
format.
"""

from __future__ import annotations

import re

# Boilerplate whatever its wording: a copyright mark, a rights notice, or a line that is only a link.
_FOOTER_MARK = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\s+\d{4}\b|\ball rights reserved\b", re.I)
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_LINK = rf"\[[^\]]*\]\([^)\s]+\)|<?(?:https?://|www\.)[^\s<>]+>?|{_EMAIL}"
_LINK_ONLY = re.compile(rf"^\W*(?:{_LINK})\W*$", re.I)
_HAS_EMAIL = re.compile(_EMAIL)
# Contact details: "Contact Jane Doe at jd@example.com.", "Jane Doe can be reached at ...", "Jane Doe: 555-0100;
# jd@example.com"; "The company said buyers can write to help@example.com." is prose.
_CONTACT = re.compile(
    r"^\W*(?:to\s+)?(?:contact|reach|e-?mail|call|write|send|follow|find)\b|^[^:.!?]{1,60}:"
    r"|\bcan be (?:reached|emailed|contacted)\b|\bis on (?:twitter|x)\b",
    re.I,
)
# "AP NFL: https://apnews.com/hub/nfl and https://twitter.com/AP_Sports"; a link inside prose is kept.
_LABELLED_LINKS = re.compile(rf"^[^:.!?]{{1,60}}:\s*(?:(?:{_LINK}|@\w+|and|or)[\s,;.]*)+$", re.I)
# A call to action that opens a sentence; "Copyright law was changed..." or "Subscribers said..." is prose.
_FOOTER_PHRASE = re.compile(
    r"^\W*(?:to contact\b.*:|contact us\b|subscribe(?:\s+(?:to|now|today|for|here)\b|\W*$)"
    r"|sign up(?:\s+(?:for|to|now|today|here)\b|\W*$)|follow us\b|click here\b|.*\bvisit:\W*$)",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]*]*\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")
_MAX_FOOTER_PARAGRAPHS = 3
_MAX_FOOTER_CHARS = 300
_MAX_FOOTER_SENTENCE = 200


def _footer_sentence(s: str) -> bool:
    """Boilerplate: marked (©, rights, a bare link), or short and a call to action, contact details or links."""
    if _FOOTER_MARK.search(s) or _LINK_ONLY.match(s):
        return True
    short = len(s) <= _MAX_FOOTER_SENTENCE
    contact = _HAS_EMAIL.search(s) and _CONTACT.search(s)
    return short and bool(_FOOTER_PHRASE.match(s) or contact or _LABELLED_LINKS.match(s))


def _footer_kind(paragraph: str) -> str:
    """Classify a paragraph: "strong" (marked boilerplate), "weak" (calls to action only) or "" (prose)."""
    if len(paragraph) > _MAX_FOOTER_CHARS:
        return ""
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    if not lines:
        return ""
    sentences = [x for line in lines for x in _SENTENCE_END.split(line) if x.strip()]
    if not all(_footer_sentence(x) for x in sentences):
        return ""
    return "strong" if any(_FOOTER_MARK.search(x) or _LINK_ONLY.match(x) for x in sentences) else "weak"


def strip_footer(body: str) -> str:
    """Drop up to three trailing boilerplate paragraphs (contact, subscribe, copyright, bare links).

    The first paragraph is kept unless it is marked boilerplate too (then there is no article: "" is
    returned); a lone call to action such as "Subscribe to our newsletter" may be the text itself.
    """
    end = len(body)
    for _ in range(_MAX_FOOTER_PARAGRAPHS):
        head = body[:end].rstrip()
        breaks = list(_PARAGRAPH_BREAK.finditer(head))
        if not breaks or not _footer_kind(head[breaks[-1].end() :]):
            break
        end = breaks[-1].start()
    body = body[:end].rstrip()
    return "" if _footer_kind(body) == "strong" else body
